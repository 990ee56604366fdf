import { assertSchemaCurrent, MIGRATIONS, UserEntity } from '@sheaf/db';
import { createTestDatabase, type TestDatabase } from './database';

// Here rather than in libs/db: db's tests importing the harness would make a dependency cycle.
describe('a test database carries the real migrations and their constraints', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params) as Promise<Array<Record<string, string>>>;
  /** Undoes the migrations back to just before the one named, to set up data as it was then. */
  async function undoDownTo(name: string): Promise<void> {
    const added = MIGRATIONS.findIndex((migration) => migration.name === name);
    expect(added).toBeGreaterThan(0);
    for (let i = MIGRATIONS.length; i > added; i--) await db.dataSource.undoLastMigration();
  }

  /** An instrument delivering to two POSIX storage locations, `<prefix>-a` and `<prefix>-b`. */
  async function instrumentWithTwoDestinations(name: string, prefix: string) {
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ($1, 'local', '{"path": "/tmp"}') RETURNING id`, [name]);
    const location = async (suffix: string) =>
      (await q(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id`, [`${prefix}-${suffix}`]))[0];
    const [a, b] = [await location('a'), await location('b')];
    await q(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2), ($1, $3)`, [instrument.id, a.id, b.id]);
    return { instrument, a, b };
  }

  it('creates the catalogue tables', async () => {
    const rows: Array<{ table_name: string }> = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['harvest_runs', 'instrument_destinations', 'instruments', 'migrations', 'storage_locations', 'users']),
    );
    expect(await db.dataSource.showMigrations()).toBe(false);
  });

  it('keeps emails unique among live users, and frees an email when its user is deleted', async () => {
    const users = db.dataSource.getRepository(UserEntity);
    const row = { email: 'ada@example.org', displayName: 'Ada', role: 'user' as const, passwordHash: 'x' };
    const first = await users.save(users.create(row));
    await expect(users.insert(row)).rejects.toThrow(/users_email_live/);
    await users.softDelete({ id: first.id });
    await expect(users.insert(row)).resolves.toBeDefined();
  });

  it('refuses an upper-case email and an unknown role at the database, not only in the API', async () => {
    const users = db.dataSource.getRepository(UserEntity);
    await expect(users.insert({ email: 'Bob@Example.org', displayName: 'Bob', role: 'user', passwordHash: 'x' })).rejects.toThrow(
      /check constraint/,
    );
    await expect(
      users.insert({ email: 'bob@example.org', displayName: 'Bob', role: 'root' as never, passwordHash: 'x' }),
    ).rejects.toThrow(/check constraint/);
  });

  it('gives runs planned before per-destination totals the run\'s own total, as they were shown', async () => {
    await undoDownTo('RunDestinationTotals1732440000000');
    const { instrument, a } = await instrumentWithTwoDestinations('old-runs', 'old');
    const run = async (filesTotal: number) =>
      (await q(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger, workflow_id, files_total) VALUES ($1, 'succeeded', 'finished', 'manual', $2, $3) RETURNING id`, [
        instrument.id,
        `old-${filesTotal}`,
        filesTotal,
      ]))[0].id;
    const busy = await run(7);
    const quiet = await run(0);
    // The busy run delivered to a (its counters row exists), nothing yet to b.
    await q(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_verified) VALUES ($1, $2, 5)`, [busy, a.id]);
    await db.dataSource.runMigrations();
    const rows = await q(`SELECT run_id, storage_location_id, files_total, files_verified FROM harvest_run_destinations WHERE run_id IN ($1, $2)`, [busy, quiet]);
    const shown = Object.fromEntries(rows.map((r) => [`${r.run_id === busy ? 'busy' : 'quiet'} ${r.storage_location_id === a.id ? 'a' : 'b'}`, `${r.files_verified}/${r.files_total}`]));
    expect(shown).toEqual({ 'busy a': '5/7', 'busy b': '0/7' });
  });

  it('has every destination marked backfilled before searched once more by its next run', async () => {
    await undoDownTo('BackfillOnCompletion1732460000000');
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ('marked', 'local', '{"path": "/tmp"}') RETURNING id`);
    const [storage] = await q(`INSERT INTO storage_locations (name, type, config) VALUES ('marked-a', 'posix', '{"path": "/tmp"}') RETURNING id`);
    await q(`INSERT INTO instrument_destinations (instrument_id, storage_location_id, backfilled_at) VALUES ($1, $2, now())`, [instrument.id, storage.id]);
    await db.dataSource.runMigrations();
    expect(await q(`SELECT backfilled_at FROM instrument_destinations WHERE instrument_id = $1`, [instrument.id])).toEqual([{ backfilled_at: null }]);
  });

  it('gives deliveries that failed before the reason their last attempt gave', async () => {
    await undoDownTo('DeliveryReason1732480000000');
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ('reasons', 'local', '{"path": "/tmp"}') RETURNING id`);
    const [storage] = await q(`INSERT INTO storage_locations (name, type, config) VALUES ('reasons-a', 'posix', '{"path": "/tmp"}') RETURNING id`);
    const [run] = await q(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger) VALUES ($1, 'failed', 'finished', 'manual') RETURNING id`, [instrument.id]);
    const version = async (path: string) =>
      (await q(`INSERT INTO file_versions (instrument_id, path, size, mtime, version, status) VALUES ($1, $2, 1, now(), 1, 'verified') RETURNING id`, [instrument.id, path]))[0].id;
    const [failed, verified] = [await version('a.raw'), await version('b.raw')];
    for (const [id, status] of [[failed, 'failed'], [verified, 'verified']]) {
      await q(`INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status) VALUES ($1, $2, 'x', $3)`, [id, storage.id, status]);
    }
    const attempt = (id: string, n: number, status: string, error: string | null, at: string) =>
      q(`INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, status, error, created_at) VALUES ($1, $2, $3, $4, 0, 1, $5, $6, $7)`, [
        run.id,
        id,
        storage.id,
        n,
        status,
        error,
        at,
      ]);
    await attempt(failed, 1, 'mismatch', 'SHA-256 of the copy differs', '2026-01-01T00:00:00Z');
    await attempt(failed, 2, 'failed', 'a different file already exists at x', '2026-01-01T00:00:01Z');
    await attempt(verified, 1, 'verified', null, '2026-01-01T00:00:00Z');
    await db.dataSource.runMigrations();
    const rows = await q(`SELECT file_version_id, reason FROM file_deliveries WHERE storage_location_id = $1`, [storage.id]);
    expect(Object.fromEntries(rows.map((r) => [r.file_version_id === failed ? 'failed' : 'verified', r.reason]))).toEqual({
      failed: 'a different file already exists at x',
      verified: null,
    });
  });

  it('gives runs recorded before per-run outcomes the failed and held files their page listed', async () => {
    await undoDownTo('ItemOutcomes1732520000000');
    const { instrument, a: first, b: later } = await instrumentWithTwoDestinations('outcomes', 'outcomes');
    const [run] = await q(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger) VALUES ($1, 'failed', 'finished', 'manual') RETURNING id`, [instrument.id]);
    const version = async (path: string, status: string, reason: string | null, postHooksDone = true) => {
      const [row] = await q(
        `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason, post_hooks_done) VALUES ($1, $2, 1, now(), 1, $3, $4, $5) RETURNING id`,
        [instrument.id, path, status, reason, postHooksDone],
      );
      await q(`INSERT INTO harvest_items (run_id, file_version_id, batch_no) VALUES ($1, $2, 0)`, [run.id, row.id]);
      return row.id;
    };
    await version('a.raw', 'failed', 'SHA-256 of the copy differs');
    await version('b.raw', 'held', 'held by a pre-hook: exit 3');
    await version('c.raw', 'verified', 'held by a post-hook: exit 3', false);
    const undelivered = await version('d.raw', 'verified', null);
    await version('e.raw', 'verified', null);
    await version('f.raw', 'skipped', 'excluded by *.raw');
    await q(`INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, reason) VALUES ($1, $2, 'd.raw', 'verified', NULL), ($1, $3, 'd.raw', 'failed', 'disk full')`, [
      undelivered,
      first.id,
      later.id,
    ]);
    await db.dataSource.runMigrations();
    const rows = await q(`SELECT f.path, i.outcome, i.reason FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id WHERE i.run_id = $1 ORDER BY f.path`, [run.id]);
    expect(rows.map((r) => [r.path, r.outcome, r.reason])).toEqual([
      ['a.raw', 'failed', 'SHA-256 of the copy differs'],
      ['b.raw', 'held', 'held by a pre-hook: exit 3'],
      ['c.raw', 'held', 'held by a post-hook: exit 3'],
      ['d.raw', 'failed', 'verified, but not delivered to outcomes-b: disk full; the next run tries again'],
      ['e.raw', null, null],
      ['f.raw', null, null],
    ]);
  });

  it('gives a file still waiting after older runs deferred it the deferral, on the last run that took it', async () => {
    await undoDownTo('DeferredOutcomes1732530000000');
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ('deferrals', 'local', '{"path": "/tmp"}') RETURNING id`);
    const run = async (createdAt: string) =>
      (await q(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger, created_at) VALUES ($1, 'succeeded', 'finished', 'manual', $2) RETURNING id`, [instrument.id, createdAt]))[0].id;
    const [earlier, last] = [await run('2026-01-01T00:00:00Z'), await run('2026-01-02T00:00:00Z')];
    const version = async (path: string, status: string, reason: string | null, runs: string[]) => {
      const [row] = await q(`INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason) VALUES ($1, $2, 1, now(), 1, $3, $4) RETURNING id`, [
        instrument.id,
        path,
        status,
        reason,
      ]);
      for (const runId of runs) await q(`INSERT INTO harvest_items (run_id, file_version_id, batch_no) VALUES ($1, $2, 0)`, [runId, row.id]);
    };
    // Taken by both runs (the first failed it, say), set aside by the last.
    await version('growing.log', 'pending', 'changed while being harvested; taken by a later run', [earlier, last]);
    // Deferred by the earlier run and verified by the last: nothing says it was deferred any more.
    await version('done.raw', 'verified', null, [earlier, last]);
    await db.dataSource.runMigrations();
    const rows = await q(
      `SELECT f.path, i.run_id, i.outcome, i.reason FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id WHERE i.run_id IN ($1, $2) AND i.outcome IS NOT NULL`,
      [earlier, last],
    );
    expect(rows).toEqual([{ path: 'growing.log', run_id: last, outcome: 'deferred', reason: 'changed while being harvested; taken by a later run' }]);
    await expect(q(`UPDATE harvest_items SET outcome = 'lost' WHERE run_id = $1`, [last])).rejects.toThrow(/harvest_items_outcome_check/);
  });

  it('marks every live schedule for a sync, so that Temporal gets the scheduled harvests\' summary and portal link', async () => {
    await undoDownTo('ScheduleSummaries1732540000000');
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ('scheduled', 'local', '{"path": "/tmp"}') RETURNING id`);
    const schedule = async (deleted: boolean) =>
      (
        await q(`INSERT INTO schedules (instrument_id, cron, needs_sync, revision, deleted_at) VALUES ($1, '0 * * * *', false, 3, $2) RETURNING id`, [
          instrument.id,
          deleted ? new Date() : null,
        ])
      )[0].id;
    const [live, deleted] = [await schedule(false), await schedule(true)];
    await db.dataSource.runMigrations();
    const rows = await q(`SELECT id, needs_sync, revision FROM schedules WHERE id IN ($1, $2)`, [live, deleted]);
    expect(new Map(rows.map((r) => [r.id, [r.needs_sync, r.revision]]))).toEqual(
      new Map([
        [live, [true, 4]],
        [deleted, [false, 3]],
      ]),
    );
  });

  it('refuses to serve a schema older than the code, naming the migrations missing, and accepts it once migrated', async () => {
    await expect(assertSchemaCurrent(db.dataSource)).resolves.toBe(db.dataSource);
    await db.dataSource.undoLastMigration();
    const last = MIGRATIONS[MIGRATIONS.length - 1].name;
    await expect(assertSchemaCurrent(db.dataSource)).rejects.toThrow(`1 migration(s) not applied (${last}); run node tools/dist/migrate.js`);
    await db.dataSource.runMigrations();
    await expect(assertSchemaCurrent(db.dataSource)).resolves.toBe(db.dataSource);
    // Nor a newer one: an image rolled back after a later version migrated.
    await db.dataSource.query(`INSERT INTO migrations (timestamp, name) VALUES (1900000000000, 'FromALaterVersion1900000000000')`);
    try {
      await expect(assertSchemaCurrent(db.dataSource)).rejects.toThrow(
        'the database schema is newer than this version of Sheaf: 1 migration(s) applied by a later version (FromALaterVersion1900000000000)',
      );
    } finally {
      await db.dataSource.query(`DELETE FROM migrations WHERE name = 'FromALaterVersion1900000000000'`);
    }
  });

  it('builds the read-side indexes again where an interrupted run of their migration left one invalid', async () => {
    await undoDownTo('ReadSideIndexes1732620000000');
    // As a CREATE INDEX CONCURRENTLY cut short (by the migration tool's lock timeout) leaves it.
    await q(`CREATE INDEX file_versions_sha256 ON file_versions (sha256) WHERE sha256 IS NOT NULL`);
    await q(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'file_versions_sha256'::regclass`);
    await db.dataSource.runMigrations();
    const indexes = await q(
      `SELECT c.relname, i.indisvalid::text AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname IN ('file_versions_sha256', 'transfers_run_recent', 'transfers_run', 'harvest_runs_instrument_created') ORDER BY c.relname`,
    );
    expect(indexes).toEqual([
      { relname: 'file_versions_sha256', valid: 'true' },
      { relname: 'transfers_run_recent', valid: 'true' },
    ]);
  });

  it('reverts every migration and applies them again', async () => {
    for (let i = 0; i < MIGRATIONS.length; i++) await db.dataSource.undoLastMigration();
    const left: Array<{ n: string }> = await db.dataSource.query(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
    );
    expect(Number(left[0].n)).toBe(0);
    await db.dataSource.runMigrations();
    expect(await db.dataSource.showMigrations()).toBe(false);
  });
});
