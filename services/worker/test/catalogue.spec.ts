import { HarvestBatchEntity, HarvestRunEntity, InstrumentEntity } from '@sheaf/db';
import { closeRun } from '@sheaf/harvests';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { HarvestCatalogue } from '../src/harvest/catalogue';

describe('harvest catalogue: staging a listing', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('keeps every path exactly, whatever characters it holds, and plans from it', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'odd-names', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const paths = ['tab\there.txt', 'new\nline.txt', 'back\\slash\\.txt', 'cr\rreturn', '\\.', 'quote "and" \'ticks\'', 'ünïcødé/ファイル.raw', 'plain/x'];
    const catalogue = new HarvestCatalogue(db.dataSource);
    const listing = await catalogue.openListing(run.id);
    try {
      await listing.stage(paths.map((Path, i) => ({ Path, Size: i * 10, ModTime: '2025-03-01T10:00:00.123456789Z', IsDir: false })));
      const plan = await listing.plan(instrument.id, 0, { maxFiles: 3, maxBytes: 1024 });
      expect(plan).toEqual({ listedFiles: 8, listedBytes: 280, files: 8, bytes: 280, deferred: 0, batches: 3 });
      // Planned once: a second attempt of the same discovery plans nothing.
      expect(await listing.plan(instrument.id, 0, { maxFiles: 3, maxBytes: 1024 })).toBeUndefined();
    } finally {
      await listing.close();
    }

    const versions: Array<{ path: string; size: string; mtime: Date }> = await db.dataSource.query(
      `SELECT path, size, mtime FROM file_versions WHERE instrument_id = $1 ORDER BY size`,
      [instrument.id],
    );
    expect(versions.map((v) => v.path)).toEqual(paths);
    expect(versions.map((v) => Number(v.size))).toEqual(paths.map((_, i) => i * 10));
    expect(versions[0].mtime.toISOString()).toBe('2025-03-01T10:00:00.123Z');
    const items: Array<{ n: string }> = await db.dataSource.query(`SELECT count(*) AS n FROM harvest_items WHERE run_id = $1`, [run.id]);
    expect(Number(items[0].n)).toBe(8);
  });

  it('starts and closes a batch once: a retried batch adds nothing to the run a second time', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'retried-batch', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const catalogue = new HarvestCatalogue(db.dataSource);
    const listing = await catalogue.openListing(run.id);
    try {
      await listing.stage([{ Path: 'a.txt', Size: 3, ModTime: '2025-03-01T10:00:00Z', IsDir: false }]);
      await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 });
    } finally {
      await listing.close();
    }

    expect(await catalogue.startBatch(run.id, 0, 'worker-1')).toBe(true);
    const first = await catalogue.finishBatch(run.id, 0);
    const second = await catalogue.finishBatch(run.id, 0);
    expect(second).toEqual(first);
    const row = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id });
    expect(row).toMatchObject({ batchesDone: 1, filesDeferred: '1' });
    expect(await catalogue.startBatch(run.id, 0, 'worker-2')).toBe(false);
    expect(await db.dataSource.getRepository(HarvestBatchEntity).findOneByOrFail({ runId: run.id, batchNo: 0 })).toMatchObject({ status: 'done', attempts: 1 });

    // Closing a run that is already closed changes nothing, and says so.
    expect(await closeRun(db.dataSource, run.id, { status: 'succeeded', error: null }, { onlyIfOpen: true })).toBe(true);
    expect(await closeRun(db.dataSource, run.id, { status: 'failed', error: 'late' }, { onlyIfOpen: true })).toBe(false);
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({ status: 'succeeded', error: null });
  });
});

