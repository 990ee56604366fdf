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

/**
 * A new schedule's expression. Night-time, but not between 01:00 and 03:59: daylight saving
 * changes the clocks then (Europe at 02:00/03:00, the US at 02:00), so a start there is skipped
 * on the spring day and may run twice on the autumn one, in the time zones the form suggests.
 */
export const DEFAULT_CRON = '0 4 * * *';

/** Ready-made expressions for the form, each with what it does; the timed ones at 04:00 or later, as DEFAULT_CRON. */
export const CRON_PRESETS: ReadonlyArray<{ cron: string; label: string }> = [
  { cron: '*/15 * * * *', label: 'Every 15 minutes' },
  { cron: '0 * * * *', label: 'Hourly' },
  { cron: DEFAULT_CRON, label: 'Daily at 04:00' },
  { cron: '30 4 * * 1-5', label: 'Weekdays at 04:30' },
  { cron: '0 5 * * 0', label: 'Sundays at 05:00' },
];

/** A schedule's fields as its form edits them. */
export interface ScheduleFields {
  cron: string;
  timezone: string;
  enabled: boolean;
  description: string;
}

/**
 * What saving an edited schedule sends: only the fields that differ from the schedule as loaded
 * (the note trimmed; a cron differing only in spaces is the same). Sent back unchanged, a field
 * would undo what another admin changed meanwhile: a note edited while the schedule was paused
 * elsewhere would resume it, and a concurrent cron or time zone change would be overwritten.
 */
export function scheduleChanges(schedule: Pick<ScheduleFields, 'cron' | 'timezone' | 'enabled'> & { description: string | null }, next: ScheduleFields): Partial<ScheduleFields> {
  const spaced = (cron: string) => cron.trim().split(/\s+/).join(' ');
  const description = next.description.trim();
  return {
    ...(spaced(next.cron) !== spaced(schedule.cron) ? { cron: next.cron } : {}),
    ...(next.timezone !== schedule.timezone ? { timezone: next.timezone } : {}),
    ...(next.enabled !== schedule.enabled ? { enabled: next.enabled } : {}),
    ...(description !== (schedule.description ?? '') ? { description } : {}),
  };
}

type SchedulePlanState = { deletedAt: string | null; enabled: boolean; instrumentEnabled: boolean; instrumentName: string; synced: boolean; cron: string; timezone: string };

/**
 * Why a schedule's page shows no start times from Temporal (its plan is empty), and what the
 * cron implies. While the row is not in sync, Temporal still has what it was last given (a
 * deleted or paused schedule may still start harvests there): the page says so, not that
 * Temporal starts nothing.
 */
export function noPlanMessage(schedule: SchedulePlanState, now: Date): string {
  const paused = !schedule.enabled || !schedule.instrumentEnabled;
  if (!schedule.synced) {
    if (schedule.deletedAt !== null) return 'Deleted, but Temporal has not been told yet: it may still start harvests from this schedule until a re-sync gets through.';
    if (paused) return 'Paused, but Temporal has not been told yet: it may still start harvests from this schedule until a re-sync gets through.';
    return 'Temporal does not have this schedule as it is yet: re-sync it.';
  }
  if (schedule.deletedAt !== null) return 'Deleted: Temporal starts nothing.';
  if (!schedule.enabled) return 'Paused: Temporal starts nothing until the schedule is resumed.';
  if (!schedule.instrumentEnabled) return `Paused while ${schedule.instrumentName} is disabled: Temporal starts nothing until the instrument is enabled again.`;
  const next = computedNextRun(schedule.cron, schedule.timezone, now);
  return next
    ? `Temporal did not answer just now. By the cron expression, the next start is ${formatInTimeZone(next, schedule.timezone)}.`
    : 'Temporal plans no start: the expression never matches a date.';
}

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
