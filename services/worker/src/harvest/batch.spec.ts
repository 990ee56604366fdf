import { ApplicationFailure } from '@temporalio/common';
import { chmod, mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { ArkEntity, FileDeliveryEntity, FileVersionEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { closeRun } from '@sheaf/harvests';
import { Rclone } from '@sheaf/rclone';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { In, type DataSource } from 'typeorm';
import { lineBreakHold, processBatch, type BatchJob } from './batch';
import { HarvestCatalogue } from './catalogue';
import { setNetworkCallLimitForTests } from './hash';

const MTIME = new Date('2025-03-01T10:00:00Z');

/**
 * Batch 0 of a run whose catalogue lists `listed` (as a listing would stage them), of an instrument
 * whose local source holds `files`, into one POSIX storage location: the catalogue, and the job
 * processBatch is given with real rclone (`process` runs it).
 */
async function oneBatch(db: DataSource, dir: string, name: string, files: Record<string, string>, listed: readonly string[] = Object.keys(files)) {
  const sourceDir = join(dir, name, 'source');
  const storageDir = join(dir, name, 'storage');
  await mkdir(sourceDir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await writeFile(join(sourceDir, path), content);
    await utimes(join(sourceDir, path), MTIME, MTIME);
  }
  const instrument = await db.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: sourceDir }, minAgeSeconds: 0 });
  const storage = await db.getRepository(StorageLocationEntity).save({ name: `${name}-storage`, type: 'posix', config: { path: storageDir } });
  await db.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
  const run = await db.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
  const catalogue = new HarvestCatalogue(db);
  const listing = await catalogue.openListing(run.id);
  try {
    await listing.stage(listed.map((Path) => ({ Path, Size: Buffer.byteLength(files[Path] ?? ''), ModTime: MTIME.toISOString(), IsDir: false })));
    await listing.plan(instrument.id, 0, { maxFiles: 100, maxBytes: 1024 ** 2 });
  } finally {
    await listing.close();
  }
  expect(await catalogue.startBatch(run.id, 0, 'batch.spec')).toBe('started');
  const job: BatchJob = {
    runId: run.id,
    batchNo: 0,
    instrument: { id: instrument.id, name },
    source: { root: sourceDir, localRoot: sourceDir, remotes: [], label: `the source of instrument ${name}` },
    destinations: [
      { root: storageDir, localRoot: storageDir, remotes: [], label: `storage location ${storage.name}`, storageLocationId: storage.id, pathTemplate: '{instrument}/{path}', ignoresCase: false },
    ],
    hooks: [],
    webhookSecret: () => undefined,
    transfers: 2,
    mintArk: () => mintArk({ naan: '99999', shoulder: 'fk4' }),
    signal: new AbortController().signal,
    shutdown: new AbortController().signal,
    lastAttempt: () => false,
    runCancelled: () => false,
    heartbeat: () => undefined,
    verdictsRecorded: () => undefined,
  };
  const versions = async () =>
    (await db.getRepository(FileVersionEntity).findBy({ instrumentId: instrument.id }))
      .map(({ path, status, reason }) => ({ path, status, reason }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
  /** The files at the storage location, relative to it. */
  const landed = async () =>
    (await readdir(storageDir, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((e) => e.isFile())
      .map((e) => relative(storageDir, join(e.parentPath, e.name)))
      .sort();
  return {
    instrument,
    storage,
    storageDir,
    run,
    catalogue,
    job,
    versions,
    landed,
    process: (overrides: Partial<BatchJob> = {}) => processBatch(catalogue, new Rclone(requireTool('rclone', process.env)), { ...job, ...overrides }),
  };
}

describe('a batch holding a path that rclone, given paths one a line, cannot be given', () => {
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
  });

  afterAll(async () => {
    await db?.drop();
    await dir?.cleanup();
  });

  async function processOneBatch(name: string, files: Record<string, string>, listed: readonly string[]) {
    const batch = await oneBatch(db.dataSource, dir.path, name, files, listed);
    await batch.process();
    const landed = (await readdir(join(batch.storageDir, name))).sort();
    return { versions: await batch.versions(), landed };
  }

  it('holds a file whose path holds a line break, saying why, and copies and verifies the others of the batch', async () => {
    // Two files rclone can copy together (one copy --files-from-raw), and a path no listing gives
    // (rclone spells a line break as ␊), which rclone's list would read as "bad" and "name.raw".
    const { versions, landed } = await processOneBatch('line-break', { 'a.raw': 'one', 'b.raw': 'two' }, ['a.raw', 'bad\nname.raw', 'b.raw']);

    expect(versions).toEqual([
      { path: 'a.raw', status: 'verified', reason: null },
      { path: 'b.raw', status: 'verified', reason: null },
      {
        path: 'bad\nname.raw',
        status: 'held',
        reason: 'its path "bad\\nname.raw" holds a line break, which rclone, given paths one a line, would read as two paths; it was not copied',
      },
    ]);
    expect(landed).toEqual(['a.raw', 'b.raw']);
  });

  it('names the location whose destination path holds a line break (from its path template), and lets other paths through', () => {
    const at = (path: string) => [
      { label: 'storage location archive', path: 'krios/a.raw' },
      { label: 'storage location flat', path },
    ];
    expect(lineBreakHold('a.raw', at('krios\r/a.raw'))).toBe(
      'its destination path at storage location flat, "krios\\r/a.raw", holds a line break, which rclone, given paths one a line, would read as two paths (see that location\'s path template); it was not copied',
    );
    // A tab or a name rclone spelled (␊) is one line.
    expect(lineBreakHold('tab\there␊.raw', at('krios/tab\there␊.raw'))).toBeUndefined();
  });
});

/**
 * Copies at a POSIX destination are hashed from the page cache, and rclone's local backend never
 * fsyncs them: the batch flushes each such destination's file system (one `sync --file-system`,
 * looked up on PATH) before it records any of them verified. A stand-in `sync` first on PATH says
 * when it ran, or fails.
 */
describe('a batch flushes its copies at a POSIX destination to disk before recording them verified', () => {
  let db: TestDatabase;
  let dir: TempDir;
  const path = process.env.PATH;

  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
  });

  afterEach(() => {
    process.env.PATH = path;
    setNetworkCallLimitForTests();
  });

  afterAll(async () => {
    await db?.drop();
    await dir?.cleanup();
  });

  /** Puts a `sync` running `body` (sh) first on PATH; each call's arguments go to the returned log first. */
  async function standInSync(name: string, body: string): Promise<() => Promise<string[]>> {
    const bin = join(dir.path, name, 'bin');
    const log = join(dir.path, name, 'sync.log');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'sync'), `#!/bin/sh\necho "$*" >> '${log}'\n${body}\n`);
    await chmod(join(bin, 'sync'), 0o755);
    process.env.PATH = `${bin}${delimiter}${path}`;
    return async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  }

  /** Makes `catalogue.recordDeliveries` run `before` first. */
  function beforeRecording(catalogue: HarvestCatalogue, before: () => Promise<void>): void {
    const record = catalogue.recordDeliveries.bind(catalogue);
    catalogue.recordDeliveries = async (...args) => {
      await before();
      return record(...args);
    };
  }

  it('flushes the file system of the destination once, before the verdicts are recorded', async () => {
    const batch = await oneBatch(db.dataSource, dir.path, 'flushed', { 'a.raw': 'one', 'b.raw': 'two' });
    const calls = await standInSync('flushed', 'exit 0');
    let flushedBeforeRecording: string[] | undefined;
    beforeRecording(batch.catalogue, async () => void (flushedBeforeRecording = await calls()));

    await batch.process();

    expect(flushedBeforeRecording).toEqual([`--file-system -- ${batch.storageDir}`]);
    expect(await calls()).toHaveLength(1);
    expect(await batch.versions()).toEqual([
      { path: 'a.raw', status: 'verified', reason: null },
      { path: 'b.raw', status: 'verified', reason: null },
    ]);
  });

  it('records nothing verified when the flush fails, removes its copies, and is retried; the retry verifies them', async () => {
    const batch = await oneBatch(db.dataSource, dir.path, 'flush-fails', { 'a.raw': 'one', 'b.raw': 'two' });
    await standInSync('flush-fails', `echo "sync: error syncing '$3': Input/output error" >&2\nexit 1`);

    const failure = await batch.process().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(Error);
    // A plain error: Temporal retries it.
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    expect((failure as Error).message).toBe(
      `flushing the copies at storage location flush-fails-storage to disk: sync: error syncing '${batch.storageDir}': Input/output error; none of them is recorded verified`,
    );
    expect((await batch.versions()).map((v) => v.status)).toEqual(['pending', 'pending']);
    expect(await db.dataSource.getRepository(FileDeliveryEntity).countBy({ storageLocationId: batch.storage.id })).toBe(0);
    const versionIds = (await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: batch.instrument.id })).map((v) => v.id);
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: In(versionIds) })).toBe(0);
    // Not known to be on disk: gone, so the retry copies them afresh.
    expect(await batch.landed()).toEqual([]);

    process.env.PATH = path;
    await batch.process();
    expect((await batch.versions()).map((v) => v.status)).toEqual(['verified', 'verified']);
    expect(await batch.landed()).toEqual(['flush-fails/a.raw', 'flush-fails/b.raw']);
  });

  it('gives up on a flush of a network mount that does not answer within the limit of calls there', async () => {
    const batch = await oneBatch(db.dataSource, dir.path, 'flush-hangs', { 'a.raw': 'one' });
    await standInSync('flush-hangs', 'exec sleep 60');
    setNetworkCallLimitForTests(1000);
    const started = Date.now();

    await expect(batch.process({ destinations: batch.job.destinations.map((d) => ({ ...d, networkMount: true })) })).rejects.toThrow(
      `flushing the copies at storage location flush-hangs-storage to disk: ${batch.storageDir} on a network mount did not answer within 1 s; none of them is recorded verified`,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await batch.versions()).map((v) => v.status)).toEqual(['pending']);
  });

  it('removes its fresh copies when its run ended before their verdicts were recorded, and records nothing', async () => {
    const batch = await oneBatch(db.dataSource, dir.path, 'run-ended', { 'a.raw': 'one', 'b.raw': 'two' });
    // The run is closed (cancelled, its heartbeat lost) after the copies were verified, before they are recorded.
    beforeRecording(batch.catalogue, async () => void (await closeRun(db.dataSource, batch.run.id, { status: 'cancelled', error: 'cancelled by an operator' })));

    await expect(batch.process()).rejects.toMatchObject({ nonRetryable: true, message: expect.stringContaining(`harvest run ${batch.run.id} has ended`) });
    expect(await batch.landed()).toEqual([]);
    expect(await db.dataSource.getRepository(FileDeliveryEntity).countBy({ storageLocationId: batch.storage.id })).toBe(0);
  });
});
