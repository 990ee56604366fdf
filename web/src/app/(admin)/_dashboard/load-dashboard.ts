import 'server-only';

import { api, load } from '@/lib/api';
import type { HarvestRunDto, ScheduleDto } from '@/lib/api-types';

import { runsInProgress, RUNS_IN_PROGRESS_PAGE, type RunsInProgress } from '../runs/runs-in-progress';
import {
  ACTIVITY_MAX_RUNS,
  activityPerDay,
  activityWindowStart,
  expectsStarts,
  instrumentHealth,
  plannedStarts,
  windowFailures,
  type Activity,
  type InstrumentHealth,
  type ScheduleNextRuns,
} from './activity';

const PAGE = 200;
/** Schedules whose next start is asked of Temporal (one describe each) per dashboard view. */
const MAX_SCHEDULES_DESCRIBED = 20;

export interface Dashboard {
  active: RunsInProgress;
  failures: HarvestRunDto[];
  activity: Activity;
  health: InstrumentHealth[];
  /** Instruments beyond the health table's first page. */
  instrumentsTotal: number;
  /** Enabled schedules whose next start was not asked of Temporal (over the cap) but computed from their cron. */
  schedulesNotDescribed: number;
}

/** The runs of the activity window, newest first, in pages of 200 up to ACTIVITY_MAX_RUNS. */
async function windowRuns(from: string): Promise<{ runs: HarvestRunDto[]; total: number }> {
  const first = await load('listHarvests', { query: { from, limit: PAGE, offset: 0 } });
  const pages = Math.ceil(Math.min(first.total, ACTIVITY_MAX_RUNS) / PAGE);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) => load('listHarvests', { query: { from, limit: PAGE, offset: (i + 1) * PAGE } })),
  );
  return { runs: [first, ...rest].flatMap((page) => page.items).slice(0, ACTIVITY_MAX_RUNS), total: first.total };
}

/**
 * Next start times of the enabled schedules as Temporal plans them, for the first ones (best
 * effort: a failed describe leaves them to the cron expression, see instrumentHealth).
 */
async function nextRuns(schedules: ScheduleDto[]): Promise<ScheduleNextRuns[]> {
  return Promise.all(
    schedules.map(async (schedule, i) => {
      const { instrumentId, enabled, cron, timezone } = schedule;
      // Not asked: its cron gives the next start, unless Temporal has no plan for it (no start, as for one asked).
      if (i >= MAX_SCHEDULES_DESCRIBED) return { instrumentId, enabled, cron, timezone, nextRunTimes: expectsStarts(schedule) ? null : [] };
      const detail = await api('getSchedule', { path: { id: schedule.id } });
      return { instrumentId, enabled, cron, timezone, nextRunTimes: detail.kind === 'ok' ? plannedStarts(detail.data, detail.data.nextRunTimes) : null };
    }),
  );
}

/** Everything the dashboard shows, read with the signed-in user's rights and bounded. */
export async function loadDashboard(now = new Date()): Promise<Dashboard> {
  const from = activityWindowStart(now).toISOString();
  const [running, pending, failures, instruments, window, schedules] = await Promise.all([
    load('listHarvests', { query: { status: 'running', limit: RUNS_IN_PROGRESS_PAGE } }),
    load('listHarvests', { query: { status: 'pending', limit: RUNS_IN_PROGRESS_PAGE } }),
    load('listHarvests', { query: { status: 'failed', limit: 5 } }),
    load('listInstruments', { query: { limit: PAGE } }),
    windowRuns(from),
    load('listSchedules', { query: { enabled: true, limit: PAGE } }),
  ]);
  const [next, windowFailed] = await Promise.all([
    nextRuns(schedules.items),
    // The charts count the newest runs only; each instrument's last error is its own, however many
    // runs there were. Best effort, like the next runs: a failed look-up (among up to one per
    // instrument) shows that instrument without a last error, not the whole dashboard as an error.
    windowFailures(instruments.items, window, async (instrumentId) => {
      const failed = await api('listHarvests', { query: { instrumentId, status: 'failed', from, limit: 1 } });
      return failed.kind === 'ok' ? failed.data.items[0] : undefined;
    }),
  ]);
  return {
    active: runsInProgress(running, pending),
    failures: failures.items,
    activity: activityPerDay(window.runs, now, window.total),
    health: instrumentHealth(instruments.items, next, windowFailed, now),
    instrumentsTotal: instruments.total,
    schedulesNotDescribed: Math.max(0, schedules.total - MAX_SCHEDULES_DESCRIBED),
  };
}
