import type { DestinationProgressDto, HarvestRunDto } from '@/lib/api-types';

/**
 * Whether the run owed this destination nothing though it took files: it took them for another
 * destination (one added later) or only for post-hooks a run before missed, and this one held
 * verified copies already. Known once planning is over; until then a destination's total grows.
 */
export function owedNothing(run: Pick<HarvestRunDto, 'filesTotal' | 'phase'>, destination: Pick<DestinationProgressDto, 'filesTotal'>): boolean {
  return destination.filesTotal === 0 && run.filesTotal > 0 && (run.phase === 'transferring' || run.phase === 'finished');
}

/**
 * What the failures section says when it lists none. It lists the run's files that are failed or
 * held now: a finished run whose failures later runs have since delivered (or set aside) counted
 * them, yet lists none, and says so rather than "none".
 */
export function noFailuresMessage(run: Pick<HarvestRunDto, 'filesFailed' | 'filesHeld' | 'phase'>): string {
  if (run.phase === 'finished' && run.filesFailed + run.filesHeld > 0) {
    return 'None left: later runs have dealt with the files this run failed or held.';
  }
  return 'No failed or held files.';
}
