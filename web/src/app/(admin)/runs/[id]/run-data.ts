import type { DestinationProgressDto, HarvestRunDto } from '@/lib/api-types';
import { formatCount, formatDateTime } from '@/lib/format';

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

/**
 * A warning for new files the listing saw modified in the future: they are deferred until that
 * time has passed, and only a clock put right on the instrument gets them harvested sooner.
 */
export function futureFilesWarning(run: Pick<HarvestRunDto, 'filesInFuture' | 'latestFutureMtime'>): string | undefined {
  if (run.filesInFuture === 0) return undefined;
  const files = run.filesInFuture === 1 ? '1 new file is' : `${formatCount(run.filesInFuture)} new files are`;
  return (
    `${files} modified in the future (latest ${formatDateTime(run.latestFutureMtime)}): the instrument's clock is probably ahead. ` +
    'They are deferred until that time and the quiet period have passed.'
  );
}
