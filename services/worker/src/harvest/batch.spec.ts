import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { delimiter, join, relative } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { ArkEntity, FileDeliveryEntity, FileVersionEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { closeRun } from '@sheaf/harvests';
import { Rclone, RcloneError } from '@sheaf/rclone';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { In, type DataSource } from 'typeorm';
import { lineBreakHold, processBatch, setEarlyFlushBytesForTests, setShutdownRemovalLimitForTests, type BatchJob } from './batch';
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
    setEarlyFlushBytesForTests();
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

  /**
   * Batch `name` of a.raw and b.raw (6 bytes), b.raw's first copy made bad so it is copied again:
   * the stand-in sync's calls made before that re-copy (waited for up to `waitMs`: the early
   * flush is not awaited by then), and all of them.
   */
  async function flushedAroundRecopy(name: string, waitMs: number) {
    const batch = await oneBatch(db.dataSource, dir.path, name, { 'a.raw': 'one', 'b.raw': 'two' });
    const calls = await standInSync(name, 'exit 0');
    const rclone = new Rclone(requireTool('rclone', process.env));
    const copyFiles = rclone.copyFiles.bind(rclone);
    rclone.copyFiles = async (...args) => {
      await copyFiles(...args);
      // Same size, other bytes: found bad when verified, then copied again.
      await writeFile(join(batch.storageDir, name, 'b.raw'), 'TWO');
    };
    const copyEach = rclone.copyEach.bind(rclone);
    const beforeRecopy: string[][] = [];
    rclone.copyEach = async (...args) => {
      if (args[2].length) {
        for (let waited = 0; waited < waitMs && !(await calls()).length; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
        beforeRecopy.push(await calls());
      }
      return copyEach(...args);
    };
    await processBatch(batch.catalogue, rclone, batch.job);
    return { beforeRecopy, all: await calls(), versions: await batch.versions(), storageDir: batch.storageDir };
  }

  it('starts flushing once large copies are made, before they are verified, and flushes again after a re-copy', async () => {
    // 6 bytes stand for 64 MiB.
    setEarlyFlushBytesForTests(6);
    const flushed = await flushedAroundRecopy('flush-recopy', 5000);

    expect(flushed.beforeRecopy).toEqual([[`--file-system -- ${flushed.storageDir}`]]);
    expect(flushed.all).toEqual([`--file-system -- ${flushed.storageDir}`, `--file-system -- ${flushed.storageDir}`]);
    expect(flushed.versions.map((v) => v.status)).toEqual(['verified', 'verified']);
  });

  it('flushes small copies once, after they are verified', async () => {
    setEarlyFlushBytesForTests(7);
    const flushed = await flushedAroundRecopy('flush-small', 1000);

    expect(flushed.beforeRecopy).toEqual([[]]);
    expect(flushed.all).toEqual([`--file-system -- ${flushed.storageDir}`]);
    expect(flushed.versions.map((v) => v.status)).toEqual(['verified', 'verified']);
  });

  it('fails with the flush started early when that flush fails, recording nothing verified', async () => {
    setEarlyFlushBytesForTests(1);
    const batch = await oneBatch(db.dataSource, dir.path, 'early-flush-fails', { 'a.raw': 'one' });
    await standInSync('early-flush-fails', `echo "sync: error syncing '$3': Input/output error" >&2\nexit 1`);

    await expect(batch.process()).rejects.toThrow(
      `flushing the copies at storage location early-flush-fails-storage to disk: sync: error syncing '${batch.storageDir}': Input/output error; none of them is recorded verified`,
    );
    expect((await batch.versions()).map((v) => v.status)).toEqual(['pending']);
    expect(await batch.landed()).toEqual([]);
  });

  it('removes its copies when its early flush failed and the batch then fails before reading that error', async () => {
    setEarlyFlushBytesForTests(1);
    const batch = await oneBatch(db.dataSource, dir.path, 'early-flush-unread', { 'a.raw': 'one', 'b.raw': 'two' });
    await standInSync('early-flush-unread', 'exit 1');
    const rclone = new Rclone(requireTool('rclone', process.env));
    const copyFiles = rclone.copyFiles.bind(rclone);
    rclone.copyFiles = async (...args) => {
      await copyFiles(...args);
      await writeFile(join(batch.storageDir, 'early-flush-unread', 'b.raw'), 'TWO');
    };
    // b.raw's re-copy fails (a retried failure), before any verdict or flush is awaited.
    rclone.copyEach = async (_from, _to, files) => {
      if (!files.length) return [];
      throw new RcloneError('rclone copyfile: connection reset', 1, '');
    };

    await expect(processBatch(batch.catalogue, rclone, batch.job)).rejects.toThrow('connection reset');
    // a.raw's good copy went too: the failed flush may have taken a writeback error of it, and a
    // retry would hash it from the page cache and find nothing wrong.
    expect(await batch.landed()).toEqual([]);
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

/**
 * A batch stopped by its worker shutting down is retried, or run again by the workflow, but not
 * always: the run may be cancelled or fail meanwhile, or the reruns be used up. A bad copy it
 * left uncatalogued would then be found by every later run as someone else's file, and fail its
 * version for good. So it removes the copies it found bad (not its other ones, which its retry
 * verifies as its own), within a short deadline of the shutdown.
 */
describe('a batch stopped by its worker shutting down', () => {
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
  });

  afterEach(() => setShutdownRemovalLimitForTests());

  afterAll(async () => {
    await db?.drop();
    await dir?.cleanup();
  });

  /**
   * Batch `name` of a.raw, b.raw and c.raw: a.raw changed since the listing (its mtime), so its
   * copy is found bad first; b.raw's copy is made bad (same size, other bytes), and the worker's
   * shutdown stops the batch as it copies b.raw again, before c.raw's copy (a good one) is
   * looked at. `rclone` is the batch's rclone, `stopped` what processBatch threw.
   */
  async function stoppedByShutdown(name: string, patch: (rclone: Rclone) => void = () => undefined) {
    const batch = await oneBatch(db.dataSource, dir.path, name, { 'a.raw': 'one', 'b.raw': 'two', 'c.raw': 'six' });
    const later = new Date(MTIME.getTime() + 3_600_000);
    await utimes(join(dir.path, name, 'source', 'a.raw'), later, later);
    const cancel = new AbortController();
    const shutdown = new AbortController();
    const rclone = new Rclone(requireTool('rclone', process.env));
    const copyFiles = rclone.copyFiles.bind(rclone);
    rclone.copyFiles = async (...args) => {
      await copyFiles(...args);
      await writeFile(join(batch.storageDir, name, 'b.raw'), 'TWO');
    };
    rclone.copyEach = async (_from, _to, files) => {
      // Each copy step asks, for none when every file keeps its path.
      if (!files.length) return [];
      // As the worker does once its grace time is up: the activity's signal, then the shutdown's.
      cancel.abort(new Error('WORKER_SHUTDOWN'));
      shutdown.abort();
      throw new RcloneError('rclone copyfile cancelled', undefined, '');
    };
    patch(rclone);
    const stopped = await processBatch(batch.catalogue, rclone, { ...batch.job, signal: cancel.signal, shutdown: shutdown.signal }).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { ...batch, stopped };
  }

  it('removes the copies it found bad, keeps its other copies and its claims, and records nothing', async () => {
    const batch = await stoppedByShutdown('shutdown-bad');

    expect(batch.stopped).toMatchObject({ message: 'copying from the source of instrument shutdown-bad to storage location shutdown-bad-storage: rclone copyfile cancelled' });
    // a.raw's copy (of a source changed since the listing) is gone; b.raw's bad copy went before
    // its re-copy; c.raw's copy, not looked at, stays for the retry to verify as its own.
    expect(await batch.landed()).toEqual(['shutdown-bad/c.raw']);
    expect((await batch.versions()).map((v) => v.status)).toEqual(['pending', 'pending', 'pending']);
    expect(await db.dataSource.getRepository(FileDeliveryEntity).countBy({ storageLocationId: batch.storage.id })).toBe(0);
    // A retry follows (or the workflow's rerun): the paths stay claimed for it.
    const claims: Array<{ n: number }> = await db.dataSource.query(`SELECT count(*)::int AS n FROM destination_claims WHERE run_id = $1`, [batch.run.id]);
    expect(claims[0].n).toBe(3);
  });

  it('gives its removals a short deadline from the shutdown, not 2 minutes a destination', async () => {
    setShutdownRemovalLimitForTests(1000);
    const removals: Array<{ files: readonly string[]; aborted: () => boolean }> = [];
    const started = Date.now();
    const batch = await stoppedByShutdown('shutdown-hung', (rclone) => {
      const deleteFiles = rclone.deleteFiles.bind(rclone);
      rclone.deleteFiles = async (root, files, signal) => {
        removals.push({ files, aborted: () => signal?.aborted === true });
        // b.raw's bad copy, before its re-copy and the shutdown.
        if (removals.length === 1) return deleteFiles(root, files, signal);
        // The destination stopped answering: this removal ends only when it is stopped.
        await new Promise((resolve) => signal?.addEventListener('abort', resolve, { once: true }));
        throw new RcloneError('rclone delete cancelled', undefined, '');
      };
    });

    expect(batch.stopped).toMatchObject({ message: expect.stringContaining('rclone copyfile cancelled') });
    // b.raw's removal before its re-copy (before the shutdown), then the bad copies left (a.raw),
    // stopped by the deadline.
    expect(removals.map((r) => r.files)).toEqual([['shutdown-hung/b.raw'], ['shutdown-hung/a.raw']]);
    expect(removals[1].aborted()).toBe(true);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

/**
 * A source rewritten with its size and modification time kept is one version to Sheaf; copies
 * of it verified against different bytes fail it (settleVersions) and are set back to failed.
 * The batches of later runs then copy to those destinations again, never over a file there.
 */
describe('a version whose copies were verified against different source bytes', () => {
  let db: TestDatabase;
  let dir: TempDir;

  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
  });

  afterAll(async () => {
    await db?.drop();
    await dir?.cleanup();
  });

  it('is verified again by later runs at the destination holding the source bytes, and never overwritten at the other, until that copy is moved aside', async () => {
    const name = 'two-contents';
    const batch = await oneBatch(db.dataSource, dir.path, name, { 'r.raw': 'two' });
    // A second destination, 'first', holds the bytes the source had in an earlier run ('one',
    // same size); the batch's own destination, 'second', the source's bytes now.
    const firstDir = join(dir.path, name, 'first');
    const first = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-first`, type: 'posix', config: { path: firstDir } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: batch.instrument.id, storageLocationId: first.id });
    await mkdir(join(firstDir, name), { recursive: true });
    await writeFile(join(firstDir, name, 'r.raw'), 'one');
    await mkdir(join(batch.storageDir, name), { recursive: true });
    await writeFile(join(batch.storageDir, name, 'r.raw'), 'two');
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const [version] = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: batch.instrument.id });
    await db.dataSource.query(`UPDATE file_versions SET status = 'failed', reason = 'disk full' WHERE id = $1`, [version.id]);
    await db.dataSource.query(
      `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, source_sha256, destination_sha256, verified_at)
       VALUES ($1, $2, $4, 'verified', $5, $5, now()), ($1, $3, $4, 'verified', $6, $6, now())`,
      [version.id, first.id, batch.storage.id, `${name}/r.raw`, sha('one'), sha('two')],
    );
    const destinations = [
      ...batch.job.destinations,
      { root: firstDir, localRoot: firstDir, remotes: [], label: `storage location ${first.name}`, storageLocationId: first.id, pathTemplate: '{instrument}/{path}', ignoresCase: false },
    ];
    const rclone = new Rclone(requireTool('rclone', process.env));
    /** A run of the instrument that lists the source as it is, and its one batch. */
    const runAgain = async () => {
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: batch.instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      const listing = await batch.catalogue.openListing(run.id);
      try {
        await listing.stage([{ Path: 'r.raw', Size: 3, ModTime: MTIME.toISOString(), IsDir: false }]);
        await listing.plan(batch.instrument.id, 0, { maxFiles: 100, maxBytes: 1024 ** 2 });
      } finally {
        await listing.close();
      }
      expect(await batch.catalogue.startBatch(run.id, 0, 'batch.spec')).toBe('started');
      await processBatch(batch.catalogue, rclone, { ...batch.job, runId: run.id, destinations });
      await batch.catalogue.finishBatch(run.id, 0);
      await closeRun(db.dataSource, run.id, { status: 'succeeded', error: null });
    };
    const state = async () => ({
      version: (await db.dataSource.query(`SELECT status, reason, sha256 FROM file_versions WHERE id = $1`, [version.id]))[0] as unknown,
      deliveries: (
        (await db.dataSource.query(`SELECT storage_location_id AS at, status FROM file_deliveries WHERE file_version_id = $1`, [version.id])) as Array<{ at: string; status: string }>
      )
        .map((d) => `${d.at === first.id ? 'first' : 'second'} ${d.status}`)
        .sort(),
      first: await readFile(join(firstDir, name, 'r.raw'), 'utf8').catch(() => undefined),
      second: await readFile(join(batch.storageDir, name, 'r.raw'), 'utf8'),
    });

    // The batch of the run that finds the two copies disagree (here: with nothing left to copy).
    await batch.process({ destinations });
    expect(await state()).toMatchObject({
      version: { status: 'failed', reason: expect.stringContaining('its copies were verified against different source bytes'), sha256: null },
      deliveries: ['first failed', 'second failed'],
    });

    // The next run: the copy of the source's bytes is verified again; the other is left as it is.
    await runAgain();
    expect(await state()).toEqual({
      version: { status: 'failed', reason: `a different file already exists at ${name}/r.raw; it was left untouched`, sha256: null },
      deliveries: ['first failed', 'second verified'],
      first: 'one',
      second: 'two',
    });

    // Moved aside (kept: the source no longer has those bytes), the next run copies the source there.
    await rename(join(firstDir, name, 'r.raw'), join(firstDir, name, 'r.raw.earlier'));
    await runAgain();
    expect(await state()).toEqual({
      version: { status: 'verified', reason: null, sha256: sha('two') },
      deliveries: ['first verified', 'second verified'],
      first: 'two',
      second: 'two',
    });
    expect(await db.dataSource.getRepository(ArkEntity).countBy({ fileVersionId: version.id })).toBe(1);
  });
});
