import type { HarvestRunDto } from '@/lib/api-types';

/**
 * What the runs in progress announce to screen readers: which runs there are, not how far they
 * got. The text changes when a run starts, ends or goes from pending to running, not on each
 * 2-second progress update.
 */
export function runsInProgressAnnouncement(runs: ReadonlyArray<Pick<HarvestRunDto, 'instrumentName' | 'status'>>): string {
  if (runs.length === 0) return 'No harvest is running right now.';
  const which = runs.map((run) => `${run.instrumentName} (${run.status})`).join(', ');
  return `${runs.length} ${runs.length === 1 ? 'harvest' : 'harvests'} in progress: ${which}.`;
}
