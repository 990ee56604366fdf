import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { ArkEntity, HarvestBatchEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { createTemporalTestEnv, createTestDatabase, makeTempDir, type TempDir, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';
import { captureHistory } from './history';

/** Temporal suggests continuing as new past this many events (its default is 4,096). */
const SUGGEST_AT = 40;
/**
 * Past the suggestion no batch starts, but the window's batches in flight (and discovery) still
 * finish: four batches at about five events each, the closing events and some slack.
 */
const MAX_EVENTS = SUGGEST_AT + 35;
const FILES = 30;

/**
 * A run far longer than one execution's suggested history: on a dev server that suggests
 * continuing as new after 40 events, 30 one-file batches (planned in three pieces while the
 * first batches run) take several executions.
 */
describe('a long harvest continues as new', () => {
  let env: TemporalTestEnv;
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [env, db, dir] = await Promise.all([
      createTemporalTestEnv({ 'limit.historyCount.suggestContinueAsNew': SUGGEST_AT }),
      createTestDatabase(),
      makeTempDir(),
    ]);
  });

  afterAll(async () => {
    await env?.teardown();
    await db?.drop();
    await dir?.cleanup();
  });

  it('over several executions with bounded histories, each batch once, every file landed with one ARK', async () => {
    const source = join(dir.path, 'source');
    const storage = join(dir.path, 'storage');
    await mkdir(source, { recursive: true });
    const old = new Date('2026-01-01T00:00:00Z');
    for (let i = 0; i < FILES; i++) {
      const file = join(source, `${String(i).padStart(2, '0')}.dat`);
      await writeFile(file, `file ${i}`);
      await utimes(file, old, old);
    }
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name: 'long-run', sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 60 });
    const location = await db.dataSource.getRepository(StorageLocationEntity).save({ name: 'long-run-storage', type: 'posix', config: { path: storage } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: location.id });

    const taskQueue = 'continue-as-new';
    const worker = await createHarvestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      activities: {
        dataSource: db.dataSource,
        rcloneBinary: requireTool('rclone', process.env),
        ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
        batch: { maxFiles: 1, maxBytes: 1024 ** 3 },
        transfers: 2,
      },
    });
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId: instrument.id, trigger: 'api' });
    const result = await worker.runUntil(env.client.workflow.getHandle(started.workflowId).result());

    expect(result).toMatchObject({ status: 'succeeded', filesTotal: FILES, filesDone: FILES, batchesTotal: FILES, batchesDone: FILES });
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId })).toMatchObject({
      status: 'succeeded',
      filesDone: String(FILES),
      batchesDone: FILES,
    });
    const batches = await db.dataSource.getRepository(HarvestBatchEntity).findBy({ runId: started.runId });
    expect(batches.map((b) => [b.status, b.attempts])).toEqual(Array.from({ length: FILES }, () => ['done', 1]));
    const landed = await readdir(join(storage, instrument.name));
    expect(landed.sort()).toEqual((await readdir(source)).sort());
    for (const name of landed) expect(await readFile(join(storage, instrument.name, name), 'utf8')).toBe(await readFile(join(source, name), 'utf8'));
    expect(await db.dataSource.getRepository(ArkEntity).count()).toBe(FILES);

    // Follow the chain of executions from the first one.
    const lengths: number[] = [];
    for (let runId: string | undefined = started.temporalRunId; runId; ) {
      const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await env.client.workflow.getHandle(started.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      lengths.push(events.length);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    expect(lengths.length).toBeGreaterThan(1);
    for (const length of lengths) expect(length).toBeLessThanOrEqual(MAX_EVENTS);
    // Saved for replay.spec.ts (CAPTURE_HISTORIES=1): the first execution, which continues as new,
    // and the last, which resumes and closes the run.
    await captureHistory(env.client.workflow.getHandle(started.workflowId, started.temporalRunId), 'harvest-continued-as-new');
    await captureHistory(env.client.workflow.getHandle(started.workflowId), 'harvest-resumed-after-continue-as-new');
  });
});
