import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { FileVersionEntity, HarvestRunEntity, ScheduleEntity } from '@sheaf/db';
import { closeRun, startHarvest } from '@sheaf/harvests';
import { harvest, type HarvestInput, type HarvestResult } from '@sheaf/workflows';
import { realHarvestSuite, testWorker, twoFileInstrument } from './real-suite';

/**
 * A run whose outcome is recorded stays as it is, whatever its workflow does afterwards: an
 * operator resetting the workflow in the Temporal UI, or a workflow still running for a run the
 * reconciler (or an operator) closed. Real Temporal dev server, PostgreSQL and rclone.
 */
describe('a harvest run that has ended', () => {
  const suite = realHarvestSuite();

  /** Resets the workflow's current execution to its first workflow task, as the Temporal UI's "Reset" does; the new execution's run id. */
  async function resetToFirstTask(workflowId: string): Promise<string> {
    const handle = suite.env.client.workflow.getHandle(workflowId);
    const { events } = await handle.fetchHistory();
    const firstTask = events?.find((event) => event.workflowTaskCompletedEventAttributes);
    if (!firstTask?.eventId) throw new Error('the workflow has no completed workflow task to reset to');
    const { runId } = await suite.env.client.workflowService.resetWorkflowExecution({
      namespace: suite.env.namespace,
      workflowExecution: { workflowId, runId: (await handle.describe()).runId },
      reason: 'test: an operator resets the run',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
    });
    return runId;
  }

  it('harvests nothing for a run closed before its workflow got going, and keeps the recorded outcome', async () => {
    const { instrument: row, storage } = await twoFileInstrument(suite, 'ended');
    const { worker, taskQueue } = await testWorker(suite);
    // No worker yet: the run is closed (as the reconciler or an operator would) before its workflow runs.
    const started = await startHarvest({ dataSource: suite.db.dataSource, client: suite.env.client, taskQueue, instrumentId: row.id, trigger: 'api' });
    expect(await closeRun(suite.db.dataSource, started.runId, { status: 'failed', error: 'closed by an operator' })).toBe(true);

    await worker.runUntil(async () => {
      const result: HarvestResult = await suite.env.client.workflow.getHandle(started.workflowId).result();
      expect(result.status).toBe('skipped');
      expect(await suite.db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId })).toMatchObject({ status: 'failed', error: 'closed by an operator', filesDone: '0' });
      expect(await suite.db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: row.id })).toBe(0);
      expect(await readdir(storage).catch(() => [])).toEqual([]);
      // Nor does it hold the instrument: the next harvest takes the files.
      const next = await startHarvest({ dataSource: suite.db.dataSource, client: suite.env.client, taskQueue, instrumentId: row.id, trigger: 'api' });
      expect((await suite.env.client.workflow.getHandle(next.workflowId).result()).status).toBe('succeeded');
    });
    expect(await suite.db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: row.id, status: 'verified' })).toBe(2);
  });

  it('a scheduled run reset in the Temporal UI finds the run it made, and records no second one', async () => {
    const { instrument: row } = await twoFileInstrument(suite, 'ended');
    const { worker, taskQueue } = await testWorker(suite);
    const schedule = await suite.db.dataSource.getRepository(ScheduleEntity).save({ instrumentId: row.id, cron: '0 * * * *' });
    const workflowId = `harvest-${row.name}-schedule-${schedule.id}-2026-12-07T00:00:00Z`;
    const args: [HarvestInput] = [{ runId: '00000000-0000-0000-0000-000000000000', scheduled: { instrumentId: row.id, scheduleId: schedule.id } }];

    const results = await worker.runUntil(async () => {
      const first = await suite.env.client.workflow.execute(harvest, { taskQueue, workflowId, args });
      const resetRunId = await resetToFirstTask(workflowId);
      return { first, afterReset: await suite.env.client.workflow.getHandle(workflowId, resetRunId).result() };
    });

    expect(results.first.status).toBe('succeeded');
    // The reset execution found the run its chain made (ended), and started nothing under it.
    expect(results.afterReset.status).toBe('skipped');
    const runs = await suite.db.dataSource.getRepository(HarvestRunEntity).findBy({ workflowId });
    expect(runs.map((run) => ({ status: run.status, filesDone: run.filesDone }))).toEqual([{ status: 'succeeded', filesDone: '2' }]);
  });
});
