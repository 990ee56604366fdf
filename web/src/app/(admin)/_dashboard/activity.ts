import type { HarvestRunDto, InstrumentDto, ScheduleDto } from '@/lib/api-types';

import { computedNextRun } from '../schedules/schedule-data';

/** How far back the dashboard's charts look, today included. */
export const ACTIVITY_DAYS = 14;
/** Runs read for the charts at most (pages of 200): the dashboard never reads unbounded data. */
export const ACTIVITY_MAX_RUNS = 1000;
/** Instruments whose newest failed run is asked for at once (see windowFailures). */
const FAILURE_QUERIES_AT_ONCE = 10;

export interface DayActivity {
  /** `yyyy-mm-dd` (UTC, like every date the portal shows). */
  day: string;
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  runs: number;
}

export interface Activity {
  days: DayActivity[];
  /** Runs counted; fewer than `runsInWindow` when the cap cut the oldest off. */
  runsCounted: number;
  runsInWindow: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

/** Midnight UTC at the start of the window that ends today. */
export function activityWindowStart(now: Date, days = ACTIVITY_DAYS): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * DAY_MS);
}

/**
 * Files and bytes harvested per day. A run counts on the day it finished (a run in progress on
 * the day of its last progress); days without runs are zeros, so the axis has no gaps.
 */
export function activityPerDay(runs: readonly HarvestRunDto[], now: Date, runsInWindow = runs.length, days = ACTIVITY_DAYS): Activity {
  const start = activityWindowStart(now, days);
  const byDay = new Map<string, DayActivity>();
  for (let i = 0; i < days; i++) {
    const day = dayOf(new Date(start.getTime() + i * DAY_MS).toISOString());
    byDay.set(day, { day, filesDone: 0, filesFailed: 0, bytesDone: 0, runs: 0 });
  }
  for (const run of runs) {
    const entry = byDay.get(dayOf(run.finishedAt ?? run.updatedAt));
    if (!entry) continue;
    entry.filesDone += run.filesDone;
    entry.filesFailed += run.filesFailed;
    entry.bytesDone += run.bytesDone;
    entry.runs += 1;
  }
  return { days: [...byDay.values()], runsCounted: runs.length, runsInWindow };
}

export interface InstrumentHealth {
  id: string;
  name: string;
  enabled: boolean;
  lastRun: InstrumentDto['lastRun'];
  /** The earliest next start of the instrument's enabled schedules. */
  nextRunAt: string | null;
  /**
   * `nextRunAt` is computed from a cron expression, as the schedule list does: Temporal was not
   * asked (over the dashboard's cap) or did not answer, so its plan may differ (a pause, jitter).
   */
  nextRunFromCron: boolean;
  /** Enabled schedules of the instrument. */
  schedules: number;
  /** The newest failed run in the activity window, with its reason. */
  lastError: { runId: string; at: string; message: string } | null;
}

export interface ScheduleNextRuns {
  instrumentId: string;
  enabled: boolean;
  cron: string;
  timezone: string;
  /** Temporal's plan; null: not asked, or Temporal did not answer. */
  nextRunTimes: string[] | null;
}

/** A schedule's next start: Temporal's, or when it has none to give, the cron expression's. */
function firstStart(schedule: ScheduleNextRuns, now: Date): { at: string; fromCron: boolean } | undefined {
  if (schedule.nextRunTimes) {
    const [first] = schedule.nextRunTimes;
    return first === undefined ? undefined : { at: first, fromCron: false };
  }
  const computed = computedNextRun(schedule.cron, schedule.timezone, now);
  return computed && { at: computed.toISOString(), fromCron: true };
}

/**
 * The next starts Temporal gave for a schedule, or null when they are unknown. The API answers
 * them best effort: a live, enabled schedule that Temporal matches always has a next start
 * (unless its expression never matches a date), so an empty answer means Temporal did not
 * answer: the dashboard then shows the start the cron expression gives, not "none planned".
 */
export function plannedStarts(schedule: Pick<ScheduleDto, 'enabled' | 'synced' | 'deletedAt'>, nextRunTimes: string[]): string[] | null {
  return expectsStarts(schedule) && nextRunTimes.length === 0 ? null : nextRunTimes;
}

/** Whether Temporal has a plan for the schedule: it is enabled, live, and Temporal has it. */
export function expectsStarts(schedule: Pick<ScheduleDto, 'enabled' | 'synced' | 'deletedAt'>): boolean {
  return schedule.enabled && schedule.synced && schedule.deletedAt === null;
}

/**
 * The failed runs of the activity window that hold each instrument's newest one, newest first,
 * for instrumentHealth. The window's runs (newest first) hold them all when they are the whole
 * window; when ACTIVITY_MAX_RUNS cut it short, an instrument with no failed run among them asks
 * `newestFailed` for its own (an older one, cut off), a few instruments at a time.
 */
export async function windowFailures(
  instruments: ReadonlyArray<Pick<InstrumentDto, 'id'>>,
  window: { runs: readonly HarvestRunDto[]; total: number },
  newestFailed: (instrumentId: string) => Promise<HarvestRunDto | undefined>,
): Promise<HarvestRunDto[]> {
  const failed = window.runs.filter((run) => run.status === 'failed');
  if (window.runs.length >= window.total) return failed;
  const found = new Set(failed.map((run) => run.instrumentId));
  const missing = instruments.filter((instrument) => !found.has(instrument.id));
  for (let i = 0; i < missing.length; i += FAILURE_QUERIES_AT_ONCE) {
    const answers = await Promise.all(missing.slice(i, i + FAILURE_QUERIES_AT_ONCE).map((instrument) => newestFailed(instrument.id)));
    failed.push(...answers.filter((run) => run !== undefined));
  }
  return failed;
}

/** One row per instrument: last run, next scheduled run, last error (from `runs`, newest first: see windowFailures). */
export function instrumentHealth(
  instruments: readonly InstrumentDto[],
  schedules: readonly ScheduleNextRuns[],
  runs: readonly HarvestRunDto[],
  now: Date,
): InstrumentHealth[] {
  return instruments.map((instrument) => {
    const own = schedules.filter((s) => s.instrumentId === instrument.id && s.enabled);
    // ISO strings (all UTC, same format) sort in time order.
    const next = own
      .map((s) => firstStart(s, now))
      .filter((start) => start !== undefined)
      .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))[0];
    // `runs` is newest first (the API's order) for each instrument.
    const failed = runs.find((r) => r.instrumentId === instrument.id && r.status === 'failed');
    return {
      id: instrument.id,
      name: instrument.name,
      enabled: instrument.enabled,
      lastRun: instrument.lastRun,
      nextRunAt: next?.at ?? null,
      nextRunFromCron: next?.fromCron ?? false,
      schedules: own.length,
      lastError: failed
        ? { runId: failed.id, at: failed.finishedAt ?? failed.updatedAt, message: failed.error ?? `${failed.filesFailed} file(s) failed` }
        : null,
    };
  });
}
