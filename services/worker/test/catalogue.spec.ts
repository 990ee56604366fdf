import { HarvestBatchEntity, HarvestRunEntity, HookEntity, InstrumentEntity } from '@sheaf/db';
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

  it('keeps every batch within the byte cap, apart from a file larger than the cap, which goes alone', async () => {
    const batchesOf = async (name: string, sizes: number[], limits = { maxFiles: 100, maxBytes: 1024 }) => {
      const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      const listing = await new HarvestCatalogue(db.dataSource).openListing(run.id);
      try {
        await listing.stage(sizes.map((Size, i) => ({ Path: `f${String(i).padStart(3, '0')}`, Size, ModTime: '2025-03-01T10:00:00Z', IsDir: false })));
        await listing.plan(instrument.id, 0, limits);
      } finally {
        await listing.close();
      }
      const batches = await db.dataSource.getRepository(HarvestBatchEntity).find({ where: { runId: run.id }, order: { batchNo: 'ASC' } });
      return batches.map((b) => Number(b.bytes));
    };
    // Each pair of these passed the cap: batches were cut where files start, not where they end.
    expect(await batchesOf('cap-even', [700, 700, 700, 700])).toEqual([700, 700, 700, 700]);
    // Small files together, the big one alone (it used to join them: 5,700 bytes in one batch).
    expect(await batchesOf('cap-big', [100, 100, 100, 100, 100, 100, 100, 5000, 10])).toEqual([700, 5000, 10]);
    // Not the fewest batches (600 would fit in the last), but none past the cap.
    expect(await batchesOf('cap-small', [0, 300, 300, 300, 0, 300, 300, 0])).toEqual([900, 300, 300]);
    // The count cap still applies inside a byte bucket.
    expect(await batchesOf('cap-count', [1, 1, 1, 1, 1], { maxFiles: 2, maxBytes: 1024 })).toEqual([2, 2, 1]);
  });

  it('leaves out entries of unknown size (rclone lists them as -1), which the catalogue cannot hold, and plans the rest', async () => {
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name: 'unknown-sizes', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const listing = await new HarvestCatalogue(db.dataSource).openListing(run.id);
    try {
      const entry = (Path: string, Size: number) => ({ Path, Size, ModTime: '2025-03-01T10:00:00Z', IsDir: false });
      await listing.stage([entry('doc.gdoc', -1), entry('data.raw', 10)]);
      await listing.stage([entry('sheet.gsheet', -1)]);
      expect(await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 })).toMatchObject({ listedFiles: 1, files: 1, bytes: 10 });
      expect(listing.unknownSize).toEqual({ count: 2, first: ['doc.gdoc', 'sheet.gsheet'] });
    } finally {
      await listing.close();
    }
  });

  it('plans in pieces, announcing each, and a second attempt after a crash takes no file twice', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'planned-in-pieces', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const catalogue = new HarvestCatalogue(db.dataSource);
    const entry = (Path: string) => ({ Path, Size: 1, ModTime: '2025-03-01T10:00:00Z', IsDir: false });
    const tree = Array.from({ length: 10 }, (_, i) => entry(`f${String(i).padStart(2, '0')}`));
    const limits = { maxFiles: 2, maxBytes: 1024 };

    // The first attempt commits two pieces (4, then 3 entries), then its worker dies.
    const heard: unknown[] = [];
    const first = await catalogue.openListing(run.id);
    try {
      await first.stage(tree);
      const crash = new Error('worker killed');
      const planning = first.plan(instrument.id, 0, limits, {
        firstPieceFiles: 4,
        pieceFiles: 3,
        onPlanned: async (soFar) => {
          heard.push(soFar);
          if (heard.length === 2) throw crash;
        },
      });
      await expect(planning).rejects.toBe(crash);
    } finally {
      await first.close();
    }
    expect(heard).toEqual([
      { batches: 2, files: 4, bytes: 4 },
      { batches: 4, files: 7, bytes: 7 },
    ]);
    // What was announced can already run: the run's totals say so.
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({ batchesTotal: 4, filesTotal: '7' });

    // The retry lists the tree again, now with one more file, and plans the rest.
    const second = await catalogue.openListing(run.id);
    try {
      await second.stage([...tree, entry('f10')]);
      const plan = await second.plan(instrument.id, 0, limits, { onPlanned: async (soFar) => void heard.push(soFar) });
      expect(plan).toEqual({ listedFiles: 11, listedBytes: 11, files: 11, bytes: 11, deferred: 0, batches: 7 });
      // Its first piece is 4 batches' worth of entries (f00 to f07), of which only f07 is new to the run.
      expect(heard.slice(2)).toEqual([
        { batches: 5, files: 8, bytes: 8 },
        { batches: 7, files: 11, bytes: 11 },
      ]);
    } finally {
      await second.close();
    }

    const batches: Array<{ batch_no: number; paths: string[] }> = await db.dataSource.query(
      `SELECT hi.batch_no, array_agg(fv.path ORDER BY fv.path) AS paths
       FROM harvest_items hi JOIN file_versions fv ON fv.id = hi.file_version_id
       WHERE hi.run_id = $1 GROUP BY hi.batch_no ORDER BY hi.batch_no`,
      [run.id],
    );
    expect(batches.map((b) => b.paths)).toEqual([['f00', 'f01'], ['f02', 'f03'], ['f04', 'f05'], ['f06'], ['f07'], ['f08', 'f09'], ['f10']]);
    expect(batches.map((b) => b.batch_no)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const versions: Array<{ n: string }> = await db.dataSource.query(`SELECT count(*) AS n FROM file_versions WHERE instrument_id = $1`, [instrument.id]);
    expect(Number(versions[0].n)).toBe(11);
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({
      phase: 'transferring',
      batchesTotal: 7,
      filesTotal: '11',
      filesDiscovered: '11',
    });
  });

  it('keeps the listing\'s deferred count apart from what batches defer meanwhile, and never reopens a run closed while planning', async () => {
    const catalogue = new HarvestCatalogue(db.dataSource);
    const entry = (Path: string, ModTime = '2025-03-01T10:00:00Z') => ({ Path, Size: 1, ModTime, IsDir: false });
    const limits = { maxFiles: 1, maxBytes: 1024 };
    const newRun = async (name: string) => {
      const instrument = await db.dataSource
        .getRepository(InstrumentEntity)
        .save({ name, sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 3600 });
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      return { instrument, run };
    };

    // Two old files and one inside the quiet period; batch 0 finishes (its file changed under it,
    // so deferred) while the second piece is still to be planned.
    const { instrument, run } = await newRun('deferred-apart');
    const listing = await catalogue.openListing(run.id);
    try {
      await listing.stage([entry('a'), entry('b'), entry('young', new Date().toISOString())]);
      const plan = await listing.plan(instrument.id, 3600, limits, {
        firstPieceFiles: 1,
        pieceFiles: 1,
        onPlanned: async (soFar) => {
          if (soFar.batches !== 1) return;
          await catalogue.startBatch(run.id, 0, 'worker-1');
          await catalogue.finishBatch(run.id, 0);
        },
      });
      expect(plan).toMatchObject({ files: 2, batches: 2, deferred: 1 });
    } finally {
      await listing.close();
    }
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({ filesDeferred: '2', batchesDone: 1 });
    // A retried discovery reports the listing's own count.
    expect(await catalogue.existingPlan(run.id)).toMatchObject({ files: 2, batches: 2, deferred: 1 });

    // Cancelled after the first piece: the run stays closed and gets no more batches.
    const closed = await newRun('closed-while-planning');
    const second = await catalogue.openListing(closed.run.id);
    try {
      await second.stage([entry('a'), entry('b'), entry('c')]);
      const plan = await second.plan(closed.instrument.id, 3600, limits, {
        firstPieceFiles: 1,
        pieceFiles: 1,
        onPlanned: async () => {
          await closeRun(db.dataSource, closed.run.id, { status: 'cancelled', error: 'cancelled by an operator' });
        },
      });
      expect(plan).toBeUndefined();
    } finally {
      await second.close();
    }
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: closed.run.id })).toMatchObject({
      status: 'cancelled',
      phase: 'finished',
      batchesTotal: 1,
    });
    expect(await db.dataSource.getRepository(HarvestBatchEntity).countBy({ runId: closed.run.id })).toBe(1);
  });

  it('takes a file once when the listing names it twice, new or left pending by an earlier run', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'listed-twice', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const catalogue = new HarvestCatalogue(db.dataSource);
    const entry = (Path: string) => ({ Path, Size: 1, ModTime: '2025-03-01T10:00:00Z', IsDir: false });
    // Some remotes list one file twice (Google Drive, for one).
    const twice = [entry('a'), entry('a'), entry('b')];
    for (const expected of [2, 2]) {
      // The first run catalogues both versions and stops before copying; the next carries them.
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      const listing = await catalogue.openListing(run.id);
      try {
        await listing.stage(twice);
        expect(await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 })).toMatchObject({ files: expected, batches: 1 });
      } finally {
        await listing.close();
      }
      await closeRun(db.dataSource, run.id, { status: 'cancelled', error: null });
    }
  });

  it('never sets aside or fails a version a later one superseded, nor sets aside a verified one', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'set-aside', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const versions = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason) VALUES
         ($1, 'changed.raw', 1, '2025-03-01T10:00:00Z', 1, 'skipped', 'superseded'),
         ($1, 'changed.raw', 2, '2025-03-02T10:00:00Z', 2, 'pending', NULL),
         ($1, 'done.raw', 1, '2025-03-01T10:00:00Z', 1, 'verified', NULL),
         ($1, 'waiting.raw', 1, '2025-03-01T10:00:00Z', 1, 'pending', NULL)
       RETURNING id, path, version`,
      [instrument.id],
    )) as Array<{ id: string; path: string; version: number }>;
    const catalogue = new HarvestCatalogue(db.dataSource);
    // A batch loaded before the change was listed finds the source changed, and defers what it holds.
    await catalogue.setAside(versions.map((v) => ({ fileVersionId: v.id, status: 'pending' as const, reason: 'changed since it was listed' })));
    const after = (await db.dataSource.query(`SELECT path, version, status, reason FROM file_versions WHERE instrument_id = $1 ORDER BY path, version`, [instrument.id])) as unknown[];
    expect(after).toEqual([
      { path: 'changed.raw', version: 1, status: 'skipped', reason: 'superseded' },
      { path: 'changed.raw', version: 2, status: 'pending', reason: 'changed since it was listed' },
      { path: 'done.raw', version: 1, status: 'verified', reason: null },
      { path: 'waiting.raw', version: 1, status: 'pending', reason: 'changed since it was listed' },
    ]);

    // Nor does a failed delivery make the superseded version failed (to be taken again, which no listing would).
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'transferring' });
    const [location] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ('set-aside', 'posix', '{"path": "/a"}') RETURNING id`)) as Array<{ id: string }>;
    const failedAt = (v: { id: string; path: string }) => ({
      fileVersionId: v.id,
      storageLocationId: location.id,
      destinationPath: v.path,
      sourceSha256: null,
      destinationSha256: null,
      verified: false,
      attempts: [{ bytes: 1, durationMs: 1, destinationSha256: null, status: 'failed' as const, error: 'disk full' }],
      error: 'disk full',
    });
    const [superseded, , , waiting] = versions;
    await catalogue.recordDeliveries(run.id, [failedAt(superseded), failedAt(waiting)], [location.id], () => 'ark:99999/fk4unused', { enrichment: new Map(), postHooks: false });
    const settled = (await db.dataSource.query(`SELECT path, version, status, reason FROM file_versions WHERE id = ANY($1::uuid[]) ORDER BY path`, [[superseded.id, waiting.id]])) as unknown[];
    expect(settled).toEqual([
      { path: 'changed.raw', version: 1, status: 'skipped', reason: 'superseded' },
      { path: 'waiting.raw', version: 1, status: 'failed', reason: 'disk full' },
    ]);
  });

  it('fails a version whose copies were verified against different source bytes, naming each, mints no ARK, and sets its copies back to failed so that later runs verify it', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'two-contents', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const [first, second] = (await db.dataSource.query(
      `INSERT INTO storage_locations (name, type, config) VALUES ('contents-first', 'posix', '{"path": "/a"}'), ('contents-second', 'posix', '{"path": "/b"}') RETURNING id`,
    )) as Array<{ id: string }>;
    const destinations = [first.id, second.id];
    const [rewritten, unchanged] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version) VALUES
         ($1, 'rewritten.raw', 3, '2025-03-01T10:00:00Z', 1), ($1, 'unchanged.raw', 3, '2025-03-01T10:00:00Z', 1) RETURNING id`,
      [instrument.id],
    )) as Array<{ id: string }>;
    const [h1, h2] = ['1'.repeat(64), '2'.repeat(64)];
    const outcome = (fileVersionId: string, storageLocationId: string, sha256: string | null) => ({
      fileVersionId,
      storageLocationId,
      destinationPath: 'x.raw',
      sourceSha256: sha256,
      destinationSha256: sha256,
      verified: sha256 !== null,
      attempts: [{ bytes: 3, durationMs: 1, destinationSha256: sha256, status: sha256 ? ('verified' as const) : ('failed' as const), error: sha256 ? null : 'disk full' }],
      error: sha256 ? null : 'disk full',
    });
    const catalogue = new HarvestCatalogue(db.dataSource);
    const settle = { enrichment: new Map(), postHooks: false };
    let minted = 0;
    const mint = () => `ark:99999/fk4two${++minted}`;
    const runs = db.dataSource.getRepository(HarvestRunEntity);

    // Run 1 verifies both versions at the first destination (SHA-256 h1); the second is full.
    const run1 = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'transferring' });
    await catalogue.recordDeliveries(
      run1.id,
      [outcome(rewritten.id, first.id, h1), outcome(rewritten.id, second.id, null), outcome(unchanged.id, first.id, h1), outcome(unchanged.id, second.id, null)],
      destinations,
      mint,
      settle,
    );
    await closeRun(db.dataSource, run1.id, { status: 'succeeded', error: null });
    // 'rewritten.raw' is written again with its size and modification time kept; run 2 copies
    // it (h2) to the second destination, and 'unchanged.raw' with the bytes it had (h1).
    const run2 = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'transferring' });
    await catalogue.recordDeliveries(run2.id, [outcome(rewritten.id, second.id, h2), outcome(unchanged.id, second.id, h1)], destinations, mint, settle);

    const versions = (await db.dataSource.query(
      `SELECT fv.path, fv.status, fv.sha256, fv.reason, a.ark FROM file_versions fv LEFT JOIN arks a ON a.file_version_id = fv.id
       WHERE fv.instrument_id = $1 ORDER BY fv.path`,
      [instrument.id],
    )) as unknown[];
    expect(versions).toEqual([
      {
        path: 'rewritten.raw',
        status: 'failed',
        sha256: null,
        reason: `its copies were verified against different source bytes (contents-first: SHA-256 ${h1}, contents-second: SHA-256 ${h2}): the source changed between runs, its size and modification time did not; not verified, no ARK minted; the next run verifies its copies against the source again`,
        ark: null,
      },
      { path: 'unchanged.raw', status: 'verified', sha256: h1, reason: null, ark: 'ark:99999/fk4two1' },
    ]);
    // Its copies no longer count as verified (they did, and every later run copied nothing and
    // failed it again); what each was verified against stays, and so do their transfers.
    const deliveries = async () =>
      (await db.dataSource.query(
        `SELECT fv.path, s.name AS location, d.status, d.source_sha256 AS sha256, d.verified_at IS NOT NULL AS "verifiedAt", d.reason
         FROM file_deliveries d JOIN file_versions fv ON fv.id = d.file_version_id JOIN storage_locations s ON s.id = d.storage_location_id
         WHERE fv.instrument_id = $1 ORDER BY fv.path, s.name`,
        [instrument.id],
      )) as unknown[];
    const unverified = (sha256: string) =>
      `verified against SHA-256 ${sha256} of the source, another copy of this version against other bytes: no longer counted as verified; ` +
      'the next run verifies this copy against the source again, and leaves it untouched if it differs';
    expect(await deliveries()).toEqual([
      { path: 'rewritten.raw', location: 'contents-first', status: 'failed', sha256: h1, verifiedAt: false, reason: unverified(h1) },
      { path: 'rewritten.raw', location: 'contents-second', status: 'failed', sha256: h2, verifiedAt: false, reason: unverified(h2) },
      { path: 'unchanged.raw', location: 'contents-first', status: 'verified', sha256: h1, verifiedAt: true, reason: null },
      { path: 'unchanged.raw', location: 'contents-second', status: 'verified', sha256: h1, verifiedAt: true, reason: null },
    ]);
    const transfers = (await db.dataSource.query(
      `SELECT t.status, count(*)::int AS n FROM transfers t WHERE t.file_version_id = $1 GROUP BY t.status ORDER BY t.status`,
      [rewritten.id],
    )) as unknown[];
    expect(transfers).toEqual([
      { status: 'failed', n: 1 },
      { status: 'verified', n: 2 },
    ]);
    await closeRun(db.dataSource, run2.id, { status: 'succeeded', error: null });

    // Run 3 lists the file as before: the version is taken again, with no destination verified,
    // so its batch copies to both (and finds the copies there as files that were there before).
    const run3 = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const listing = await catalogue.openListing(run3.id);
    try {
      await listing.stage([{ Path: 'rewritten.raw', Size: 3, ModTime: '2025-03-01T10:00:00Z', IsDir: false }]);
      await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 });
    } finally {
      await listing.close();
    }
    const [taken] = await catalogue.loadBatch(run3.id, 0);
    expect(taken).toMatchObject({ id: rewritten.id, status: 'failed', verifiedAt: new Set() });
    // The copy holding the source's bytes (h2) is verified again as it is; the other, never
    // overwritten, fails the version as a different file there.
    const foreign = 'a different file already exists at x.raw; it was left untouched';
    const differs = { ...outcome(rewritten.id, first.id, null), sourceSha256: h2, destinationSha256: h1, error: foreign };
    await catalogue.recordDeliveries(run3.id, [differs, outcome(rewritten.id, second.id, h2)], destinations, mint, settle);
    expect(await db.dataSource.query(`SELECT status, reason FROM file_versions WHERE id = $1`, [rewritten.id])).toEqual([{ status: 'failed', reason: foreign }]);
    await closeRun(db.dataSource, run3.id, { status: 'succeeded', error: null });

    // Once the stale copy is moved aside, the next run copies the source there: verified, with its ARK.
    const run4 = await runs.save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'transferring' });
    await catalogue.recordDeliveries(run4.id, [outcome(rewritten.id, first.id, h2)], destinations, mint, settle);
    expect(await db.dataSource.query(`SELECT fv.status, fv.sha256, a.ark FROM file_versions fv LEFT JOIN arks a ON a.file_version_id = fv.id WHERE fv.id = $1`, [rewritten.id])).toEqual([
      { status: 'verified', sha256: h2, ark: 'ark:99999/fk4two2' },
    ]);
  });

  it('never sets back the copies of a verified version, whatever bytes they were verified against', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'verified-two-contents', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const [first, second] = (await db.dataSource.query(
      `INSERT INTO storage_locations (name, type, config) VALUES ('verified-first', 'posix', '{"path": "/a"}'), ('verified-second', 'posix', '{"path": "/b"}') RETURNING id`,
    )) as Array<{ id: string }>;
    // Recorded before such copies were refused (a catalogue of older releases): verified, with its ARK.
    const [version] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256) VALUES ($1, 'kept.raw', 3, '2025-03-01T10:00:00Z', 1, 'verified', $2) RETURNING id`,
      [instrument.id, '1'.repeat(64)],
    )) as Array<{ id: string }>;
    await db.dataSource.query(
      `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, source_sha256, destination_sha256, verified_at)
       VALUES ($1, $2, 'kept.raw', 'verified', $4, $4, now()), ($1, $3, 'kept.raw', 'verified', $5, $5, now())`,
      [version.id, first.id, second.id, '1'.repeat(64), '2'.repeat(64)],
    );
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'transferring' });
    await new HarvestCatalogue(db.dataSource).recordDeliveries(run.id, [], [first.id, second.id], () => 'ark:99999/fk4never', {
      enrichment: new Map(),
      postHooks: false,
      delivered: [version.id],
    });
    const statuses = (await db.dataSource.query(`SELECT status FROM file_deliveries WHERE file_version_id = $1`, [version.id])) as Array<{ status: string }>;
    expect(statuses.map((d) => d.status)).toEqual(['verified', 'verified']);
    expect(await db.dataSource.query(`SELECT status FROM file_versions WHERE id = $1`, [version.id])).toEqual([{ status: 'verified' }]);
  });

  it('names where versions have a verified copy at a storage location, which no attempt removes', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'delivered-paths', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const [here, there] = (await db.dataSource.query(
      `INSERT INTO storage_locations (name, type, config) VALUES ('delivered-here', 'posix', '{"path": "/a"}'), ('delivered-there', 'posix', '{"path": "/b"}') RETURNING id`,
    )) as Array<{ id: string }>;
    const [v1, v2] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status) VALUES
         ($1, 'a.raw', 1, '2025-03-01T10:00:00Z', 1, 'verified'), ($1, 'b.raw', 1, '2025-03-01T10:00:00Z', 1, 'failed') RETURNING id`,
      [instrument.id],
    )) as Array<{ id: string }>;
    await db.dataSource.query(
      `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status) VALUES
         ($1, $3, 'x/a.raw', 'verified'), ($1, $4, 'x/other.raw', 'verified'), ($2, $3, 'x/b.raw', 'failed')`,
      [v1.id, v2.id, here.id, there.id],
    );
    const catalogue = new HarvestCatalogue(db.dataSource);
    expect(await catalogue.verifiedCopies(here.id, [v1.id, v2.id])).toEqual(new Set(['x/a.raw']));
    expect(await catalogue.verifiedCopies(there.id, [v2.id])).toEqual(new Set());
  });

  it('takes the verified versions whose post-hooks never ran, listed or not, only while the instrument has post-hooks', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'post-hooks-owed', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const mtime = '2025-03-01T10:00:00Z';
    // Verified by a run that ended before their post-hooks: 'owed' still listed, 'gone' not;
    // 'done' went through them.
    await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, post_hooks_done, verified_at)
       VALUES ($1, 'owed', 1, $2, 1, 'verified', false, now()), ($1, 'gone', 1, $2, 1, 'verified', false, now()),
              ($1, 'done', 1, $2, 1, 'verified', true, now())`,
      [instrument.id, mtime],
    );
    const catalogue = new HarvestCatalogue(db.dataSource);
    const planned = async () => {
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      const listing = await catalogue.openListing(run.id);
      try {
        await listing.stage(['owed', 'done'].map((Path) => ({ Path, Size: 1, ModTime: mtime, IsDir: false })));
        await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 });
      } finally {
        await listing.close();
      }
      await closeRun(db.dataSource, run.id, { status: 'cancelled', error: null });
      const taken: Array<{ path: string }> = await db.dataSource.query(
        `SELECT fv.path FROM harvest_items hi JOIN file_versions fv ON fv.id = hi.file_version_id WHERE hi.run_id = $1 ORDER BY fv.path`,
        [run.id],
      );
      return taken.map((t) => t.path);
    };

    expect(await planned()).toEqual([]);
    const hook = await db.dataSource
      .getRepository(HookEntity)
      .save({ name: 'notify', phase: 'post', kind: 'metadata', config: { rules: [] }, instrumentId: instrument.id, enabled: true });
    expect(await planned()).toEqual(['gone', 'owed']);
    // 'gone' was held by a post-hook: it says so while the instrument has post-hooks to run again.
    const held = 'held by a post-hook: command sh exited with code 3; the next run runs the post-hooks again';
    await db.dataSource.query(`UPDATE file_versions SET reason = $2 WHERE instrument_id = $1 AND path = 'gone'`, [instrument.id, held]);
    const reasonOfGone = async () =>
      ((await db.dataSource.query(`SELECT reason FROM file_versions WHERE instrument_id = $1 AND path = 'gone'`, [instrument.id])) as Array<{ reason: string | null }>)[0].reason;
    expect(await planned()).toEqual(['gone', 'owed']);
    expect(await reasonOfGone()).toBe(held);
    await db.dataSource.getRepository(HookEntity).update(hook.id, { enabled: false });
    expect(await planned()).toEqual([]);
    expect(await reasonOfGone()).toBeNull();
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

    expect(await catalogue.startBatch(run.id, 0, 'worker-1')).toBe('started');
    const first = await catalogue.finishBatch(run.id, 0);
    const second = await catalogue.finishBatch(run.id, 0);
    expect(second).toEqual(first);
    const row = await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id });
    expect(row).toMatchObject({ batchesDone: 1, filesDeferred: '1' });
    expect(await catalogue.startBatch(run.id, 0, 'worker-2')).toBe('done');
    expect(await db.dataSource.getRepository(HarvestBatchEntity).findOneByOrFail({ runId: run.id, batchNo: 0 })).toMatchObject({ status: 'done', attempts: 1 });

    // Closing a run that is already closed changes nothing, and says so.
    expect(await closeRun(db.dataSource, run.id, { status: 'succeeded', error: null })).toBe(true);
    expect(await closeRun(db.dataSource, run.id, { status: 'failed', error: 'late' })).toBe(false);
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({ status: 'succeeded', error: null });
    // Nor does a batch start in it once it has ended (a late attempt, or its workflow reset).
    await db.dataSource.getRepository(HarvestBatchEntity).update({ runId: run.id, batchNo: 0 }, { status: 'pending' });
    expect(await catalogue.startBatch(run.id, 0, 'worker-3')).toBe('run ended');
    expect(await db.dataSource.getRepository(HarvestBatchEntity).findOneByOrFail({ runId: run.id, batchNo: 0 })).toMatchObject({ status: 'pending', attempts: 1 });
  });
  it('marks a destination backfilled after a run that searched it, unless it was removed and added again while the run was copying', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'backfill-marks', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 0 });
    const [storage] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ('backfill-marks', 'posix', '{"path": "/tmp"}') RETURNING id`)) as Array<{
      id: string;
    }>;
    const link = () => db.dataSource.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2)`, [instrument.id, storage.id]);
    await link();
    const catalogue = new HarvestCatalogue(db.dataSource);
    // A run that searches the new destination, through planning (an empty listing: no batches).
    const plannedRun = async () => {
      const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
      await db.dataSource.query(`UPDATE harvest_runs SET started_at = now() WHERE id = $1`, [run.id]);
      const listing = await catalogue.openListing(run.id);
      try {
        expect(await listing.plan(instrument.id, 0, { maxFiles: 10, maxBytes: 1024 })).toMatchObject({ batches: 0 });
      } finally {
        await listing.close();
      }
      return run.id;
    };
    const marked = async () =>
      ((await db.dataSource.query(`SELECT backfilled_at FROM instrument_destinations WHERE instrument_id = $1`, [instrument.id])) as Array<{ backfilled_at: Date | null }>)[0]
        .backfilled_at !== null;

    // Removed and added again while the first run copied: its batches of the gap went without it.
    const first = await plannedRun();
    await db.dataSource.query(`DELETE FROM instrument_destinations WHERE instrument_id = $1`, [instrument.id]);
    await link();
    await catalogue.markBackfilled(first);
    expect(await marked()).toBe(false);

    const second = await plannedRun();
    await catalogue.markBackfilled(second);
    expect(await marked()).toBe(true);
  });
  it('counts the new files modified in the future (a clock ahead) among the deferred, with the latest time', async () => {
    const instrument = await db.dataSource
      .getRepository(InstrumentEntity)
      .save({ name: 'clock-ahead', sourceType: 'local', sourceConfig: { path: '/nowhere' }, minAgeSeconds: 60 });
    const run = await db.dataSource.getRepository(HarvestRunEntity).save({ instrumentId: instrument.id, trigger: 'api', status: 'running', phase: 'discovering' });
    const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
    const catalogue = new HarvestCatalogue(db.dataSource);
    const listing = await catalogue.openListing(run.id);
    try {
      await listing.stage([
        { Path: 'old.raw', Size: 1, ModTime: '2025-03-01T10:00:00Z', IsDir: false },
        // Written just now: young, not in the future.
        { Path: 'young.raw', Size: 1, ModTime: inHours(0), IsDir: false },
        { Path: 'ahead-1.raw', Size: 1, ModTime: inHours(2), IsDir: false },
        { Path: 'ahead-2.raw', Size: 1, ModTime: '2031-06-01T00:00:00Z', IsDir: false },
      ]);
      expect(await listing.plan(instrument.id, 60, { maxFiles: 10, maxBytes: 1024 })).toMatchObject({ files: 1, deferred: 3 });
    } finally {
      await listing.close();
    }
    expect(await db.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: run.id })).toMatchObject({
      filesDeferred: '3',
      filesFuture: '2',
      futureMtimeLatest: new Date('2031-06-01T00:00:00Z'),
    });
  });
});

