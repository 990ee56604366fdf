import { bundleWorkflowCode, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintArk } from '@sheaf/ark';
import type { SecretBox } from '@sheaf/crypto';
import { InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { createTemporalTestEnv, createTestDatabase, makeTempDir, type TempDir, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { WORKFLOWS_ENTRY } from '../src/bundle-paths';
import { createHarvestWorker } from '../src/worker';

/** What a spec file of real parts shares: a Temporal dev server, the workflow bundle, a database and a folder. */
export interface RealSuite {
  env: TemporalTestEnv;
  bundle: WorkflowBundleWithSourceMap;
  db: TestDatabase;
  dir: TempDir;
}

/** Sets the suite up before the file's tests and tears it down after them; its fields are there from `beforeAll` on. */
export function realHarvestSuite(): RealSuite {
  const suite = {} as RealSuite;
  beforeAll(async () => {
    [suite.env, suite.bundle, suite.db, suite.dir] = await Promise.all([
      createTemporalTestEnv(),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_ENTRY, logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } }),
      createTestDatabase(),
      makeTempDir(),
    ]);
  });
  afterAll(async () => {
    await suite.env?.teardown();
    await suite.db?.drop();
    await suite.dir?.cleanup();
  });
  return suite;
}

const OLD = new Date('2026-01-01T00:00:00Z');

/** An instrument (named `<prefix>-<random>`) with two old files at its local source and one POSIX destination. */
export async function twoFileInstrument(suite: RealSuite, prefix: string) {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const source = join(suite.dir.path, name, 'source');
  const storage = join(suite.dir.path, name, 'storage');
  await mkdir(source, { recursive: true });
  for (const file of ['a.txt', 'b.txt']) {
    await writeFile(join(source, file), `${file} of ${name}`);
    await utimes(join(source, file), OLD, OLD);
  }
  const instrument = await suite.db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 60 });
  const location = await suite.db.dataSource.getRepository(StorageLocationEntity).save({ name, type: 'posix', config: { path: storage } });
  await suite.db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: location.id });
  return { instrument, source, storage };
}

/** A harvest worker on a task queue of its own, with the suite's database and real rclone. */
export async function testWorker(suite: RealSuite, options: { secretBox?: SecretBox } = {}): Promise<{ worker: Worker; taskQueue: string }> {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await createHarvestWorker({
    connection: suite.env.nativeConnection,
    namespace: suite.env.namespace,
    taskQueue,
    workflowBundle: suite.bundle,
    activities: {
      dataSource: suite.db.dataSource,
      rcloneBinary: requireTool('rclone', process.env),
      ark: { mint: () => mintArk({ naan: '99999', shoulder: 'fk4' }) },
      batch: { maxFiles: 1000, maxBytes: 1024 ** 3 },
      transfers: 2,
      secretBox: options.secretBox,
    },
  });
  return { worker, taskQueue };
}
