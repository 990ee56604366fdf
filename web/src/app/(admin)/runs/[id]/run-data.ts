import type { DestinationProgressDto, HarvestRunDto } from '@/lib/api-types';

/**
 * Whether the run owed this destination nothing though it took files: it took them for another
 * destination (one added later) or only for post-hooks a run before missed, and this one held
 * verified copies already. Known once planning is over; until then a destination's total grows.
 */
export function owedNothing(run: Pick<HarvestRunDto, 'filesTotal' | 'phase'>, destination: Pick<DestinationProgressDto, 'filesTotal'>): boolean {
  return destination.filesTotal === 0 && run.filesTotal > 0 && (run.phase === 'transferring' || run.phase === 'finished');
}
