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
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running' });
    const paths = ['tab\there.txt', 'new\nline.txt', 'back\\slash\\.txt', 'cr\rreturn', '\\.', 'quote "and" \'ticks\'', 'ünïcødé/ファイル.raw', 'plain/x'];
    const catalogue = new HarvestCatalogue(db.dataSource);
    await catalogue.stageListing(run.id, paths.map((Path, i) => ({ Path, Size: i * 10, ModTime: '2025-03-01T10:00:00.123456789Z', IsDir: false })));

    const staged: Array<{ path: string; size: string; mtime: Date }> = await db.dataSource.query(
      `SELECT path, size, mtime FROM harvest_listing WHERE run_id = $1 ORDER BY size`,
      [run.id],
    );
    expect(staged.map((r) => r.path)).toEqual(paths);
    expect(staged.map((r) => Number(r.size))).toEqual(paths.map((_, i) => i * 10));
    expect(staged[0].mtime.toISOString()).toBe('2025-03-01T10:00:00.123Z');

    const plan = await catalogue.planRun(run.id, instrument.id, 0, { maxFiles: 3, maxBytes: 1024 });
    expect(plan).toEqual({ listedFiles: 8, listedBytes: 280, files: 8, bytes: 280, deferred: 0, batches: 3 });
    const versions: Array<{ path: string }> = await db.dataSource.query(`SELECT path FROM file_versions WHERE instrument_id = $1`, [instrument.id]);
    expect(versions.map((v) => v.path).sort()).toEqual([...paths].sort());
  });
});
