import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { DataSource, QueryRunner } from 'typeorm';
import { mintArk } from '@sheaf/ark';
import { hashPassword } from '@sheaf/crypto';
import { InstrumentEntity, UserEntity } from '@sheaf/db';

export const PASSWORD = 'a long and correct password';

export interface Caller {
  id: string;
  email: string;
  /** `Authorization` header value. */
  auth: string;
}

let passwordHash: Promise<string> | undefined;

/** A user in the database, logged in through the API. */
export async function createCaller(app: NestExpressApplication, db: DataSource, email: string, role: 'admin' | 'user'): Promise<Caller> {
  passwordHash ??= hashPassword(PASSWORD);
  const user = await db.getRepository(UserEntity).save({ email, displayName: email.split('@')[0], role, passwordHash: await passwordHash });
  const res = await request(app.getHttpServer()).post('/api/auth/login').send({ email, password: PASSWORD }).expect(200);
  return { id: user.id, email, auth: `Bearer ${res.body.accessToken as string}` };
}

/** An instrument row with a local source (no destinations), straight into the database. */
export async function createInstrumentRow(db: DataSource, name: string, path = '/tmp'): Promise<InstrumentEntity> {
  return db.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path } });
}

/** A request helper bound to one caller (or anonymous). */
export function as(app: NestExpressApplication, caller?: Caller) {
  const server = app.getHttpServer();
  const withAuth = (req: request.Test) => (caller ? req.set('Authorization', caller.auth) : req);
  return {
    get: (url: string) => withAuth(request(server).get(url)),
    post: (url: string, body?: object) => withAuth(request(server).post(url)).send(body ?? {}),
    patch: (url: string, body?: object) => withAuth(request(server).patch(url)).send(body ?? {}),
    put: (url: string, body?: object) => withAuth(request(server).put(url)).send(body ?? {}),
    delete: (url: string) => withAuth(request(server).delete(url)),
  };
}

export interface SeededFile {
  runId: string;
  fileVersionId: string;
  ark: string;
  storageLocationId: string;
}

let arkCounter = 0;

/**
 * One finished run of the instrument that delivered one verified file (with an ARK, a delivery
 * and a transfer) to a posix storage location: what a harvest leaves behind.
 */
export async function seedHarvestedFile(
  db: DataSource,
  instrumentId: string,
  options: { path?: string; metadata?: Record<string, string>; access?: { groups: string[]; projects: string[] }; runStatus?: string } = {},
): Promise<SeededFile> {
  const [storage] = (await db.query(
    `INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id`,
    [`store-${Math.random().toString(36).slice(2, 10)}`],
  )) as Array<{ id: string }>;
  await db.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [instrumentId, storage.id]);
  const [run] = (await db.query(
    `INSERT INTO harvest_runs (instrument_id, status, phase, trigger, workflow_id, files_total, files_done, bytes_total, bytes_done, finished_at)
     VALUES ($1, $2, 'finished', 'manual', $3, 1, 1, 5, 5, now()) RETURNING id`,
    [instrumentId, options.runStatus ?? 'succeeded', `harvest-seed-${Math.random().toString(36).slice(2)}`],
  )) as Array<{ id: string }>;
  const sha = 'a'.repeat(64);
  const [file] = (await db.query(
    `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, sha256, metadata, access, verified_at, first_run_id)
     VALUES ($1, $2, 5, '2026-01-02T03:04:05Z', 1, 'verified', $3, $4, $5, now(), $6) RETURNING id`,
    [instrumentId, options.path ?? 'data/sample-01.tif', sha, JSON.stringify(options.metadata ?? {}), JSON.stringify(options.access ?? { groups: [], projects: [] }), run.id],
  )) as Array<{ id: string }>;
  await db.query(`INSERT INTO harvest_items (run_id, file_version_id, batch_no) VALUES ($1, $2, 0)`, [run.id, file.id]);
  // What planning owes the destination; the transfer below counts what it got.
  await db.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total) VALUES ($1, $2, 1)`, [run.id, storage.id]);
  await db.query(
    `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, source_sha256, destination_sha256, verified_at)
     VALUES ($1, $2, $3, 'verified', $4, $4, now())`,
    [file.id, storage.id, `x/${options.path ?? 'data/sample-01.tif'}`, sha],
  );
  await db.query(
    `INSERT INTO transfers (run_id, file_version_id, storage_location_id, attempt, bytes, duration_ms, source_sha256, destination_sha256, status)
     VALUES ($1, $2, $3, 1, 5, 12, $4, $4, 'verified')`,
    [run.id, file.id, storage.id, sha],
  );
  arkCounter += 1;
  // A valid ARK, check character included, as the worker mints them: the files filter refuses others.
  const ark = mintArk({ naan: '99999', shoulder: 'fk4', blade: `tst${String(arkCounter).padStart(4, '0')}` });
  await db.query(`INSERT INTO arks (ark, file_version_id, minted_at) VALUES ($1, $2, now())`, [ark, file.id]);
  return { runId: run.id, fileVersionId: file.id, ark, storageLocationId: storage.id };
}

/**
 * Waits (up to 5 s) until a query of this test's database waits for a lock: a request sent
 * meanwhile has come to wait for a row another connection of the test holds.
 */
async function untilSomeoneWaitsForLock(db: DataSource): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const [{ waiting }] = (await db.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)) as Array<{
      waiting: number;
    }>;
    if (waiting) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Another request's transaction holds a row (`hold`, on its own connection, not yet committed)
 * while `send` sends a request; once that request waits for a lock (and `meanwhile`, if given,
 * is done: a transaction that holds the row for long), the transaction commits. Returns the
 * request's response and what `hold` returned.
 */
export async function whileRowHeld<T>(
  db: DataSource,
  hold: (other: QueryRunner) => Promise<T>,
  send: () => PromiseLike<request.Response>,
  meanwhile?: () => Promise<void>,
): Promise<{ res: request.Response; held: T }> {
  const other = db.createQueryRunner();
  await other.connect();
  try {
    await other.startTransaction();
    const held = await hold(other);
    const reply = Promise.resolve(send());
    await untilSomeoneWaitsForLock(db);
    await meanwhile?.();
    await other.commitTransaction();
    return { res: await reply, held };
  } finally {
    if (other.isTransactionActive) await other.rollbackTransaction();
    await other.release();
  }
}
