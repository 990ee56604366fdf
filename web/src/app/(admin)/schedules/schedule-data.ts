import { describeCron, formatInTimeZone, isTimeZone, nextRunTimes, parseCron } from '@/lib/cron';

/** What the schedule pages show of a cron expression: its English reading, or why it has none. */
export function cronDescription(cron: string): string {
  const parsed = parseCron(cron);
  return parsed.ok ? describeCron(parsed.schedule) : 'Not a valid cron expression';
}

/** The next start time the portal computes from the cron and time zone (the list has no Temporal plan). */
export function computedNextRun(cron: string, timeZone: string, now: Date): Date | undefined {
  const parsed = parseCron(cron);
  if (!parsed.ok || !isTimeZone(timeZone)) return undefined;
  return nextRunTimes(parsed.schedule, timeZone, now, 1)[0];
}

/**
 * Whether a schedule starts harvests now. Sheaf holds the Temporal Schedule paused while its
 * instrument is disabled, whatever the schedule's own switch says.
 */
export function scheduleState(schedule: { enabled: boolean; instrumentEnabled: boolean }): { active: boolean; label: string } {
  if (!schedule.enabled) return { active: false, label: 'Paused' };
  if (!schedule.instrumentEnabled) return { active: false, label: 'Paused: instrument disabled' };
  return { active: true, label: 'Active' };
}

type ScheduleTiming = { cron: string; timezone: string; enabled: boolean; instrumentEnabled: boolean };

/**
 * A list's "Next run (from cron)" cell: the next start computed from the cron in the schedule's
 * time zone while it is active, "Paused" while it is not, "Never" for an expression that never matches.
 */
export function nextRunText(schedule: ScheduleTiming, now: Date): string {
  if (!scheduleState(schedule).active) return 'Paused';
  const next = computedNextRun(schedule.cron, schedule.timezone, now);
  return next ? formatInTimeZone(next, schedule.timezone) : 'Never';
}

/**
 * An instrument's next scheduled start, computed from the cron expressions of its active
 * schedules: the earliest, in its schedule's time zone; undefined when none will start one.
 */
export function nextScheduledRun(schedules: readonly ScheduleTiming[], now: Date): { at: Date; timeZone: string } | undefined {
  let earliest: { at: Date; timeZone: string } | undefined;
  for (const schedule of schedules) {
    if (!scheduleState(schedule).active) continue;
    const at = computedNextRun(schedule.cron, schedule.timezone, now);
    if (at && (!earliest || at < earliest.at)) earliest = { at, timeZone: schedule.timezone };
  }
  return earliest;
}

/** Ready-made expressions for the form, each with what it does. */
export const CRON_PRESETS: ReadonlyArray<{ cron: string; label: string }> = [
  { cron: '*/15 * * * *', label: 'Every 15 minutes' },
  { cron: '0 * * * *', label: 'Hourly' },
  { cron: '0 2 * * *', label: 'Daily at 02:00' },
  { cron: '30 2 * * 1-5', label: 'Weekdays at 02:30' },
  { cron: '0 3 * * 0', label: 'Sundays at 03:00' },
];

/**
 * The list's state filter (`?state=`), as API query parameters. The API filters on the schedule's
 * own switch only (`enabled`), not on its instrument's, so the options say so: "switched on" also
 * finds the schedules the State column shows as "Paused: instrument disabled".
 */
export const STATE_FILTERS = {
  active: { label: 'Switched on (active, or paused: instrument disabled)', query: { enabled: true } },
  paused: { label: 'Paused by its own switch', query: { enabled: false } },
  unsynced: { label: 'Not synced with Temporal', query: { synced: false } },
} as const;

export type StateFilter = keyof typeof STATE_FILTERS;
