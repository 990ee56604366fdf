import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { RUN_FAILURES_PAGE } from '../src/harvests/harvests.service';

/**
 * The plans of lists that must not read every row at a million: PostgreSQL's own, on a database
 * large enough (and analyzed) for the planner to choose as it would in production. The queries
 * are those of FilesService.listTransfers (an admin's) and HarvestsService.failuresOf.
 */
describe('list plans', () => {
  let db: TestDatabase;
  let runId: string;
  let rareLocation: string;
  const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params) as Promise<Array<Record<string, unknown>>>;
  const plan = async (sql: string, params: unknown[]) => (await q(`EXPLAIN (COSTS OFF) ${sql}`, params)).map((r) => r['QUERY PLAN']).join('\n');

  beforeAll(async () => {
    db = await createTestDatabase();
    const [instrument] = await q(`INSERT INTO instruments (name, source_type, source_config) VALUES ('krios', 'local', '{"path": "/tmp"}') RETURNING id`);
    const locations = await q(`INSERT INTO storage_locations (name, type, config) SELECT 'store-' || g, 'posix', '{"path": "/tmp"}' FROM generate_series(1, 3) g RETURNING id`);
    rareLocation = locations[2].id as string;
    [{ id: runId }] = (await q(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger, workflow_id) VALUES ($1, 'failed', 'finished', 'manual', 'w') RETURNING id`, [instrument.id])) as Array<{
      id: string;
    }>;
    await q(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status) SELECT $1, 'f/' || g, 1, now(), 1, 'failed' FROM generate_series(1, 20000) g`,
      [instrument.id],
    );
    // 40,000 attempts: 1 in 500 a mismatch, 1 in 100 failed, 1 in 200 to the third location.
    await q(
      `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, status, created_at)
       SELECT $1, f.id, CASE WHEN n % 200 = 0 THEN $4::uuid WHEN n % 2 = 0 THEN $2::uuid ELSE $3::uuid END, 1, 1, 1,
              CASE WHEN n % 500 = 7 THEN 'mismatch' WHEN n % 100 = 3 THEN 'failed' ELSE 'verified' END, now() - n * interval '1 minute'
         FROM (SELECT id, row_number() OVER () AS n FROM file_versions CROSS JOIN generate_series(1, 2)) f`,
      [runId, locations[0].id, locations[1].id, rareLocation],
    );
    await q(`INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason) SELECT $1, id, (row_number() OVER ())::int / 1000, 'failed', 'why' FROM file_versions`, [runId]);
    await q(`ANALYZE transfers`);
    await q(`ANALYZE harvest_items`);
    // Four in five verified, a second apart; the rest not yet.
    await q(`UPDATE file_versions f SET verified_at = timestamptz '2026-01-01' + n.n * interval '1 second'
               FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM file_versions) n WHERE n.id = f.id AND n.n % 5 <> 0`);
    await q(`ANALYZE file_versions`);
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
  });

  const transfers = (where: string) =>
    `SELECT t.id, f.path, s.name, t.status FROM transfers t
       JOIN file_versions f ON f.id = t.file_version_id JOIN storage_locations s ON s.id = t.storage_location_id
      WHERE ${where} ORDER BY t.created_at DESC, t.id DESC LIMIT 50 OFFSET 0`;
  const counted = (where: string) =>
    `SELECT count(*) FROM transfers t JOIN file_versions f ON f.id = t.file_version_id JOIN storage_locations s ON s.id = t.storage_location_id WHERE ${where}`;

  it.each(['mismatch', 'failed'])('reads the attempts of status %s newest first from their own index, page and total, not every attempt', async (status) => {
    expect(await plan(transfers('t.status = $1'), [status])).toMatch(/Index Scan using transfers_unverified_recent on transfers t\s+Index Cond: \(status = /);
    expect(await plan(counted('t.status = $1'), [status])).toContain('transfers_unverified_recent');
  });

  it("reads a rarely used storage location's attempts newest first from their own index, page and total", async () => {
    expect(await plan(transfers('t.storage_location_id = $1'), [rareLocation])).toMatch(/Index Scan using transfers_location_recent on transfers t\s+Index Cond: \(storage_location_id = /);
    expect(await plan(counted('t.storage_location_id = $1'), [rareLocation])).toContain('transfers_location_recent');
  });

  // The shape of FilesService.search's query for an admin (or a user's with a global filter).
  it.each([
    ['verified-oldest from a time', 'f.verified_at IS NOT NULL AND f.verified_at >= $1', 'f.verified_at ASC, f.id ASC', ['2026-01-01T03:00:00Z']],
    ['verified-newest', 'f.verified_at IS NOT NULL', 'f.verified_at DESC, f.id DESC', []],
  ])("reads a page of files by verification time (%s) from the verified versions' index, sorting nothing", async (_label, where, order, params) => {
    const page = await plan(
      `SELECT f.id, i.name, a.ark FROM file_versions f JOIN instruments i ON i.id = f.instrument_id LEFT JOIN arks a ON a.file_version_id = f.id
        WHERE ${where} ORDER BY ${order} LIMIT 50 OFFSET 100`,
      params,
    );
    expect(page).toMatch(/Index Scan (Backward )?using file_versions_verified on file_versions f/);
    expect(page).not.toMatch(/Sort/);
  });

  it("pages a run's failures in the index's order, without sorting them all", async () => {
    const failures = await plan(RUN_FAILURES_PAGE, [runId, null, 50, 10_000]);
    expect(failures).toContain('Index Scan using harvest_items_outcome_order on harvest_items');
    expect(failures).not.toMatch(/Sort/);
  });
});
