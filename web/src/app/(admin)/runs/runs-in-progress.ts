import type { HarvestRunDto, HarvestRunPageDto } from '@/lib/api-types';
import { formatCount } from '@/lib/format';

/**
 * What the runs in progress announce to screen readers: which runs there are, not how far they
 * got. The text changes when a run starts, ends or goes from pending to running, not on each
 * 2-second progress update. The count is the API's (`counts`), which says when only part of the
 * runs is listed.
 */
export function runsInProgressAnnouncement(runs: ReadonlyArray<Pick<HarvestRunDto, 'instrumentName' | 'status'>>, counts: RunsInProgress['counts'] = []): string {
  const total = Math.max(runs.length, counts.reduce((sum, count) => sum + count.total, 0));
  if (total === 0) return 'No harvest is running right now.';
  const which = runs.map((run) => `${run.instrumentName} (${run.status})`).join(', ');
  const listed = total > runs.length ? ` (${formatCount(runs.length)} listed)` : '';
  return `${formatCount(total)} ${total === 1 ? 'harvest' : 'harvests'} in progress${listed}: ${which}.`;
}

/** Runs in progress read per status, the first page of each (the API's default order, newest first). */
export const RUNS_IN_PROGRESS_PAGE = 50;

export type InProgressStatus = 'running' | 'pending';

/** The dashboard's runs in progress: what it lists, and per status how many it lists of how many there are. */
export interface RunsInProgress {
  runs: HarvestRunDto[];
  counts: Array<{ status: InProgressStatus; shown: number; total: number }>;
}

/** The first page of running and of pending runs as one list, with each status's count (the API's total). */
export function runsInProgress(running: Pick<HarvestRunPageDto, 'items' | 'total'>, pending: Pick<HarvestRunPageDto, 'items' | 'total'>): RunsInProgress {
  return {
    runs: [...running.items, ...pending.items],
    counts: [
      { status: 'running', shown: running.items.length, total: running.total },
      { status: 'pending', shown: pending.items.length, total: pending.total },
    ],
  };
}

/**
 * For each status with more runs than the dashboard lists, what says so and where the rest are
 * (the runs list filtered to that status): without it 50 pending runs read as all of them.
 */
export function runsNotListed(counts: RunsInProgress['counts']): Array<{ text: string; href: string; label: string }> {
  return counts
    .filter(({ shown, total }) => total > shown)
    .map(({ status, shown, total }) => ({
      text: `Showing ${formatCount(shown)} of ${formatCount(total)} ${status}.`,
      href: `/runs?status=${status}`,
      label: `See all ${status} harvests`,
    }));
}
