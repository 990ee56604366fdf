import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { FileVersionEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, ScheduleEntity, StorageLocationEntity } from '@sheaf/db';
import { closeRun, startHarvest } from '@sheaf/harvests';
import { createTemporalTestEnv, createTestDatabase, makeTempDir, type TempDir, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { harvest, type HarvestInput, type HarvestResult } from '@sheaf/workflows';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';

const OLD = new Date('2026-01-01T00:00:00Z');

/**
 * A run whose outcome is recorded stays as it is, whatever its workflow does afterwards: an
 * operator resetting the workflow in the Temporal UI, or a workflow still running for a run the
 * reconciler (or an operator) closed. Real Temporal dev server, PostgreSQL and rclone.
 */
describe('a harvest run that has ended', () => {
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [env, bundle, db, dir] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      createTestDatabase(),
      makeTempDir(),
    ]);
  });

  afterAll(async () => {
    await env?.teardown();
    await db?.drop();
    await dir?.cleanup();
  });

  /** An instrument with two old files at its local source and one POSIX destination. */
  async function instrument() {
    const name = `ended-${randomUUID().slice(0, 8)}`;
    const source = join(dir.path, name, 'source');
    const storage = join(dir.path, name, 'storage');
    await mkdir(source, { recursive: true });
    for (const file of ['a.txt', 'b.txt']) {
      await writeFile(join(source, file), `${file} of ${name}`);
      await utimes(join(source, file), OLD, OLD);
    }
    const row = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 60 });
    const location = await db.dataSource.getRepository(StorageLocationEntity).save({ name, type: 'posix', config: { path: storage } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: row.id, storageLocationId: location.id });
    return { row, storage };
  }

  async function startWorker() {
    const taskQueue = `ended-${randomUUID()}`;
    const worker = await createHarvestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue,
      workflowBundle: bundle,
      activities: {
        dataSource: db.dataSource,
        rcloneBinary: requireTool('rclone', process.env),
        ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
        batch: { maxFiles: 1000, maxBytes: 1024 ** 3 },
        transfers: 2,
      },
    });
    return { worker, taskQueue };
  }

  /** Resets the workflow's current execution to its first workflow task, as the Temporal UI's "Reset" does; the new execution's run id. */
  async function resetToFirstTask(workflowId: string): Promise<string> {
    const handle = env.client.workflow.getHandle(workflowId);
    const { events } = await handle.fetchHistory();
    const firstTask = events?.find((event) => event.workflowTaskCompletedEventAttributes);
    if (!firstTask?.eventId) throw new Error('the workflow has no completed workflow task to reset to');
    const { runId } = await env.client.workflowService.resetWorkflowExecution({
      namespace: env.namespace,
      workflowExecution: { workflowId, runId: (await handle.describe()).runId },
      reason: 'test: an operator resets the run',
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: randomUUID(),
    });
    return runId;
  }

  it('harvests nothing for a run closed before its workflow got going, and keeps the recorded outcome', async () => {
    const { row, storage } = await instrument();
    const { worker, taskQueue } = await startWorker();
    // No worker yet: the run is closed (as the reconciler or an operator would) before its workflow runs.
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: row.id, trigger: 'api' });
    expect(await closeRun(db.dataSource, started.runId, { status: 'failed', error: 'closed by an operator' })).toBe(true);

    await worker.runUntil(async () => {
      const result: HarvestResult = await env.client.workflow.getHandle(started.workflowId).result();
      expect(result.status).toBe('skipped');
      expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId })).toMatchObject({ status: 'failed', error: 'closed by an operator', filesDone: '0' });
      expect(await db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: row.id })).toBe(0);
      expect(await readdir(storage).catch(() => [])).toEqual([]);
      // Nor does it hold the instrument: the next harvest takes the files.
      const next = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: row.id, trigger: 'api' });
      expect((await env.client.workflow.getHandle(next.workflowId).result()).status).toBe('succeeded');
    });
    expect(await db.dataSource.getRepository(FileVersionEntity).countBy({ instrumentId: row.id, status: 'verified' })).toBe(2);
  });

  it('a scheduled run reset in the Temporal UI finds the run it made, and records no second one', async () => {
    const { row } = await instrument();
    const { worker, taskQueue } = await startWorker();
    const schedule = await db.dataSource.getRepository(ScheduleEntity).save({ instrumentId: row.id, cron: '0 * * * *' });
    const workflowId = `harvest-${row.name}-schedule-${schedule.id}-2026-12-07T00:00:00Z`;
    const args: [HarvestInput] = [{ runId: '00000000-0000-0000-0000-000000000000', scheduled: { instrumentId: row.id, scheduleId: schedule.id } }];

    const results = await worker.runUntil(async () => {
      const first = await env.client.workflow.execute(harvest, { taskQueue, workflowId, args });
      const resetRunId = await resetToFirstTask(workflowId);
      return { first, afterReset: await env.client.workflow.getHandle(workflowId, resetRunId).result() };
    });

    expect(results.first.status).toBe('succeeded');
    // The reset execution found the run its chain made (ended), and started nothing under it.
    expect(results.afterReset.status).toBe('skipped');
    const runs = await db.dataSource.getRepository(HarvestRunEntity).findBy({ workflowId });
    expect(runs.map((run) => ({ status: run.status, filesDone: run.filesDone }))).toEqual([{ status: 'succeeded', filesDone: '2' }]);
  });
});
