import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { SecretBox } from '@sheaf/crypto';
import { HarvestRunEntity, HookEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { createTemporalTestEnv, createTestDatabase, makeTempDir, type TempDir, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';

const OLD = new Date('2026-01-01T00:00:00Z');

/**
 * A webhook's header values are sealed apart from its config (which shows them as ***): the worker
 * sends the real values, those of a hook stored before they were sealed as they are, and holds the
 * files of a hook whose values do not open, as it does when its signing key does not open. Real
 * Temporal dev server, PostgreSQL and rclone.
 */
describe("a webhook's sealed header values", () => {
  let env: TemporalTestEnv;
  let bundle: WorkflowBundleWithSourceMap;
  let db: TestDatabase;
  let dir: TempDir;
  let receiver: Server;
  /** The headers of every call the receiver got. */
  const calls: IncomingHttpHeaders[] = [];
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));

  beforeAll(async () => {
    [env, bundle, db, dir] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      createTestDatabase(),
      makeTempDir(),
    ]);
    receiver = createServer((req, res) => {
      calls.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver?.close(resolve));
    await env?.teardown();
    await db?.drop();
    await dir?.cleanup();
  });

  beforeEach(() => {
    calls.length = 0;
  });

  /** An instrument with two old files at its local source, one POSIX destination, and a webhook pre-hook stored as given. */
  async function instrumentWithWebhook(hook: Pick<HookEntity, 'config'> & Partial<Pick<HookEntity, 'headersSealed'>>) {
    const name = `headers-${randomUUID().slice(0, 8)}`;
    const source = join(dir.path, name, 'source');
    const storage = join(dir.path, name, 'storage');
    await mkdir(source, { recursive: true });
    for (const file of ['a.txt', 'b.txt']) {
      await writeFile(join(source, file), `${file} of ${name}`);
      await utimes(join(source, file), OLD, OLD);
    }
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 60 });
    const location = await db.dataSource.getRepository(StorageLocationEntity).save({ name, type: 'posix', config: { path: storage } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: location.id });
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/gate`;
    const saved = await db.dataSource.getRepository(HookEntity).save({
      name: `${name}-gate`,
      phase: 'pre',
      kind: 'webhook',
      config: { url, ...hook.config },
      secretSealed: box.seal('signing-key'),
      headersSealed: hook.headersSealed ?? null,
      instrumentId: instrument.id,
      priority: 10,
      enabled: true,
    });
    return { instrument, hookId: saved.id, landed: () => readdir(join(storage, name)).catch(() => [] as string[]) };
  }

  async function runHarvest(instrumentId: string) {
    const taskQueue = `headers-${randomUUID()}`;
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
        secretBox: box,
      },
    });
    const started = await startHarvest({ dataSource: db.dataSource, client: env.client, taskQueue, instrumentId, trigger: 'api' });
    await worker.runUntil(env.client.workflow.getHandle(started.workflowId).result());
    const run = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: started.runId });
    const items = (await db.dataSource.query(
      `SELECT f.path, i.outcome, i.reason FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id WHERE i.run_id = $1 ORDER BY f.path`,
      [run.id],
    )) as Array<{ path: string; outcome: string | null; reason: string | null }>;
    return { run, items };
  }

  it('sends the values sealed apart in place of the *** the config holds', async () => {
    const { instrument, landed } = await instrumentWithWebhook({
      config: { headers: { Authorization: '***', 'X-Lab': '***' } },
      headersSealed: box.seal(JSON.stringify({ Authorization: 'Bearer sealed-token', 'X-Lab': 'cryo' })),
    });
    const { run } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '2' });
    expect(calls).toEqual([expect.objectContaining({ authorization: 'Bearer sealed-token', 'x-lab': 'cryo' })]);
    expect((await landed()).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('sends the values of a hook stored before they were sealed as its config holds them', async () => {
    const { instrument, landed } = await instrumentWithWebhook({ config: { headers: { Authorization: 'Bearer plain-token' } } });
    const { run } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '2' });
    expect(calls).toEqual([expect.objectContaining({ authorization: 'Bearer plain-token' })]);
    expect((await landed()).sort()).toEqual(['a.txt', 'b.txt']);
  });

  it('holds the files, saying why, when the values do not open (another key sealed them): no call, and the run ends', async () => {
    const { instrument, hookId, landed } = await instrumentWithWebhook({
      config: { headers: { Authorization: '***' } },
      headersSealed: SecretBox.fromBase64(randomBytes(32).toString('base64')).seal(JSON.stringify({ Authorization: 'Bearer lost-token' })),
    });
    const { run, items } = await runHarvest(instrument.id);
    expect(run).toMatchObject({ status: 'succeeded', filesDone: '0', filesHeld: '2' });
    expect(calls).toEqual([]);
    expect(await landed()).toEqual([]);
    const reason = `webhook hook ${hookId} failed: its header values could not be opened: a sealed secret could not be opened: wrong encryption key, or the value was altered`;
    expect(items).toEqual([
      { path: 'a.txt', outcome: 'held', reason },
      { path: 'b.txt', outcome: 'held', reason },
    ]);
  });
});
