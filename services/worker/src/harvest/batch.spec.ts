import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintArk } from '@sheaf/ark';
import { FileVersionEntity, HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { Rclone } from '@sheaf/rclone';
import { createTestDatabase, makeTempDir, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import { lineBreakHold, processBatch } from './batch';
import { HarvestCatalogue } from './catalogue';

const MTIME = new Date('2025-03-01T10:00:00Z');

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

  /**
   * Batch 0 of a run whose catalogue lists `listed` (as a listing would stage them), of an instrument
   * whose local source holds `files`, processed with real rclone into one POSIX storage location.
   */
  async function processOneBatch(name: string, files: Record<string, string>, listed: readonly string[]) {
    const sourceDir = join(dir.path, name, 'source');
    const storageDir = join(dir.path, name, 'storage');
    await mkdir(sourceDir, { recursive: true });
    for (const [path, content] of Object.entries(files)) {
      await writeFile(join(sourceDir, path), content);
      await utimes(join(sourceDir, path), MTIME, MTIME);
    }
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: sourceDir }, minAgeSeconds: 0 });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name: `${name}-storage`, type: 'posix', config: { path: storageDir } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const catalogue = new HarvestCatalogue(db.dataSource);
    const listing = await catalogue.openListing(run.id);
    try {
      await listing.stage(listed.map((Path) => ({ Path, Size: Buffer.byteLength(files[Path] ?? ''), ModTime: MTIME.toISOString(), IsDir: false })));
      await listing.plan(instrument.id, 0, { maxFiles: 100, maxBytes: 1024 ** 2 });
    } finally {
      await listing.close();
    }
    expect(await catalogue.startBatch(run.id, 0, 'batch.spec')).toBe('started');

    await processBatch(catalogue, new Rclone(requireTool('rclone', process.env)), {
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
    });

    const versions = await db.dataSource.getRepository(FileVersionEntity).findBy({ instrumentId: instrument.id });
    const landed = (await readdir(join(storageDir, name))).sort();
    return { versions: versions.map(({ path, status, reason }) => ({ path, status, reason })).sort((a, b) => (a.path < b.path ? -1 : 1)), landed };
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
