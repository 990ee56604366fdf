import type { NestExpressApplication } from '@nestjs/platform-express';
import { SelectQueryBuilder } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, type Caller } from './fixtures';

describe('notifications', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  /** Member of "operators", which is granted the instrument `seen` (not `unseen`). */
  let operator: Caller;
  let seen: string;
  let unseen: string;

  /** `n` notifications of the instrument, as the failed-run trigger writes them. */
  const notify = async (instrumentId: string, n: number): Promise<string[]> =>
    (
      (await db.dataSource.query(
        `INSERT INTO notifications (kind, instrument_id, message) SELECT 'run_failed', $1, 'Harvest failed: ' || i FROM generate_series(1, $2) i RETURNING id`,
        [instrumentId, n],
      )) as Array<{ id: string }>
    ).map((row) => row.id);
  const unreadCount = async (caller: Caller) => (await as(app, caller).get('/api/notifications/unread-count').expect(200)).body.count as number;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    operator = await createCaller(app, db.dataSource, 'op@example.org', 'user');
    const group = (await as(app, admin).post('/api/groups', { name: 'operators' }).expect(201)).body.id as string;
    await as(app, admin).put(`/api/groups/${group}/members/${operator.id}`).expect(200);
    seen = (await createInstrumentRow(db.dataSource, 'seen')).id;
    unseen = (await createInstrumentRow(db.dataSource, 'unseen')).id;
    await as(app, admin).put(`/api/instruments/${seen}/grants/groups/${group}`).expect(200);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  afterEach(() => jest.restoreAllMocks());

  it('marks every unread notification the caller sees read in the database, without loading them into the API, and counts them', async () => {
    const [read, dismissed] = await notify(seen, 120);
    await notify(unseen, 5);
    await as(app, operator).post(`/api/notifications/${read}/read`).expect(200);
    await as(app, operator).post(`/api/notifications/${dismissed}/dismiss`).expect(200);
    expect(await unreadCount(operator)).toBe(118);
    const rowsRead = [jest.spyOn(SelectQueryBuilder.prototype, 'getRawMany'), jest.spyOn(SelectQueryBuilder.prototype, 'getMany')];

    expect((await as(app, operator).post('/api/notifications/read-all').expect(200)).body).toEqual({ count: 118 });

    for (const spy of rowsRead) expect(spy).not.toHaveBeenCalled();
    expect(await unreadCount(operator)).toBe(0);
    // The dismissed one stays dismissed; the instrument the operator does not see got no receipts.
    expect((await as(app, operator).get('/api/notifications?limit=200').expect(200)).body.total).toBe(119);
    const receipts = (await db.dataSource.query(
      `SELECT count(*)::int AS n FROM notification_receipts r JOIN notifications n ON n.id = r.notification_id WHERE r.user_id = $1 AND n.instrument_id = $2`,
      [operator.id, unseen],
    )) as Array<{ n: number }>;
    expect(receipts[0].n).toBe(0);
    // Receipts are per user: the admin's are all still unread.
    expect(await unreadCount(admin)).toBe(125);
    expect((await as(app, operator).post('/api/notifications/read-all').expect(200)).body).toEqual({ count: 0 });
  });

  /** What a run says of source folders it could not list (describeUnlisted, the worker's harvest activities), here one rclone was refused. */
  const unlisted = '1 folder(s) of the source could not be listed, so their files were not taken (the next run lists them again): raw/locked (error listing: access denied)';

  it.each([
    { kind: 'run_failed', failedBy: 'a source folder it could not read (rclone: access denied)', error: unlisted, filesFailed: 0 },
    { kind: 'verification_failed', failedBy: 'failed files and a source folder it could not read', error: `2 file(s) failed verification or copy; ${unlisted}`, filesFailed: 2 },
    { kind: 'verification_failed', failedBy: 'failed files', error: '2 file(s) failed verification or copy', filesFailed: 2 },
    // rcloneFailure's words (services/worker/src/harvest/batch.ts), for the source's listing and a batch's copies alike.
    { kind: 'credentials_rejected', failedBy: 'the source refusing the login', error: 'the source of instrument seen: credentials rejected: NT_STATUS_LOGON_FAILURE', filesFailed: 0 },
    { kind: 'credentials_rejected', failedBy: 'a destination refusing its keys', error: 'storage location archive: credentials rejected: AccessDenied: Access Denied', filesFailed: 0 },
    { kind: 'run_failed', failedBy: 'a workflow that could not start', error: 'its workflow could not be started: no answer; nothing was harvested', filesFailed: 0 },
  ])('is $kind for a run failed by $failedBy', async ({ kind, error, filesFailed }) => {
    // As the worker closes a run: its batches count failed files, then the run is closed as failed.
    const [run] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger, files_failed) VALUES ($1, 'running', 'manual', $2) RETURNING id`, [
      unseen,
      filesFailed,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'failed', error = $2 WHERE id = $1`, [run.id, error]);
    const notices = (await db.dataSource.query(`SELECT kind FROM notifications WHERE run_id = $1`, [run.id])) as Array<{ kind: string }>;
    expect(notices).toEqual([{ kind }]);
  });
});
