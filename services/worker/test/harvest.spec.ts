import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { createTemporalTestEnv, createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { progressQuery, searchAttributes } from '@sheaf/workflows';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';

/** Every file under `root`, relative path → content. */
async function readTree(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out.set(relative(root, full), await readFile(full));
  }
  return out;
}

describe('harvest workflow on a real Temporal dev server, PostgreSQL and rclone', () => {
  let env: TestWorkflowEnvironment;
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

  async function instrumentWith(source: Record<string, unknown>, sourceType: InstrumentEntity['sourceType'] = 'local') {
    const name = `inst-${randomUUID().slice(0, 8)}`;
    const storage = await db.dataSource
      .getRepository(StorageLocationEntity)
      .save({ name: `store-${name}`, type: 'posix', config: { path: join(dir.path, 'storage') } });
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType, sourceConfig: source });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    return instrument;
  }

  async function runHarvest(instrumentId: string) {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createHarvestWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      dataSource: db.dataSource,
      rcloneBinary: requireTool('rclone', process.env),
      workflowBundle: bundle,
    });
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId, trigger: 'api' });
    const handle = env.client.workflow.getHandle(started.workflowId);
    // Queries need a worker, so ask while it still runs.
    const { outcome, progress } = await worker.runUntil(async () => {
      const outcome = await handle.result().then((value) => ({ value }), (error: unknown) => ({ error }));
      return { outcome, progress: await handle.query(progressQuery) };
    });
    const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    return { started, handle, outcome, progress, run };
  }

  it('copies a nested tree with awkward names byte-identical and records the run', async () => {
    const source = join(dir.path, 'source');
    const files: Record<string, Buffer> = {
      'plain.txt': Buffer.from('hello'),
      'empty.dat': Buffer.alloc(0),
      'with space/and ünïcode ✓.csv': Buffer.from('a,b\n1,2\n'),
      'deep/a/b/c/d/e/f/g/leaf.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)),
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(source, path, '..'), { recursive: true });
      await writeFile(join(source, path), content);
      await utimes(join(source, path), new Date('2026-01-01'), new Date('2026-01-01'));
    }
    const instrument = await instrumentWith({ path: source });

    const { started, handle, outcome, progress, run } = await runHarvest(instrument.id);

    const bytes = Object.values(files).reduce((sum, b) => sum + b.length, 0);
    expect(outcome).toEqual({
      value: { status: 'succeeded', phase: 'finished', filesTotal: 4, bytesTotal: bytes, filesDone: 4, bytesDone: bytes, filesFailed: 0 },
    });
    const landed = await readTree(join(dir.path, 'storage', instrument.name));
    expect([...landed.keys()].sort()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) expect(landed.get(path)?.equals(content)).toBe(true);
    // rclone keeps modification times, which later runs rely on to recognise unchanged files.
    expect((await stat(join(dir.path, 'storage', instrument.name, 'plain.txt'))).mtime.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    expect(run).toMatchObject({
      status: 'succeeded',
      phase: 'finished',
      filesDiscovered: '4',
      bytesDiscovered: String(bytes),
      filesDone: '4',
      workflowId: started.workflowId,
      error: null,
    });
    expect(run.startedAt).toBeInstanceOf(Date);
    expect(run.finishedAt).toBeInstanceOf(Date);

    // Operators find and follow the run in the Temporal UI through these.
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(searchAttributes.instrument)).toBe(instrument.name);
    expect(description.typedSearchAttributes.get(searchAttributes.runId)).toBe(started.runId);
    expect(description.typedSearchAttributes.get(searchAttributes.phase)).toBe('finished');
    expect(await description.memo).toEqual({ instrument: instrument.name, runId: started.runId, trigger: 'api' });
    expect(progress).toMatchObject({ phase: 'finished', filesDone: 4 });
  });

  it('fails a run whose source is missing with a clear error on the run row', async () => {
    const instrument = await instrumentWith({ path: join(dir.path, 'no-such-folder') });
    const { outcome, run } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/directory not found|no such file/i);
  });

  it('refuses a source type the worker cannot read yet without retrying', async () => {
    const instrument = await instrumentWith({ host: 'smb.example', share: 'data' }, 'smb');
    const { outcome, run } = await runHarvest(instrument.id);
    expect(outcome).toEqual({ error: expect.anything() });
    expect(run).toMatchObject({ status: 'failed', phase: 'finished' });
    expect(run.error).toContain('only local sources are supported so far');
  });
});
