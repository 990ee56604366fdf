import {
  ActivityFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { HarvestPhase } from '@sheaf/contracts';
import type { HarvestActivities } from './activities';
import { progressQuery, searchAttributes, type HarvestInput, type HarvestProgress, type HarvestResult } from './definitions';

/** Short bookkeeping against Postgres. */
const BOOKKEEPING = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 10 } } as const;
/** Long, heartbeating work: listing and copying. */
const LONG_RUNNING = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 5 },
} as const;

const { beginRun, finishRun } = proxyActivities<HarvestActivities>(BOOKKEEPING);
const { discover, transfer } = proxyActivities<HarvestActivities>(LONG_RUNNING);

export async function harvest(input: HarvestInput): Promise<HarvestResult> {
  const progress: HarvestProgress = { phase: 'queued', filesTotal: 0, bytesTotal: 0, filesDone: 0, bytesDone: 0, filesFailed: 0 };
  setHandler(progressQuery, () => progress);
  const enter = (phase: HarvestPhase) => {
    progress.phase = phase;
    upsertSearchAttributes([
      { key: searchAttributes.phase, value: phase },
      { key: searchAttributes.filesTotal, value: progress.filesTotal },
      { key: searchAttributes.filesDone, value: progress.filesDone },
      { key: searchAttributes.bytesDone, value: progress.bytesDone },
    ]);
  };

  try {
    const { instrumentName } = await beginRun(input.runId);
    upsertSearchAttributes([
      { key: searchAttributes.instrument, value: instrumentName },
      { key: searchAttributes.runId, value: input.runId },
    ]);
    enter('discovering');
    const found = await discover(input.runId);
    progress.filesTotal = found.files;
    progress.bytesTotal = found.bytes;
    enter('transferring');
    const copied = await transfer(input.runId);
    progress.filesDone = copied.files;
    progress.bytesDone = copied.bytes;
    progress.filesFailed = copied.failed;
    const status = copied.failed > 0 ? 'failed' : 'succeeded';
    await finishRun(input.runId, { status, error: copied.failed > 0 ? `${copied.failed} file(s) failed` : undefined });
    enter('finished');
    return { ...progress, status };
  } catch (err) {
    // Record the outcome even when the run itself was cancelled.
    await CancellationScope.nonCancellable(() =>
      finishRun(input.runId, {
        status: isCancellation(err) ? 'cancelled' : 'failed',
        error: describeFailure(err),
      }),
    );
    throw err;
  }
}

/** The activity's own message rather than Temporal's wrapper ("Activity task failed"). */
function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
