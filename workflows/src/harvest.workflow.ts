import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { HarvestPhase } from '@sheaf/contracts';
import type { BatchResult, HarvestActivities, PlannedSoFar } from './activities';
import { batchesPlannedSignal, progressQuery, searchAttributes, WORKER_SHUTDOWN_FAILURE, type HarvestInput, type HarvestProgress, type HarvestResult } from './definitions';
import { progressDetails } from './progress-details';

/**
 * Short bookkeeping against Postgres, retried without limit (at most a minute apart): a
 * database failover at the end of a twelve-hour run must not fail it. What cannot succeed
 * (a run that does not exist) fails at once, as non-retryable.
 */
const BOOKKEEPING = { startToCloseTimeout: '1 minute', retry: { maximumInterval: '1 minute' } } as const;
/**
 * Long, heartbeating work: listing and batches. A lost worker is noticed within the heartbeat
 * timeout. Heartbeats go out on a timer whatever the step, so they do not tell a hung step from
 * slow work; each step that can hang has a limit of its own instead (a copy without progress for
 * 15 minutes, a call on a network mount after 5, a hook at its timeout, rclone's own I/O timeouts,
 * TCP keepalive on the database's connections). The time limit is only the last resort: 3 days
 * lets a batch of one very large file over a slow link finish. One 100 GB file on an SMB share
 * that gives 5 MB/s takes some 11 hours (it is read twice at once, for the copy and for its
 * hash), nearly all of the 12 hours allowed before; a larger one failed every attempt, each
 * starting over. docs/harvest.md (Known limits) says what it still caps.
 */
const LONG_RUNNING = {
  startToCloseTimeout: '3 days',
  heartbeatTimeout: '2 minutes',
  // A cancelled run waits until its batches have stopped, so nothing is recorded after it ends.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 5 },
} as const;
const LONG_RUNNING_RETRY = LONG_RUNNING.retry;
const DEFAULT_WINDOW = 4;
/** Search attributes are updated every this many batches (each update is a history event). */
const SEARCH_ATTRIBUTE_EVERY = 10;
/**
 * How many times discovery, or one batch, is run again after its last attempt was stopped by its
 * worker shutting down (WORKER_SHUTDOWN_FAILURE); each run has the retry policy's 5 attempts.
 */
const SHUTDOWN_RERUNS = 10;

const { beginRun, finishRun, createScheduledRun } = proxyActivities<HarvestActivities>(BOOKKEEPING);

function emptyProgress(): HarvestProgress {
  return {
    phase: 'queued',
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    bytesDone: 0,
    filesFailed: 0,
    filesSkipped: 0,
    filesHeld: 0,
    filesDeferred: 0,
    batchesTotal: 0,
    batchesDone: 0,
  };
}

/**
 * One harvest run: discover, and a sliding window of batch activities that starts as soon as
 * discovery has planned the first batches. The history holds only ids and counts; a long run
 * continues as new before its history grows large.
 */
export async function harvest(start: HarvestInput): Promise<HarvestResult> {
  let input = start;
  // The progress query answers from the start, while a scheduled run's row is being made too.
  // Neither a query handler nor current details is a command: histories replay unchanged.
  const progress: HarvestProgress = input.resume?.progress ?? emptyProgress();
  setHandler(progressQuery, () => progress);
  /** Shows the progress in the Temporal UI (no history event: after every change). */
  const show = () => setCurrentDetails(progressDetails(progress));
  show();
  if (input.scheduled && !input.resume) {
    const info = workflowInfo();
    const { scheduled } = input;
    // The chain's first run id, not this execution's: a reset in the Temporal UI starts a new
    // execution of the chain, which must find the run its first execution made, not make another.
    const create = () => createScheduledRun(scheduled, info.workflowId, info.firstExecutionRunId);
    // Not cancellable: the row is made whatever happens, and a cancel that came meanwhile is
    // honoured by the first step after it (which closes the run as cancelled), instead of
    // leaving a pending row that is later closed as failed.
    const runId = await (patched(PATCHES.scheduledRunNotCancellable) ? CancellationScope.nonCancellable(create) : create());
    input = { ...input, runId, scheduled: undefined };
  }
  const { discover, processBatch } = proxyActivities<HarvestActivities>(
    input.heartbeatTimeoutSeconds
      ? { ...LONG_RUNNING, heartbeatTimeout: `${input.heartbeatTimeoutSeconds} seconds`, retry: { ...LONG_RUNNING_RETRY, initialInterval: '1 second' } }
      : LONG_RUNNING,
  );
  /**
   * Records how the run ended when nothing failed it (succeeded, or failed files, or skipped).
   * Not cancellable once begun: a cancel while it runs would reject the call, and the catch would
   * record the run cancelled while this still ran; the run has ended, and the cancel finds a
   * workflow about to complete. A cancel that came before it (the last batches finished anyway)
   * is honoured as before: the call, in the cancelled scope, rejects, and the catch closes the
   * run cancelled. Patched: histories written before called it in the root scope.
   */
  const close = (outcome: Parameters<typeof finishRun>[1]) => {
    const call = () => finishRun(input.runId, outcome);
    const notCancellable = patched(PATCHES.closingNotCancellable) && !CancellationScope.current().consideredCancelled;
    return notCancellable ? CancellationScope.nonCancellable(call) : call();
  };
  /** Shows the progress and puts it in the search attributes (a history event each time). */
  const publish = (phase: HarvestPhase = progress.phase) => {
    progress.phase = phase;
    show();
    upsertSearchAttributes([
      { key: searchAttributes.phase, value: phase },
      { key: searchAttributes.filesTotal, value: progress.filesTotal },
      { key: searchAttributes.filesDone, value: progress.filesDone },
      { key: searchAttributes.bytesDone, value: progress.bytesDone },
    ]);
  };

  // The run's own scope: whether a cancel had been asked for (of the workflow) when a failure came.
  const root = CancellationScope.current();
  // The first failure of discovery or of a batch, kept here rather than left to a rejected
  // promise: several activities can end in one activation, and a rejection that no race
  // awaits any more would be lost. `afterCancel`: a cancel of the run had been asked for
  // when it came (the failure may be that cancel's own, or a batch that lost its worker).
  let failure: { error: unknown; afterCancel: boolean } | undefined;
  try {
    let nextBatch = input.resume?.nextBatch ?? 0;
    // Discovery commits its plan in pieces and announces each one: batches start while the rest
    // is planned, and the discovery's result, the whole plan, ends the wait for more.
    let discovering = false;
    let wake = () => {};
    setHandler(batchesPlannedSignal, (soFar: PlannedSoFar) => {
      if (!discovering || soFar.batches <= progress.batchesTotal) return;
      progress.batchesTotal = soFar.batches;
      progress.filesTotal = soFar.files;
      progress.bytesTotal = soFar.bytes;
      show();
      wake();
    });
    if (!input.resume) {
      const begun = await beginRun(input.runId);
      upsertSearchAttributes([
        { key: searchAttributes.instrument, value: begun.instrumentName },
        { key: searchAttributes.runId, value: input.runId },
      ]);
      if (!begun.acquired) {
        const error =
          'disabled' in begun
            ? (begun.reason ?? `instrument ${begun.instrumentName} is disabled`)
            : `instrument ${begun.instrumentName} is already being harvested by run ${begun.holderRunId}`;
        await close({ status: 'skipped', error });
        publish('finished');
        setCurrentDetails(`**skipped**: ${error}`);
        return { ...progress, status: 'skipped' };
      }
      publish('discovering');
      discovering = true;
    }

    const add = (r: BatchResult) => {
      progress.filesDone += r.files;
      progress.bytesDone += r.bytes;
      progress.filesFailed += r.failed;
      progress.filesSkipped += r.skipped;
      progress.filesHeld += r.held;
      progress.filesDeferred += r.deferred;
      progress.batchesDone += 1;
      if (progress.batchesDone % SEARCH_ATTRIBUTE_EVERY === 0) publish();
      else show();
    };
    const fail = (error: unknown) => {
      failure ??= { error, afterCancel: root.consideredCancelled };
    };
    const window = Math.max(1, input.window ?? DEFAULT_WINDOW);
    /**
     * Whether an activity that failed with `error` after `reruns` runs again: its last attempt
     * was stopped by its worker shutting down, nothing has failed or cancelled the run, and it
     * has not been run again SHUTDOWN_RERUNS times. patched() last, and only then: histories
     * written before it never had such a failure, and one whose failure the code before it
     * answered by failing the run replays that way.
     */
    const rerun = (error: unknown, reruns: number) =>
      reruns < SHUTDOWN_RERUNS && stoppedByShutdown(error) && !failure && !CancellationScope.current().consideredCancelled && patched(PATCHES.rerunAfterShutdown);
    // Discovery and batches run in a scope of their own: the first failure cancels the others,
    // and the run ends only once all of them have stopped, so nothing is recorded after it.
    await CancellationScope.cancellable(async () => {
      // A discovery or batch run again keeps its place (discovering, in `running`) meanwhile.
      // The handlers are chained as before: a success takes as many steps as it did, so
      // commands keep their order for histories written before the reruns.
      const discoverRun = (reruns: number): Promise<void> =>
        discover.executeWithOptions({ summary: 'List the source and plan the batches' }, [input.runId]).then(
          (plan) => {
            discovering = false;
            progress.filesTotal = plan.files;
            progress.bytesTotal = plan.bytes;
            progress.filesDeferred += plan.deferred;
            progress.batchesTotal = plan.batches;
            if (plan.unlisted) progress.unlisted = plan.unlisted;
            publish('transferring');
          },
          (error: unknown) => {
            if (rerun(error, reruns)) return discoverRun(reruns + 1);
            discovering = false;
            fail(error);
          },
        );
      const batchRun = (batchNo: number, reruns: number): Promise<void> =>
        processBatch
          .executeWithOptions({ summary: `Copy, verify and catalogue batch ${batchNo}` }, [input.runId, batchNo])
          .then(add, (error: unknown) => (rerun(error, reruns) ? batchRun(batchNo, reruns + 1) : fail(error)));
      const discovery: Promise<void> = discovering ? discoverRun(0) : Promise.resolve();
      const running = new Set<Promise<void>>();
      while (discovering || nextBatch < progress.batchesTotal || running.size > 0) {
        if (failure) {
          CancellationScope.current().cancel();
          await Promise.all([...running, discovery]);
          return;
        }
        // Past the suggested history size no batch starts here: the next execution starts them,
        // once the batches in flight and discovery (an activity of this execution) have finished.
        const draining = workflowInfo().continueAsNewSuggested;
        if (draining && !discovering && running.size === 0) {
          // A cancel whose batches finished anyway (they were past the point of stopping) failed
          // nothing: honour it here, or the next execution would never hear of it.
          if (CancellationScope.current().consideredCancelled && patched(PATCHES.cancelBeforeContinueAsNew)) throw new CancelledFailure(CANCELLED);
          await continueAsNew<typeof harvest>({ ...input, resume: { nextBatch, batches: progress.batchesTotal, progress } });
        }
        while (!draining && running.size < window && nextBatch < progress.batchesTotal) {
          const batchNo = nextBatch++;
          const task: Promise<void> = batchRun(batchNo, 0).finally(() => running.delete(task));
          running.add(task);
        }
        const morePlanned = new Promise<void>((resolve) => (wake = resolve));
        await Promise.race([...running, morePlanned, ...(discovering ? [discovery] : [])]);
      }
    });
    if (failure) throw failure.error;

    const failures = [progress.filesFailed > 0 ? `${progress.filesFailed} file(s) failed verification or copy` : undefined, progress.unlisted].filter(
      (failure): failure is string => failure !== undefined,
    );
    const status = failures.length > 0 ? 'failed' : 'succeeded';
    await close({ status, error: failures.length > 0 ? failures.join('; ') : undefined });
    publish('finished');
    return { ...progress, status };
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // A cancelled run is cancelled whatever ended the activity it waited for. A batch whose worker
    // died (SIGKILL, a lost node) hears of the cancel only by a heartbeat it never sends: it ends
    // in its heartbeat timeout, which Temporal does not retry once a cancel is pending, and that
    // failure (ActivityFailure of a TimeoutFailure) is no cancellation. Patched, and asked only
    // then: histories written before closed such a run as failed, and replay so.
    // But a run that had failed for good (rejected credentials, a hook's verdict) before the
    // cancel came, while it stopped its other batches, is failed with that error: the cancel
    // only met a run already ending. Patched, and asked only then: histories written before
    // closed such a run as cancelled, and replay so.
    const failedBeforeCancel = () => failure !== undefined && err === failure.error && !failure.afterCancel && patched(PATCHES.failureBeforeCancelStaysFailed);
    const cancelled =
      isCancellation(err) || (CancellationScope.current().consideredCancelled && patched(PATCHES.cancelledWhateverEndedIt) && !failedBeforeCancel());
    const details = progressDetails(progress, cancelled ? 'cancelled' : 'failed');
    setCurrentDetails(details);
    // Record the outcome even when the run itself was cancelled.
    await CancellationScope.nonCancellable(() =>
      finishRun(input.runId, cancelled ? { status: 'cancelled', error: CANCELLED } : { status: 'failed', error: describeFailure(err) }),
    );
    // A closed run's search attributes say finished, with its last counts, as a run that
    // succeeded does: a search on SheafPhase="transferring" lists no run that ended. An upsert
    // is a command, not an activity: a cancelled workflow still sends it. Patched: histories
    // written before ended with no upsert here, and replay so.
    if (patched(PATCHES.finalSearchAttributes)) {
      publish('finished');
      setCurrentDetails(details);
    }
    // Ended as cancelled in Temporal too (its execution's status), as a cancel that found a batch running.
    if (cancelled && !isCancellation(err)) throw new CancelledFailure(CANCELLED, [], err instanceof Error ? err : undefined);
    throw err;
  }
}

/** Changes to what the workflow does, kept apart so histories written before them still replay. */
const PATCHES = {
  scheduledRunNotCancellable: 'scheduled-run-not-cancellable',
  cancelBeforeContinueAsNew: 'cancel-before-continue-as-new',
  rerunAfterShutdown: 'rerun-after-worker-shutdown',
  cancelledWhateverEndedIt: 'cancelled-whatever-ended-it',
  failureBeforeCancelStaysFailed: 'failure-before-cancel-stays-failed',
  finalSearchAttributes: 'final-search-attributes',
  closingNotCancellable: 'closing-finish-run-not-cancellable',
} as const;

/** Whether an activity's last attempt ended because its worker shut down (see WORKER_SHUTDOWN_FAILURE). */
function stoppedByShutdown(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === WORKER_SHUTDOWN_FAILURE;
}

/**
 * A cancelled run's reason, the same whether the cancel found a batch running (its cancellation
 * carries no message) or between activities.
 */
const CANCELLED = 'Workflow cancelled';

/** The activity's own message rather than Temporal's wrapper ("Activity task failed"). */
function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
