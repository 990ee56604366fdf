import { HarvestRunEntity, InstrumentEntity } from '@sheaf/db';
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
});
