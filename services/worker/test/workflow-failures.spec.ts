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
