import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTemporalTestEnv, type TemporalTestEnv } from '@sheaf/test-harness';
import { batchesPlannedSignal, harvest, progressQuery, searchAttributes, WORKER_SHUTDOWN_FAILURE, type BatchResult, type DiscoverResult, type HarvestActivities } from '@sheaf/workflows';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { activitiesInHistory, captureHistory, NON_RETRYABLE } from './history';

const DONE: BatchResult = { files: 1, bytes: 1, failed: 0, skipped: 0, held: 0, deferred: 0 };
const PLAN: DiscoverResult = { listedFiles: 2, listedBytes: 2, files: 2, bytes: 2, deferred: 0, batches: 2 };

/**
 * A Temporal dev server (with `dynamicConfig`) and the bundled workflows for the describe block
 * it is called in: started before its tests, stopped after them.
 */
function workflowEnv(dynamicConfig?: Record<string, number | string | boolean>): { env: () => TemporalTestEnv; bundle: () => WorkflowBundleWithSourceMap } {
  let env: TemporalTestEnv | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    [env, bundle] = await Promise.all([
      createTemporalTestEnv(dynamicConfig),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
    ]);
  });
  afterAll(async () => {
    await env?.teardown();
  });
  return { env: () => env!, bundle: () => bundle! };
}

/** A promise resolved from outside. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * The harvest workflow against stand-in activities, for outcomes whose timing real ones cannot
 * be made to produce on demand: here discovery and two batches all end together, one batch
 * failing for good.
 */
describe('harvest workflow: failures that arrive together', () => {
  const temporal = workflowEnv();

  it('fails the run when a batch fails in the same moment as discovery and another batch end', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    // Released once discovery and both batches are running: then all three end at once.
    const bothStarted = gate();
    let batchesStarted = 0;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      async discover() {
        const { workflowExecution } = Context.current().info;
        await Context.current().client.workflow.getHandle(workflowExecution!.workflowId, workflowExecution!.runId).signal(batchesPlannedSignal, {
          batches: 2,
          files: 2,
          bytes: 2,
        });
        await bothStarted.opened;
        return PLAN;
      },
      async processBatch(_runId, batchNo) {
        if (++batchesStarted === 2) setTimeout(bothStarted.open, 200);
        await bothStarted.opened;
        if (batchNo === 1) throw ApplicationFailure.nonRetryable('destination refused the copy', 'Test');
        return DONE;
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'failures-together';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'failures-together', args: [{ runId: 'stand-in' }] });

    const result = await worker.runUntil(handle.result().then((value) => ({ value }), (error: unknown) => ({ error })));

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError' }) });
    expect(outcomes).toEqual([{ status: 'failed', error: 'destination refused the copy' }]);
    // Its search attributes say it ended (they said transferring before).
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(searchAttributes.phase)).toBe('finished');
    expect(attributes.get(searchAttributes.filesTotal)).toBe(2);
  });
});

/** Temporal suggests continuing as new past this many events; the test below passes it on purpose. */
const SUGGEST_AT = 40;

describe('harvest workflow: a cancel that fails nothing', () => {
  const temporal = workflowEnv({ 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT });

  /** Waits until `check` holds (polled: the activities run in this process). */
  async function until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(check()).toBe(true);
  }

  it('closes the run as cancelled when its batches finish anyway as the history asks to continue as new', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    const release = gate();
    let batchesStarted = 0;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => ({ ...PLAN, files: 8, bytes: 8, batches: 8 }),
      // Past the point of stopping: a batch that ends well although its run was cancelled.
      async processBatch() {
        batchesStarted++;
        await release.opened;
        return DONE;
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'cancel-while-draining';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'cancel-while-draining', args: [{ runId: 'stand-in', window: 4 }] });

    const result = await worker.runUntil(async () => {
      await until(() => batchesStarted === 4);
      // Signals the workflow ignores (discovery is over) grow its history past the suggestion, so it drains.
      for (let i = 0; i < SUGGEST_AT; i++) await handle.signal(batchesPlannedSignal, { batches: 0, files: 0, bytes: 0 });
      await handle.cancel();
      release.open();
      return handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
    });

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError' }) });
    expect(outcomes).toEqual([{ status: 'cancelled', error: 'Workflow cancelled' }]);
    // The next execution would have started the other four.
    expect(batchesStarted).toBe(4);
    // A cancelled run's search attributes say it ended, with the files it did.
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(searchAttributes.phase)).toBe('finished');
    expect(attributes.get(searchAttributes.filesDone)).toBe(4);
    expect(attributes.get(searchAttributes.bytesDone)).toBe(4);
  });

  it('closes a scheduled run as cancelled when the cancel came while its row was being made', async () => {
    const outcomes: Array<{ runId: string; status: string }> = [];
    const made = gate();
    let creating = false;
    let begun = false;
    const activities: HarvestActivities = {
      async createScheduledRun() {
        creating = true;
        await made.opened;
        return 'run-made-late';
      },
      async beginRun() {
        begun = true;
        return { acquired: true, instrumentName: 'stand-in' };
      },
      discover: async () => PLAN,
      processBatch: async () => DONE,
      async finishRun(runId, outcome) {
        outcomes.push({ runId, status: outcome.status });
      },
    };
    const taskQueue = 'cancel-while-creating';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const scheduled = { instrumentId: '00000000-0000-0000-0000-000000000001', scheduleId: '00000000-0000-0000-0000-000000000002' };
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'cancel-while-creating', args: [{ runId: 'unused', scheduled }] });

    const result = await worker.runUntil(async () => {
      await until(() => creating);
      await handle.cancel();
      // The row is made after the cancel was requested, as an activity already running would.
      setTimeout(made.open, 300);
      return handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
    });

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError' }) });
    expect(outcomes).toEqual([{ runId: 'run-made-late', status: 'cancelled' }]);
    expect(begun).toBe(false);
  });
});

/**
 * A discovery or batch whose worker shut down under it (a deployment, a scale-in) fails with
 * WORKER_SHUTDOWN_FAILURE, which Temporal retries like any failure, taking one of the 5 attempts.
 * One that ends the last attempt is no reason to fail the run: the workflow runs it again, up to
 * 10 times.
 */
describe('harvest workflow: activities stopped by their worker shutting down', () => {
  const temporal = workflowEnv();

  const shutDown = (nonRetryable = false) => ApplicationFailure.create({ type: WORKER_SHUTDOWN_FAILURE, message: 'stopped as its worker shut down', nonRetryable });

  it('runs a batch whose every attempt a shutdown stopped again, and discovery too, and the run succeeds', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    const attempts: Record<string, number[]> = { discover: [], batch0: [], batch1: [] };
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      async discover() {
        attempts.discover.push(Context.current().info.attempt);
        // Ended at once, as its retry would be: what the workflow makes of it is tested here.
        if (attempts.discover.length === 1) throw shutDown(true);
        return PLAN;
      },
      async processBatch(_runId, batchNo) {
        const { attempt, retryPolicy } = Context.current().info;
        attempts[`batch${batchNo}`].push(attempt);
        // Batch 1: every one of its first run's attempts (as Temporal retries them) stopped by a shutdown.
        if (batchNo === 1 && attempts.batch1.length <= (retryPolicy?.maximumAttempts ?? 0)) throw shutDown();
        return DONE;
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'worker-shutdown-rerun';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    // Retried 1 s after a failure, then 2, 4, 8 s (heartbeatTimeoutSeconds shortens the first wait).
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'worker-shutdown-rerun', args: [{ runId: 'stand-in', heartbeatTimeoutSeconds: 5 }] });

    const result = await worker.runUntil(handle.result());

    expect(result).toMatchObject({ status: 'succeeded', filesDone: 2, batchesDone: 2 });
    expect(outcomes).toEqual([{ status: 'succeeded' }]);
    expect(attempts).toEqual({ discover: [1, 1], batch0: [1], batch1: [1, 2, 3, 4, 5, 1] });
    const scheduled = (await activitiesInHistory(handle)).map(({ activity, ended, retryState }) => ({ activity, ended, ...(retryState && { retryState }) }));
    expect(scheduled).toEqual([
      { activity: 'beginRun', ended: 'completed' },
      { activity: 'discover', ended: 'failed', retryState: NON_RETRYABLE },
      { activity: 'discover', ended: 'completed' },
      { activity: 'processBatch', ended: 'completed' },
      { activity: 'processBatch', ended: 'failed', retryState: 'RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED' },
      { activity: 'processBatch', ended: 'completed' },
      { activity: 'finishRun', ended: 'completed' },
    ]);
    // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): the reruns, behind their patch marker.
    await captureHistory(handle, 'harvest-rerun-after-worker-shutdown');
  }, 60_000);

  it('fails the run once a batch has been run again 10 times, each stopped by a shutdown', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    let runs = 0;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => ({ ...PLAN, files: 1, bytes: 1, batches: 1 }),
      async processBatch() {
        runs++;
        throw shutDown(true);
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'worker-shutdown-bounded';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'worker-shutdown-bounded', args: [{ runId: 'stand-in' }] });

    const result = await worker.runUntil(handle.result().then((value) => ({ value }), (error: unknown) => ({ error })));

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError' }) });
    expect(outcomes).toEqual([{ status: 'failed', error: 'stopped as its worker shut down' }]);
    expect(runs).toBe(11);
  });
});

/**
 * A cancel reaches a running batch only in the answer to its heartbeat. A batch whose worker was
 * killed (SIGKILL, a lost node) never asks: it ends in its heartbeat timeout, which Temporal does
 * not retry once a cancel is pending, and the workflow sees a TimeoutFailure, not a cancellation.
 */
describe('harvest workflow: a cancel whose batch had lost its worker', () => {
  const temporal = workflowEnv();

  it('closes the run as cancelled, not failed, when its batch ends in its heartbeat timeout after the cancel', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    // The batch's worker is gone: it never heartbeats again, nor returns (until the test is over).
    const gone = gate();
    let batchStarted = false;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => ({ ...PLAN, files: 1, bytes: 1, batches: 1 }),
      async processBatch() {
        batchStarted = true;
        await gone.opened;
        return DONE;
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'cancel-after-lost-worker';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, {
      taskQueue,
      workflowId: 'cancel-after-lost-worker',
      args: [{ runId: 'stand-in', heartbeatTimeoutSeconds: 3 }],
    });

    const result = await worker.runUntil(async () => {
      for (let i = 0; i < 300 && !batchStarted; i++) await new Promise((r) => setTimeout(r, 50));
      expect(batchStarted).toBe(true);
      await handle.cancel();
      const ended = await handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
      gone.open();
      return ended;
    });

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError', cause: expect.objectContaining({ name: 'CancelledFailure' }) }) });
    expect(outcomes).toEqual([{ status: 'cancelled', error: 'Workflow cancelled' }]);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('finished');
    const scheduled = (await activitiesInHistory(handle)).map(({ activity, ended }) => ({ activity, ended }));
    expect(scheduled).toEqual([
      { activity: 'beginRun', ended: 'completed' },
      { activity: 'discover', ended: 'completed' },
      { activity: 'processBatch', ended: 'timedOut' },
      { activity: 'finishRun', ended: 'completed' },
    ]);
    // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): the cancel behind its patch marker.
    await captureHistory(handle, 'harvest-cancelled-after-heartbeat-timeout');
  }, 60_000);
});

/** Waits until the workflow has handled a cancel asked for it: a workflow task completed after the request. */
async function cancelHandled(handle: Pick<WorkflowHandle, 'fetchHistory'>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const requested = events.findIndex((e) => e.workflowExecutionCancelRequestedEventAttributes);
    if (requested >= 0 && events.slice(requested).some((e) => e.workflowTaskCompletedEventAttributes)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the workflow did not handle the cancel');
}

/**
 * A run that fails for good (rejected credentials, a hook's verdict) cancels its other batches
 * and waits for them to stop, minutes at worst. An operator who clicks Cancel meanwhile meets a
 * run already ending: it stays failed, with its error and its failure notification.
 */
describe('harvest workflow: a cancel while a failed run stops its batches', () => {
  const temporal = workflowEnv();

  it('closes the run as failed with the batch’s error, not as cancelled', async () => {
    const outcomes: Array<{ status: string; error?: string }> = [];
    // Batch 1 has heard of the cancel its run's failure sent it, and is stopping.
    let stopping = false;
    const stopped = gate();
    const batch1Running = gate();
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => PLAN,
      async processBatch(_runId, batchNo) {
        const context = Context.current();
        if (batchNo === 0) {
          await batch1Running.opened;
          throw ApplicationFailure.nonRetryable('the source refused the credentials', 'CredentialsRejected');
        }
        batch1Running.open();
        const heartbeats = setInterval(() => context.heartbeat(), 100);
        try {
          await context.cancelled;
          return DONE;
        } catch (err) {
          stopping = true;
          await stopped.opened;
          throw err;
        } finally {
          clearInterval(heartbeats);
        }
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome);
      },
    };
    const taskQueue = 'cancel-while-failing';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'cancel-while-failing', args: [{ runId: 'stand-in', heartbeatTimeoutSeconds: 2 }] });

    const result = await worker.runUntil(async () => {
      for (let i = 0; i < 300 && !stopping; i++) await new Promise((r) => setTimeout(r, 50));
      expect(stopping).toBe(true);
      await handle.cancel();
      await cancelHandled(handle);
      stopped.open();
      return handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
    });

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError', cause: expect.objectContaining({ name: 'ActivityFailure' }) }) });
    expect(outcomes).toEqual([{ status: 'failed', error: 'the source refused the credentials' }]);
    const description = await handle.describe();
    expect(description.status.name).toBe('FAILED');
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('finished');
    expect((await activitiesInHistory(handle)).map(({ activity, ended }) => ({ activity, ended }))).toEqual([
      { activity: 'beginRun', ended: 'completed' },
      { activity: 'discover', ended: 'completed' },
      { activity: 'processBatch', ended: 'failed' },
      { activity: 'processBatch', ended: 'canceled' },
      { activity: 'finishRun', ended: 'completed' },
    ]);
    await captureHistory(handle, 'harvest-failed-then-cancelled');
  }, 60_000);
});

/**
 * The closing finishRun of a run that nothing failed (succeeded, or skipped) runs to its end: a
 * cancel that arrives meanwhile finds a run that has ended, and does not start a second finishRun,
 * recording the run cancelled, while the first still runs.
 */
describe('harvest workflow: a cancel while the run is being closed', () => {
  const temporal = workflowEnv();

  it.each([
    { ending: 'succeeded', acquired: true },
    { ending: 'skipped', acquired: false },
  ])('records the run $ending once, and no cancelled finishRun races it', async ({ ending, acquired }) => {
    const outcomes: string[] = [];
    const closed = gate();
    let closing = false;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => (acquired ? { acquired: true, instrumentName: 'stand-in' } : { acquired: false, instrumentName: 'stand-in', holderRunId: 'another-run' }),
      discover: async () => PLAN,
      processBatch: async () => DONE,
      async finishRun(_runId, outcome) {
        outcomes.push(`${outcome.status} started`);
        if (outcome.status === ending) {
          closing = true;
          await closed.opened;
        }
        outcomes.push(`${outcome.status} recorded`);
      },
    };
    const taskQueue = `cancel-while-closing-${ending}`;
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: taskQueue, args: [{ runId: 'stand-in' }] });

    const result = await worker.runUntil(async () => {
      for (let i = 0; i < 300 && !closing; i++) await new Promise((r) => setTimeout(r, 50));
      expect(closing).toBe(true);
      await handle.cancel();
      await cancelHandled(handle);
      closed.open();
      return handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
    });

    expect(outcomes).toEqual([`${ending} started`, `${ending} recorded`]);
    expect(result).toEqual({ value: expect.objectContaining({ status: ending }) });
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('finished');
  }, 60_000);

  it('closes a run cancelled while its last batches finished anyway as cancelled, not succeeded', async () => {
    const outcomes: string[] = [];
    const batchesHeld = gate();
    let batches = 0;
    const activities: HarvestActivities = {
      createScheduledRun: async () => 'unused',
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => PLAN,
      // Never heartbeats, so it does not hear of the cancel and finishes its work.
      async processBatch() {
        batches++;
        await batchesHeld.opened;
        return DONE;
      },
      async finishRun(_runId, outcome) {
        outcomes.push(outcome.status);
      },
    };
    const taskQueue = 'cancel-before-closing';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: taskQueue, args: [{ runId: 'stand-in' }] });

    const result = await worker.runUntil(async () => {
      for (let i = 0; i < 300 && batches < PLAN.batches; i++) await new Promise((r) => setTimeout(r, 50));
      expect(batches).toBe(PLAN.batches);
      await handle.cancel();
      await cancelHandled(handle);
      batchesHeld.open();
      return handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
    });

    expect(outcomes).toEqual(['cancelled']);
    expect(result).toEqual({ error: expect.anything() });
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  }, 60_000);
});

describe('harvest workflow: a scheduled run', () => {
  const temporal = workflowEnv();

  it('answers the progress query while its run row is being made, then harvests', async () => {
    const made = gate();
    let creating = false;
    const activities: HarvestActivities = {
      async createScheduledRun() {
        creating = true;
        await made.opened;
        return 'scheduled-run';
      },
      beginRun: async () => ({ acquired: true, instrumentName: 'stand-in' }),
      discover: async () => PLAN,
      processBatch: async () => DONE,
      finishRun: async () => {},
    };
    const taskQueue = 'scheduled-run';
    const worker = await Worker.create({ connection: temporal.env().nativeConnection, taskQueue, workflowBundle: temporal.bundle(), activities });
    const scheduled = { instrumentId: '00000000-0000-0000-0000-000000000001', scheduleId: '00000000-0000-0000-0000-000000000002' };
    const handle = await temporal.env().client.workflow.start(harvest, { taskQueue, workflowId: 'scheduled-run', args: [{ runId: 'unused', scheduled }] });

    const { early, result } = await worker.runUntil(async () => {
      for (let i = 0; i < 300 && !creating; i++) await new Promise((r) => setTimeout(r, 50));
      expect(creating).toBe(true);
      const early = await handle.query(progressQuery).then((value) => ({ value }), (error: unknown) => ({ error }));
      made.open();
      return { early, result: await handle.result() };
    });

    expect(early).toEqual({ value: expect.objectContaining({ phase: 'queued', batchesDone: 0 }) });
    expect(result).toMatchObject({ status: 'succeeded', filesDone: 2, batchesDone: 2 });
    // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): a scheduled run, its row made in its own scope.
    await captureHistory(handle, 'harvest-scheduled-run');
  });
});
