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

  describe('a run that ends with held files', () => {
    /** A run as the worker keeps it: started running, its batches adding to its counters, then closed. */
    const run = async (instrumentId: string) =>
      ((await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger) VALUES ($1, 'running', 'manual') RETURNING id`, [instrumentId])) as Array<{ id: string }>)[0].id;
    const batch = (id: string, done: number, held: number) =>
      db.dataSource.query(`UPDATE harvest_runs SET files_done = files_done + $2, files_held = files_held + $3, batches_done = batches_done + 1 WHERE id = $1`, [id, done, held]);
    const end = (id: string, status: string, error: string | null = null) =>
      db.dataSource.query(`UPDATE harvest_runs SET status = $2, phase = 'finished', error = $3, finished_at = now() WHERE id = $1`, [id, status, error]);
    const noticesOf = async (id: string) =>
      (await db.dataSource.query(`SELECT kind, message FROM notifications WHERE run_id = $1 ORDER BY kind`, [id])) as Array<{ kind: string; message: string }>;
    const listed = async (caller: Caller, id: string) =>
      ((await as(app, caller).get('/api/notifications?kind=files_held&limit=100').expect(200)).body.items as Array<{ runId: string; kind: string; instrumentName: string; message: string }>).filter(
        (n) => n.runId === id,
      );

    it('is one files_held notification for a run that succeeded with held files, seen by those who see its instrument', async () => {
      const held = await run(seen);
      await batch(held, 3, 2);
      await batch(held, 0, 5);
      await end(held, 'succeeded');
      // Anything more of the run after it ended (its counters touched again) adds none.
      await db.dataSource.query(`UPDATE harvest_runs SET files_held = files_held + 1, updated_at = now() WHERE id = $1`, [held]);
      await db.dataSource.query(`UPDATE harvest_runs SET status = 'succeeded' WHERE id = $1`, [held]);
      expect(await noticesOf(held)).toEqual([{ kind: 'files_held', message: expect.stringMatching(/^Harvest of seen succeeded with 7 file\(s\) held/) }]);
      expect(await listed(operator, held)).toEqual([expect.objectContaining({ kind: 'files_held', instrumentName: 'seen' })]);
      expect(await listed(admin, held)).toHaveLength(1);

      const hidden = await run(unseen);
      await batch(hidden, 0, 1);
      await end(hidden, 'succeeded');
      expect(await noticesOf(hidden)).toHaveLength(1);
      expect(await listed(operator, hidden)).toEqual([]);
      expect(await listed(admin, hidden)).toHaveLength(1);
    });

    it('is none for a run that ends without held files, or has not ended', async () => {
      const clean = await run(seen);
      await batch(clean, 10, 0);
      await end(clean, 'succeeded');
      expect(await noticesOf(clean)).toEqual([]);
      const running = await run(seen);
      await batch(running, 1, 4);
      expect(await noticesOf(running)).toEqual([]);
      const skipped = await run(seen);
      await end(skipped, 'skipped');
      expect(await noticesOf(skipped)).toEqual([]);
    });

    it('is there besides the failure of a failed run, for a cancelled run, and for held files counted after the run ended', async () => {
      const failed = await run(seen);
      await batch(failed, 0, 3);
      await db.dataSource.query(`UPDATE harvest_runs SET files_failed = 2 WHERE id = $1`, [failed]);
      await end(failed, 'failed', '2 file(s) failed verification or copy');
      expect((await noticesOf(failed)).map((n) => n.kind)).toEqual(['files_held', 'verification_failed']);

      const cancelled = await run(seen);
      await batch(cancelled, 1, 1);
      await end(cancelled, 'cancelled');
      expect(await noticesOf(cancelled)).toEqual([{ kind: 'files_held', message: expect.stringMatching(/^Harvest of seen was cancelled with 1 file\(s\) held/) }]);

      // A batch recorded after its run was closed.
      const late = await run(seen);
      await end(late, 'cancelled');
      expect(await noticesOf(late)).toEqual([]);
      await batch(late, 0, 2);
      expect((await noticesOf(late)).map((n) => n.kind)).toEqual(['files_held']);

      // Recorded ended already (as a run that could not start is).
      const [inserted] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger, files_held) VALUES ($1, 'succeeded', 'manual', 4) RETURNING id`, [
        seen,
      ])) as Array<{ id: string }>;
      expect((await noticesOf(inserted.id)).map((n) => n.kind)).toEqual(['files_held']);
    });
  });
});
