import type { DestinationProgressDto, HarvestRunDetailDto, HarvestRunDto } from '@/lib/api-types';
import { formatCount, formatDateTime } from '@/lib/format';

/**
 * Whether the run owed this destination nothing though it took files: it took them for another
 * destination (one added later) or only for post-hooks a run before missed, and this one held
 * verified copies already. Known once planning is over; until then a destination's total grows.
 */
export function owedNothing(run: Pick<HarvestRunDto, 'filesTotal' | 'phase'>, destination: Pick<DestinationProgressDto, 'filesTotal'>): boolean {
  return destination.filesTotal === 0 && run.filesTotal > 0 && (run.phase === 'transferring' || run.phase === 'finished');
}

type ListedCounts = Pick<HarvestRunDto, 'filesFailed' | 'filesHeld' | 'filesDeferred' | 'filesInQuietPeriod'>;

/**
 * How many files the run lists with what became of them: those it failed or held, and those it
 * deferred because they changed or went from the source while it copied them. Not the files its
 * listing found inside the quiet period: they are counted, not listed.
 */
export function listedCount(run: ListedCounts): number {
  return run.filesFailed + run.filesHeld + run.filesDeferred - run.filesInQuietPeriod;
}

/**
 * What the failures section says when it lists none. A run recorded before runs kept their own
 * outcomes lists its files that are failed or held now: one whose failures later runs have
 * since delivered counted them, yet lists none, and says so rather than "none".
 */
export function noFailuresMessage(run: ListedCounts & Pick<HarvestRunDto, 'phase'>): string {
  if (run.phase === 'finished' && listedCount(run) > 0) {
    return 'None left: later runs have dealt with the files this run failed, held or deferred.';
  }
  return 'No failed, held or deferred files.';
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

/** The copy attempts the run has recorded: the rows of its per-file table (verified or not, at each destination). */
export function copyAttempts(run: Pick<HarvestRunDetailDto, 'destinations'>): number {
  return run.destinations.reduce((sum, d) => sum + d.filesVerified + d.attemptsFailed, 0);
}

/** At most this often the run page re-renders its per-file table while the run copies. */
const TRANSFERS_REFRESH_MS = 10_000;

/**
 * When to re-render the per-file table: undefined while it shows every attempt the live run
 * counts, otherwise after the wait left of TRANSFERS_REFRESH_MS since it was last rendered
 * (0: now). A run copying many small files re-renders every 10 s, not at each poll. Only the
 * table's first page follows the run: it lists the newest attempts first, so on a later page
 * (?offset > 0) each new attempt would push the rows along under the reader; that page stays.
 */
export function transfersRefreshDelay(shownAttempts: number, latestAttempts: number, msSinceRendered: number, firstPage: boolean): number | undefined {
  if (!firstPage || latestAttempts === shownAttempts) return undefined;
  return Math.max(0, TRANSFERS_REFRESH_MS - msSinceRendered);
}
