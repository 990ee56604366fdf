import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createTemporalTestEnv, type TemporalTestEnv } from '@sheaf/test-harness';
import { batchesPlannedSignal, harvest, type BatchResult, type DiscoverResult, type HarvestActivities } from '@sheaf/workflows';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';

const DONE: BatchResult = { files: 1, bytes: 1, failed: 0, skipped: 0, held: 0, deferred: 0 };
const PLAN: DiscoverResult = { listedFiles: 2, listedBytes: 2, files: 2, bytes: 2, deferred: 0, batches: 2 };

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
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
    ]);
  });

  afterAll(async () => {
    await env?.teardown();
  });

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
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const handle = await env.client.workflow.start(harvest, { taskQueue, workflowId: 'failures-together', args: [{ runId: 'stand-in' }] });

    const result = await worker.runUntil(handle.result().then((value) => ({ value }), (error: unknown) => ({ error })));

    expect(result).toEqual({ error: expect.objectContaining({ name: 'WorkflowFailedError' }) });
    expect(outcomes).toEqual([{ status: 'failed', error: 'destination refused the copy' }]);
  });
});

/** Temporal suggests continuing as new past this many events; the test below passes it on purpose. */
const SUGGEST_AT = 40;

describe('harvest workflow: a cancel that fails nothing', () => {
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    [env, bundle] = await Promise.all([
      createTemporalTestEnv({ 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT }),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
    ]);
  });

  afterAll(async () => {
    await env?.teardown();
  });

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
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const handle = await env.client.workflow.start(harvest, { taskQueue, workflowId: 'cancel-while-draining', args: [{ runId: 'stand-in', window: 4 }] });

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
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
    const scheduled = { instrumentId: '00000000-0000-0000-0000-000000000001', scheduleId: '00000000-0000-0000-0000-000000000002' };
    const handle = await env.client.workflow.start(harvest, { taskQueue, workflowId: 'cancel-while-creating', args: [{ runId: 'unused', scheduled }] });

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
