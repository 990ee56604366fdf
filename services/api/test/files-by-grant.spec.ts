import type { NestExpressApplication } from '@nestjs/platform-express';
import { noidCheckChar } from '@sheaf/ark';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import type { FileRow, TransferRow } from '../src/files/files.service';
import { as, createCaller, createInstrumentRow, type Caller } from './fixtures';

/**
 * A user's file list is read per granted instrument and per access-hook name (not through one OR),
 * and the transfer list of a user or of one instrument from the newest attempts only as far as
 * they should hold the page, else from the file versions: every page and total must stay exactly
 * what the plain rule gives. Here the plain rule is written out once more, as SQL over the whole
 * catalogue (every visible row, filtered and ordered, then sliced), and compared with the API's
 * pages across users, sorts, filters and offsets, on a catalogue whose instruments interleave in
 * time, whose timestamps tie (so id must break ties), whose access-hook names overlap granted
 * instruments and differ in case, and with a deleted instrument that is still granted.
 */
describe('file and transfer lists of users read by grant', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  /** Group "optics" (granted i0, i1 and the deleted i5; member of project "atlas", granted i2) and project "beam" directly. */
  let reader: Caller;
  /** Group "genomics", granted nothing: sees only what the access hook named it. */
  let namedOnly: Caller;
  /** In no group or project. */
  let stranger: Caller;
  let instruments: string[];
  /** What each caller's scope is, written out: null for all. */
  const scopes = new Map<Caller, { instrumentIds: string[]; groups: string[]; projects: string[] } | null>();
  let someArks: string[];
  let someSha: string;
  let runs: string[];
  let locations: string[];
  let someVersions: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    reader = await createCaller(app, db.dataSource, 'reader@example.org', 'user');
    namedOnly = await createCaller(app, db.dataSource, 'named@example.org', 'user');
    stranger = await createCaller(app, db.dataSource, 'stranger@example.org', 'user');
    const a = as(app, admin);
    const optics = (await a.post('/api/groups', { name: 'Optics' }).expect(201)).body.id as string;
    const genomics = (await a.post('/api/groups', { name: 'genomics' }).expect(201)).body.id as string;
    const atlas = (await a.post('/api/projects', { name: 'atlas' }).expect(201)).body.id as string;
    const beam = (await a.post('/api/projects', { name: 'Beam' }).expect(201)).body.id as string;
    await a.put(`/api/groups/${optics}/members/${reader.id}`).expect(200);
    await a.put(`/api/groups/${genomics}/members/${namedOnly.id}`).expect(200);
    await a.put(`/api/projects/${atlas}/members/groups/${optics}`).expect(200);
    await a.put(`/api/projects/${beam}/members/users/${reader.id}`).expect(200);
    instruments = [];
    for (let i = 0; i < 6; i++) instruments.push((await createInstrumentRow(db.dataSource, `grant-${i}`)).id);
    const [i0, i1, i2, , , i5] = instruments;
    for (const i of [i0, i1, i5]) await a.put(`/api/instruments/${i}/grants/groups/${optics}`).expect(200);
    await a.put(`/api/instruments/${i2}/grants/projects/${atlas}`).expect(200);
    // Deleted, yet its files stay in the catalogue and its grant still counts (as before).
    await db.dataSource.query(`UPDATE instruments SET deleted_at = now() WHERE id = $1`, [i5]);
    scopes.set(admin, null);
    scopes.set(reader, { instrumentIds: [i0, i1, i2, i5], groups: ['optics'], projects: ['atlas', 'beam'] });
    scopes.set(namedOnly, { instrumentIds: [], groups: ['genomics'], projects: [] });
    scopes.set(stranger, { instrumentIds: [], groups: [], projects: [] });

    // 1,800 versions: i0 30 %, i1 20 %, i2 10 % (the oldest only), i3 20 %, i4 10 %, i5 10 %; four
    // share each creation minute and three each mtime; paths repeat (versions), in mixed case.
    await db.dataSource.query(
      `WITH src AS (
         SELECT n, ($1::uuid[])[CASE WHEN n % 10 < 3 THEN 1 WHEN n % 10 < 5 THEN 2 WHEN n % 10 = 5 THEN 3 WHEN n % 10 < 8 THEN 4 WHEN n % 10 = 8 THEN 5 ELSE 6 END] AS instrument_id,
                format('%s/run-%s/%s%s.tif', (ARRAY['dir1', 'Dir1', 'dir_2', 'dir 3', 'data'])[1 + n % 5], n % 9, (ARRAY['File', 'file', 'img_', 'IMG-'])[1 + n % 4], n % 150) AS path,
                CASE n % 13 WHEN 0 THEN 'failed' WHEN 1 THEN 'held' WHEN 2 THEN 'pending' WHEN 3 THEN 'skipped' ELSE 'verified' END AS status
           FROM generate_series(1, 1800) n
       )
       INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256, metadata, access, verified_at, created_at)
       SELECT instrument_id, path, n, timestamptz '2024-06-01' + ((n * 53) % 600) * interval '1 hour',
              row_number() OVER (PARTITION BY instrument_id, path ORDER BY n), status,
              CASE WHEN status IN ('verified', 'failed') THEN encode(sha256(('s' || n % 500)::bytea), 'hex') END,
              CASE n % 4 WHEN 0 THEN jsonb_build_object('sample', 'S' || n % 5) WHEN 1 THEN jsonb_build_object('sample', 'S1', 'operator', 'op' || n % 3) ELSE '{}' END,
              CASE WHEN n % 17 = 0 THEN '{"groups": ["OPTICS"], "projects": []}'
                   WHEN n % 19 = 0 THEN '{"groups": [], "projects": ["Beam"]}'
                   WHEN n % 23 = 0 THEN '{"groups": ["genomics"], "projects": ["ATLAS"]}'
                   WHEN n % 29 = 0 THEN '{"groups": ["Genomics", "other"], "projects": []}'
                   ELSE '{"groups": [], "projects": []}' END::jsonb,
              CASE WHEN status = 'verified' THEN timestamptz '2025-01-01' + ((n * 37) % 1800 / 4) * interval '1 minute' + interval '30 seconds' END,
              CASE WHEN instrument_id = ($1::uuid[])[3] THEN timestamptz '2024-01-01' ELSE timestamptz '2025-01-01' END + ((n * 37) % 1800 / 4) * interval '1 minute'
         FROM src`,
      [instruments],
    );
    // ARKs with a valid check character (the files list refuses a filter by any other).
    const arked = (await db.dataSource.query(`SELECT id, size FROM file_versions WHERE status = 'verified' AND size % 3 = 0`)) as Array<{ id: string; size: string }>;
    await db.dataSource.query(`INSERT INTO arks (ark, file_version_id) SELECT * FROM unnest($1::text[], $2::uuid[])`, [
      arked.map((r) => `ark:99999/fk4t${r.size}${noidCheckChar(`99999/fk4t${r.size}`)}`),
      arked.map((r) => r.id),
    ]);
    someArks = ((await db.dataSource.query(`SELECT ark FROM arks ORDER BY ark LIMIT 40`)) as Array<{ ark: string }>).map((r) => r.ark);
    someSha = ((await db.dataSource.query(`SELECT sha256 FROM file_versions WHERE sha256 IS NOT NULL ORDER BY size LIMIT 1`)) as Array<{ sha256: string }>)[0].sha256;

    // Copy attempts: 1 to 3 per verified or failed version (the last one decides), a run of each
    // instrument per attempt number, to two locations (one of them deleted since); ten share each
    // minute, and they come after their version's creation (i2's are the oldest).
    runs = (
      (await db.dataSource.query(
        `INSERT INTO harvest_runs (instrument_id, status, phase, trigger) SELECT i, 'succeeded', 'finished', 'manual' FROM unnest($1::uuid[]) i, generate_series(1, 3) RETURNING id`,
        [instruments],
      )) as Array<{ id: string }>
    ).map((r) => r.id);
    locations = (
      (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ('grant-a', 'posix', '{"path": "/a"}'), ('grant-b', 'posix', '{"path": "/b"}') RETURNING id`)) as Array<{
        id: string;
      }>
    ).map((r) => r.id);
    await db.dataSource.query(
      `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, source_sha256, destination_sha256, status, error, created_at)
       SELECT (SELECT r.id FROM harvest_runs r WHERE r.instrument_id = f.instrument_id ORDER BY r.id OFFSET a - 1 LIMIT 1),
              f.id, ($1::uuid[])[1 + (f.size + a) % 2], a, f.size, 10 * a, f.sha256,
              CASE WHEN a = 1 + f.size % 3 AND f.status = 'verified' THEN f.sha256 END,
              CASE WHEN a = 1 + f.size % 3 AND f.status = 'verified' THEN 'verified' WHEN a % 2 = 0 THEN 'failed' ELSE 'mismatch' END,
              CASE WHEN a = 1 + f.size % 3 AND f.status = 'verified' THEN NULL ELSE 'copy ' || a || ' went wrong' END,
              date_trunc('minute', f.created_at) + ((f.size * 7 + a * 13) % 50 / 10) * interval '1 minute'
         FROM file_versions f, generate_series(1, 3) a
        WHERE f.status IN ('verified', 'failed') AND a <= 1 + f.size % 3`,
      [locations],
    );
    // Then a busy instrument that only the access hook shares (with genomics): 2,000 versions
    // retried ten times each, newer than all of the above but for ten retries of i0's, so that the
    // newest attempts hold all of namedOnly's first pages, a few of the reader's, and none of an old
    // instrument's.
    const busy = (await createInstrumentRow(db.dataSource, 'grant-busy')).id;
    const [busyRun] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, phase, trigger) VALUES ($1, 'running', 'transferring', 'manual') RETURNING id`, [
      busy,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, access, created_at)
       SELECT $1, 'busy/flaky-' || n || '.dat', n, timestamptz '2025-01-31', 1, 'failed', '{"groups": ["GENOMICS"], "projects": []}', timestamptz '2025-01-31'
         FROM generate_series(1, 2000) n`,
      [busy],
    );
    await db.dataSource.query(
      `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, status, error, created_at)
       SELECT $1, f.id, ($2::uuid[])[1 + (a + f.size) % 2], a, 1, 5, CASE WHEN a % 2 = 0 THEN 'mismatch' ELSE 'failed' END, 'share offline',
              timestamptz '2025-02-01' + ((a - 1) * 2000 + f.size) / 2 * interval '1 second'
         FROM file_versions f, generate_series(1, 10) a WHERE f.instrument_id = $3`,
      [busyRun.id, locations, busy],
    );
    await db.dataSource.query(
      `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, status, error, created_at)
       SELECT $1, f.id, $2, 9, f.size, 5, 'failed', 'retried', timestamptz '2025-02-01' + (9990 - row_number() OVER (ORDER BY f.size) * 7) * interval '1 second'
         FROM file_versions f WHERE f.instrument_id = $3 ORDER BY f.size LIMIT 10`,
      [runs[0], locations[1], instruments[0]],
    );
    await db.dataSource.query(`UPDATE storage_locations SET deleted_at = now() WHERE id = $1`, [locations[1]]);
    // As on a catalogue that autovacuum has seen: the transfer page uses the table's row estimate.
    await db.dataSource.query(`ANALYZE transfers`);
    someVersions = ((await db.dataSource.query(`SELECT file_version_id AS id FROM transfers GROUP BY 1 HAVING count(*) = 3 ORDER BY 1 LIMIT 2`)) as Array<{ id: string }>).map((r) => r.id);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  /** The plain visibility rule, for scope parameters $1 (all), $2 (instruments), $3 (groups), $4 (projects). */
  const VISIBLE = `($1::boolean OR f.instrument_id = ANY($2::uuid[])
      OR lower((f.access -> 'groups')::text)::jsonb ?| $3::text[] OR lower((f.access -> 'projects')::text)::jsonb ?| $4::text[])`;

  const scopeParams = (caller: Caller): unknown[] => {
    const scope = scopes.get(caller);
    return scope === null || scope === undefined ? [true, [], [], []] : [false, scope.instrumentIds, scope.groups, scope.projects];
  };

  type FileQuery = Record<string, string>;
  const ORDER: Record<string, string> = {
    newest: 'f.created_at DESC, f.id DESC',
    oldest: 'f.created_at ASC, f.id ASC',
    'acquired-newest': 'f.mtime DESC, f.id DESC',
    'acquired-oldest': 'f.mtime ASC, f.id ASC',
    'verified-newest': 'f.verified_at DESC, f.id DESC',
    'verified-oldest': 'f.verified_at ASC, f.id ASC',
    path: 'f.path ASC, f.id ASC',
  };
  const SORTS = Object.keys(ORDER);

  /** Every file the caller may see that the query's filters keep, in the query's order. */
  async function expectedFiles(caller: Caller, query: FileQuery): Promise<FileRow[]> {
    const params = scopeParams(caller);
    const where = [VISIBLE];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.instrumentId) where.push(`f.instrument_id = ${param(query.instrumentId)}`);
    if (query.path) where.push(`strpos(lower(f.path), lower(${param(query.path)})) > 0`);
    if (query.pathPrefix) where.push(`starts_with(f.path, ${param(query.pathPrefix)})`);
    if (query.name) where.push(`strpos(lower(regexp_replace(f.path, '^.*/', '')), lower(${param(query.name)})) > 0`);
    if (query.ark) where.push(`a.ark = ${param(query.ark)}`);
    if (query.metaKey && query.metaValue !== undefined) where.push(`f.metadata ->> ${param(query.metaKey)} = ${param(query.metaValue)}`);
    else if (query.metaKey) where.push(`jsonb_exists(f.metadata, ${param(query.metaKey)})`);
    if (query.status) where.push(`f.status = ${param(query.status)}`);
    if (query.sha256) where.push(`f.sha256 = lower(${param(query.sha256)})`);
    if (query.from) where.push(`f.mtime >= ${param(query.from)}::timestamptz`);
    if (query.to) where.push(`f.mtime < ${param(query.to)}::timestamptz`);
    if (query.sort?.startsWith('verified-')) where.push('f.verified_at IS NOT NULL');
    if (query.verifiedFrom) where.push(`f.verified_at >= ${param(query.verifiedFrom)}::timestamptz`);
    if (query.verifiedTo) where.push(`f.verified_at < ${param(query.verifiedTo)}::timestamptz`);
    return (await db.dataSource.query(
      `SELECT f.id, f.instrument_id, i.name AS instrument_name, f.path, f.size, f.mtime, f.version, f.status, f.sha256, a.ark, f.metadata, f.verified_at, f.created_at
         FROM file_versions f JOIN instruments i ON i.id = f.instrument_id LEFT JOIN arks a ON a.file_version_id = f.id
        WHERE ${where.join(' AND ')} ORDER BY ${ORDER[query.sort ?? 'newest']}`,
      params,
    )) as FileRow[];
  }

  const fileJson = (r: FileRow) => ({
    id: r.id,
    instrumentId: r.instrument_id,
    instrumentName: r.instrument_name,
    path: r.path,
    name: r.path.slice(r.path.lastIndexOf('/') + 1),
    size: Number(r.size),
    mtime: r.mtime.toISOString(),
    version: r.version,
    status: r.status,
    sha256: r.sha256,
    ark: r.ark,
    metadata: r.metadata,
    verifiedAt: r.verified_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  });

  const PAGES = [
    { limit: 50, offset: 0 },
    { limit: 7, offset: 61 },
    { limit: 200, offset: 190 },
  ];

  const fileFilters = (): Array<[string, FileQuery]> => {
    const [i0, , i2, i3, i4, i5] = instruments;
    return [
      ['no filter', {}],
      ['a granted instrument', { instrumentId: i0 }],
      ['the oldest granted instrument', { instrumentId: i2 }],
      ['the deleted instrument', { instrumentId: i5 }],
      ['an instrument seen only through names', { instrumentId: i3 }],
      ['an instrument named for genomics', { instrumentId: i4 }],
      ['status failed', { status: 'failed' }],
      ['status verified', { status: 'verified' }],
      ['metadata key', { metaKey: 'operator' }],
      ['metadata key and value', { metaKey: 'sample', metaValue: 'S1' }],
      ['instrument, status and metadata', { instrumentId: i0, status: 'verified', metaKey: 'sample' }],
      ['an ARK', { ark: someArks[3] }],
      ['another ARK', { ark: someArks[17] }],
      ['name', { name: 'img_1' }],
      ['path part', { path: 'DIR1/run-3' }],
      ['path prefix', { pathPrefix: 'dir1/' }],
      ['sha256', { sha256: someSha.toUpperCase() }],
      ['modified between', { from: '2024-06-05T00:00:00Z', to: '2024-06-20T00:00:00Z' }],
      // Four versions share each verification minute: the bounds fall between and on them.
      ['verified since', { verifiedFrom: '2025-01-01T03:00:30Z' }],
      ['verified between', { verifiedFrom: '2025-01-01T01:00:00Z', verifiedTo: '2025-01-01T05:00:30Z' }],
      ['verified since, one instrument', { instrumentId: i0, verifiedFrom: '2025-01-01T06:00:00Z' }],
    ];
  };

  it.each(SORTS)('pages and totals of files by %s are the plain rule for every caller and filter', async (sort) => {
    expect(someArks.length).toBe(40);
    for (const caller of [reader, namedOnly, stranger, admin]) {
      for (const [label, filter] of fileFilters()) {
        const all = await expectedFiles(caller, { ...filter, sort });
        for (const page of PAGES) {
          const res = await as(app, caller)
            .get('/api/files')
            .query({ ...filter, sort, ...page })
            .expect(200);
          const context = `${caller.email} ${label} ${JSON.stringify(page)}`;
          expect({ context, total: res.body.total }).toEqual({ context, total: all.length });
          expect({ context, items: res.body.items }).toEqual({ context, items: all.slice(page.offset, page.offset + page.limit).map(fileJson) });
        }
      }
    }
  });

  it('walks every page of the reader’s files in each order once, each visible version exactly once', async () => {
    const expected = await expectedFiles(reader, {});
    expect(expected.length).toBeGreaterThan(1000);
    // Access-hook names reach into granted instruments too: such a version is listed once.
    const [overlap] = (await db.dataSource.query(`SELECT count(*)::int AS n FROM file_versions WHERE instrument_id = $1 AND access -> 'groups' ? 'OPTICS'`, [instruments[0]])) as Array<{ n: number }>;
    expect(overlap.n).toBeGreaterThan(0);
    for (const sort of SORTS) {
      const seen: string[] = [];
      for (let offset = 0; offset < expected.length + 100; offset += 100) {
        const res = await as(app, reader).get('/api/files').query({ sort, limit: 100, offset }).expect(200);
        seen.push(...(res.body.items as Array<{ id: string }>).map((i) => i.id));
      }
      expect(seen).toEqual((await expectedFiles(reader, { sort })).map((r) => r.id));
    }
  });

  /** Every attempt on a file the caller may see that the query's filters keep, newest first. */
  async function expectedTransfers(caller: Caller, query: Record<string, string>): Promise<TransferRow[]> {
    const params = scopeParams(caller);
    const where = [VISIBLE];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.runId) where.push(`t.run_id = ${param(query.runId)}`);
    if (query.fileVersionId) where.push(`t.file_version_id = ${param(query.fileVersionId)}`);
    if (query.instrumentId) where.push(`f.instrument_id = ${param(query.instrumentId)}`);
    if (query.storageLocationId) where.push(`t.storage_location_id = ${param(query.storageLocationId)}`);
    if (query.status) where.push(`t.status = ${param(query.status)}`);
    if (query.from) where.push(`t.created_at >= ${param(query.from)}::timestamptz`);
    if (query.to) where.push(`t.created_at < ${param(query.to)}::timestamptz`);
    return (await db.dataSource.query(
      `SELECT t.id, t.run_id, t.file_version_id, f.path, f.instrument_id, t.storage_location_id, s.name AS storage_location_name, t.attempt, t.bytes,
              t.duration_ms, t.source_sha256, t.destination_sha256, t.status, t.error, t.created_at
         FROM transfers t JOIN file_versions f ON f.id = t.file_version_id JOIN storage_locations s ON s.id = t.storage_location_id
        WHERE ${where.join(' AND ')} ORDER BY t.created_at DESC, t.id DESC`,
      params,
    )) as TransferRow[];
  }

  const transferJson = (r: TransferRow) => ({
    id: r.id,
    runId: r.run_id,
    fileVersionId: r.file_version_id,
    path: r.path,
    instrumentId: r.instrument_id,
    storageLocationId: r.storage_location_id,
    storageLocationName: r.storage_location_name,
    attempt: r.attempt,
    bytes: Number(r.bytes),
    durationMs: r.duration_ms,
    sourceSha256: r.source_sha256,
    destinationSha256: r.destination_sha256,
    status: r.status,
    error: r.error,
    createdAt: r.created_at.toISOString(),
  });

  it('gives the plain rule’s pages and totals of transfers for every caller and filter', async () => {
    const [i0, i1, i2, i3, i4, i5] = instruments;
    const filters: Array<[string, Record<string, string>]> = [
      ['no filter', {}],
      ['a granted instrument', { instrumentId: i0 }],
      ['another granted instrument', { instrumentId: i1 }],
      ['the oldest granted instrument', { instrumentId: i2 }],
      ['the deleted instrument', { instrumentId: i5 }],
      ['an instrument seen only through names', { instrumentId: i3 }],
      ['an instrument named for genomics', { instrumentId: i4 }],
      ['status mismatch', { status: 'mismatch' }],
      ['the deleted location', { storageLocationId: locations[1] }],
      ['an instrument, a location and a status', { instrumentId: i0, storageLocationId: locations[0], status: 'failed' }],
      ['an old instrument and a status', { instrumentId: i2, status: 'verified' }],
      ['a run', { runId: runs[1] }],
      ['a version', { fileVersionId: someVersions[0] }],
      ['made between', { from: '2025-01-01T10:00:00Z', to: '2025-01-01T20:00:00Z' }],
      ['made between, in an instrument', { instrumentId: i1, from: '2025-01-01T02:00:00Z', to: '2025-01-02T00:00:00Z' }],
      ['made before 2025', { to: '2025-01-01T00:00:00Z' }],
      ['made in the busy hours', { from: '2025-02-01T00:30:00Z', to: '2025-02-01T02:00:00Z' }],
    ];
    const pages = [...PAGES, { limit: 50, offset: 1000 }];
    for (const caller of [reader, namedOnly, stranger, admin]) {
      for (const [label, filter] of filters) {
        const all = await expectedTransfers(caller, filter);
        for (const page of pages) {
          const res = await as(app, caller)
            .get('/api/transfers')
            .query({ ...filter, ...page })
            .expect(200);
          const context = `${caller.email} ${label} ${JSON.stringify(page)}`;
          expect({ context, total: res.body.total }).toEqual({ context, total: all.length });
          expect({ context, items: res.body.items }).toEqual({ context, items: all.slice(page.offset, page.offset + page.limit).map(transferJson) });
        }
      }
    }
  });

  it('walks every page of the reader’s transfers and of one old instrument’s once, each attempt exactly once', async () => {
    for (const [caller, filter] of [
      [reader, {}],
      [reader, { instrumentId: instruments[2] }],
      [admin, { instrumentId: instruments[2] }],
      [admin, { instrumentId: instruments[3] }],
    ] as Array<[Caller, Record<string, string>]>) {
      const expected = (await expectedTransfers(caller, filter)).map((t) => t.id);
      expect(expected.length).toBeGreaterThan(100);
      const seen: string[] = [];
      for (let offset = 0; offset < expected.length + 30; offset += 30) {
        const res = await as(app, caller)
          .get('/api/transfers')
          .query({ ...filter, limit: 30, offset })
          .expect(200);
        seen.push(...(res.body.items as Array<{ id: string }>).map((i) => i.id));
      }
      expect(seen).toEqual(expected);
    }
  });

  it("lists the newest 100 versions of a file's path that the caller may see, with their ARKs", async () => {
    const [i0, , , i3] = instruments;
    // A log rewritten 230 times in a granted instrument (every third version also named for genomics),
    // and one in an instrument the reader sees only the odd versions of, through the hook.
    await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, access, created_at)
       SELECT $1::uuid, 'logs/granted.log', v, timestamptz '2025-03-01' + v * interval '1 hour', v, 'verified',
              CASE WHEN v % 3 = 0 THEN '{"groups": ["Genomics"], "projects": []}' ELSE '{"groups": [], "projects": []}' END::jsonb, timestamptz '2025-03-01' + v * interval '1 hour'
         FROM generate_series(1, 230) v
       UNION ALL
       SELECT $2::uuid, 'logs/shared.log', v, timestamptz '2025-03-01' + v * interval '1 hour', v, 'verified',
              CASE WHEN v % 2 = 1 THEN '{"groups": ["optics"], "projects": []}' ELSE '{"groups": [], "projects": []}' END::jsonb, timestamptz '2025-03-01' + v * interval '1 hour'
         FROM generate_series(1, 230) v`,
      [i0, i3],
    );
    await db.dataSource.query(
      `INSERT INTO arks (ark, file_version_id) SELECT 'ark:99999/fk4log' || f.instrument_id::text || f.version, f.id FROM file_versions f WHERE f.path LIKE 'logs/%' AND f.version % 4 <> 1`,
    );
    const cases: Array<[Caller, string, string]> = [
      [reader, i0, 'logs/granted.log'],
      [namedOnly, i0, 'logs/granted.log'],
      [admin, i0, 'logs/granted.log'],
      [reader, i3, 'logs/shared.log'],
      [admin, i3, 'logs/shared.log'],
    ];
    for (const [caller, instrumentId, path] of cases) {
      const visible = (await db.dataSource.query(
        `SELECT f.id, f.version, f.size, f.mtime, f.status, f.sha256, a.ark, f.created_at
           FROM file_versions f LEFT JOIN arks a ON a.file_version_id = f.id
          WHERE f.instrument_id = $5 AND f.path = $6 AND ${VISIBLE} ORDER BY f.version DESC`,
        [...scopeParams(caller), instrumentId, path],
      )) as Array<{ id: string; version: number; size: string; mtime: Date; status: string; sha256: string | null; ark: string | null; created_at: Date }>;
      expect(visible.length).toBeGreaterThan(50);
      const body = (await as(app, caller).get(`/api/files/${visible[visible.length - 1].id}`).expect(200)).body as { versions: unknown[]; versionsTruncated: boolean };
      const context = `${caller.email} ${path}`;
      expect({ context, versions: body.versions, truncated: body.versionsTruncated }).toEqual({
        context,
        versions: visible.slice(0, 100).map((v) => ({
          id: v.id,
          version: v.version,
          size: Number(v.size),
          mtime: v.mtime.toISOString(),
          status: v.status,
          sha256: v.sha256,
          ark: v.ark,
          createdAt: v.created_at.toISOString(),
        })),
        truncated: visible.length > 100,
      });
    }
  });
});
