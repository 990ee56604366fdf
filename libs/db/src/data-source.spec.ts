import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, MIGRATIONS, type DataSourceOptions } from './data-source';

// The test harness's createTestDatabase would make a dependency cycle (it imports @sheaf/db): its
// global setup's superuser URL (TEST_ADMIN_URL_VAR) gives an empty database of this spec's own.
const ADMIN_URL_VAR = 'SHEAF_TEST_ADMIN_DATABASE_URL';

/** Real timers only for these: the pool's wait for a free connection runs on setTimeout. */
const REAL_TIMERS = ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'] as const;

/**
 * An empty database of the calling describe's own (made before its tests, dropped after them), a
 * superuser client on its server, and data sources on it (closed at the end) made by `open`.
 */
function ownDatabase(defaults: Omit<DataSourceOptions, 'url'>) {
  const name = `sheaf_t_${randomBytes(6).toString('hex')}`;
  const db = { url: '', admin: undefined as unknown as Client };
  const opened: DataSource[] = [];
  beforeAll(async () => {
    const adminUrl = process.env[ADMIN_URL_VAR];
    if (!adminUrl) throw new Error(`${ADMIN_URL_VAR} is not set: run through the root jest config, whose global setup provisions PostgreSQL`);
    db.admin = new Client({ connectionString: adminUrl });
    await db.admin.connect();
    await db.admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    db.url = u.toString();
  });
  afterAll(async () => {
    for (const ds of opened) if (ds.isInitialized) await ds.destroy();
    await db.admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await db.admin.end();
  });
  const open = async (options: Partial<DataSourceOptions> = {}): Promise<DataSource> => {
    const ds = createDataSource({ url: db.url, ...defaults, ...options });
    opened.push(ds);
    return ds.initialize();
  };
  return { db, open };
}

describe('the data source guards against a server that stops answering', () => {
  const { db, open } = ownDatabase({ applicationName: 'sheaf-data-source-spec' });

  /** node-postgres's pool behind the data source. */
  const poolOf = (ds: DataSource) => (ds.driver as unknown as { master: { options: Record<string, unknown>; waitingCount: number } }).master;

  it('gives every connection a five-minute idle-in-transaction timeout, and no statement or lock timeout', async () => {
    const ds = await open({ poolSize: 2 });
    // Two connections at once: each is set up so, not only the first.
    const [a, b] = [ds.createQueryRunner(), ds.createQueryRunner()];
    const pids = new Set<number>();
    try {
      for (const runner of [a, b]) {
        const [{ pid, ...settings }] = (await runner.query(
          `SELECT pg_backend_pid() AS pid, current_setting('idle_in_transaction_session_timeout') AS idle,
                  current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock`,
        )) as Array<{ pid: number; idle: string; statement: string; lock: string }>;
        pids.add(pid);
        expect(settings).toEqual({ idle: '5min', statement: '0', lock: '0' });
      }
    } finally {
      await a.release();
      await b.release();
    }
    expect(pids.size).toBe(2);
    expect(poolOf(ds).options).toMatchObject({ keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: 30_000 });
  });

  it('a session left idle inside a transaction is ended by the server, its locks released, and the pool goes on', async () => {
    const ds = await open({ poolSize: 2, idleInTransactionMs: 1_000 });
    // Advisory locks are per database: looked at from another session on the same one.
    const other = new Client({ connectionString: db.url });
    await other.connect();
    const lockFree = async () => ((await other.query(`SELECT pg_try_advisory_xact_lock(4242) AS free`)).rows[0] as { free: boolean }).free;
    const runner = ds.createQueryRunner();
    try {
      await runner.startTransaction();
      const [{ pid }] = (await runner.query(`SELECT pg_backend_pid() AS pid, pg_advisory_xact_lock(4242)`)) as Array<{ pid: number }>;
      expect(await lockFree()).toBe(false);

      // The client stays silent, as a worker cut off by a partition would.
      const deadline = Date.now() + 10_000;
      let alive = true;
      while (alive && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        alive = (await db.admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid])).rowCount === 1;
      }
      expect(alive).toBe(false);
      expect(await lockFree()).toBe(true);
    } finally {
      await other.end();
    }

    await expect(runner.query(`SELECT 1`)).rejects.toThrow();
    await runner.release();
    // The ended connection left the pool: the next query gets a live one.
    expect(await ds.query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });

  it('waiting for a free connection gives up after 30 s instead of waiting for good', async () => {
    const ds = await open({ poolSize: 1 });
    const held = ds.createQueryRunner();
    await held.connect();
    jest.useFakeTimers({ doNotFake: [...REAL_TIMERS] });
    try {
      let outcome: string | undefined;
      const waiting = ds.query(`SELECT 1`).then(
        () => (outcome = 'answered'),
        (err: Error) => (outcome = err.message),
      );
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      await settle();
      expect(poolOf(ds).waitingCount).toBe(1);
      await jest.advanceTimersByTimeAsync(29_900);
      await settle();
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(100);
      await settle();
      expect(outcome).toMatch(/timeout exceeded when trying to connect/);
      await waiting;
    } finally {
      jest.useRealTimers();
      await held.release();
    }
  });
});

describe('migrations wait for a lock only briefly, and try again', () => {
  const { db, open } = ownDatabase({ applicationName: 'sheaf-migrate-spec', poolSize: 1 });
  let blocker: Client;
  const last = new MIGRATIONS[MIGRATIONS.length - 1]().name;

  beforeAll(async () => {
    await migrate(await open());
  });

  /**
   * The last migration undone, and a transaction that holds a lock it needs, as a pg_dump holds
   * the tables it reads. Whatever that migration changes, it records itself in `migrations`, so
   * the blocker locks that table against writes (reads go on, as TypeORM's list of applied ones).
   */
  beforeEach(async () => {
    const ds = await open();
    await ds.undoLastMigration({ transaction: 'each' });
    await ds.destroy();
    blocker = new Client({ connectionString: db.url, application_name: 'long-reader' });
    await blocker.connect();
    await blocker.query(`BEGIN`);
    await blocker.query(`LOCK TABLE migrations IN EXCLUSIVE MODE`);
  });
  afterEach(async () => {
    await blocker.end();
  });

  it('gives up on a table another transaction holds, saying which migration and why, and applies nothing of it', async () => {
    const ds = await open({ lockTimeoutMs: 200 });
    await expect(migrate(ds)).rejects.toThrow(
      new RegExp(`migration ${last} could not take a lock in time \\(canceling statement due to lock timeout\\): another session holds one .*; gave up after 1 try`),
    );
    expect(await ds.query(`SELECT name FROM migrations WHERE name = $1`, [last])).toEqual([]);
    await blocker.query(`COMMIT`);
    expect(await migrate(ds)).toEqual([last]);
  });

  it('tries again after a pause, and applies the migration once the lock is free', async () => {
    const ds = await open({ lockTimeoutMs: 200 });
    const retries: string[] = [];
    const migrating = migrate(ds, {
      attempts: 50,
      pauseMs: 50,
      onRetry: (message) => {
        retries.push(message);
        // Let go once the migration has given up twice.
        if (retries.length === 2) void blocker.query(`COMMIT`);
      },
    });
    expect(await migrating).toEqual([last]);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toMatch(new RegExp(`^migration ${last} could not take a lock in time .*; trying again in 0.05 s \\(try 2 of 50\\)$`));
  });
});

describe('DisabledUsersRevoked: users disabled or deleted before the upgrade keep no token or session', () => {
  const { open } = ownDatabase({ applicationName: 'sheaf-disabled-users-spec', poolSize: 1 });

  it("revokes their live tokens and ends their sessions, and leaves live users' alone", async () => {
    const ds = await open();
    await migrate(ds);
    const migration = 'DisabledUsersRevoked1732640000000';
    // Back to just before it: later migrations first, then it.
    const names = MIGRATIONS.map((m) => new m().name);
    expect(names).toContain(migration);
    const later = names.slice(names.indexOf(migration));
    for (let i = 0; i < later.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    const dayAgo = new Date(Date.now() - 86_400_000);
    const user = async (name: string, state: 'live' | 'disabled' | 'deleted') =>
      (
        (await ds.query(`INSERT INTO users (email, display_name, password_hash, role, disabled_at, deleted_at) VALUES ($1, $1, 'x', 'user', $2, $3) RETURNING id`, [
          `${name}@example.org`,
          state === 'disabled' ? dayAgo : null,
          state === 'deleted' ? dayAgo : null,
        ])) as Array<{ id: string }>
      )[0].id;
    const token = async (userId: string, revoked: boolean) =>
      (
        (await ds.query(
          `INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, scope, revoked_at) VALUES ($1, 'integration', $2, 'sheaf_xxxxxx', 'read', $3) RETURNING id`,
          [userId, randomBytes(32).toString('hex'), revoked ? new Date('2026-01-01T00:00:00Z') : null],
        )) as Array<{ id: string }>
      )[0].id;
    const [live, disabled, deleted] = [await user('live', 'live'), await user('disabled', 'disabled'), await user('deleted', 'deleted')];
    const tokens = { live: await token(live, false), disabled: await token(disabled, false), deleted: await token(deleted, false), revokedBefore: await token(disabled, true) };

    const before = Date.now();
    expect(await migrate(ds)).toEqual(later);
    const revokedAt = new Map(
      ((await ds.query(`SELECT id, revoked_at FROM api_tokens`)) as Array<{ id: string; revoked_at: Date | null }>).map((r) => [r.id, r.revoked_at?.toISOString() ?? null]),
    );
    expect(revokedAt.get(tokens.live)).toBeNull();
    expect(revokedAt.get(tokens.revokedBefore)).toBe('2026-01-01T00:00:00.000Z');
    for (const id of [tokens.disabled, tokens.deleted]) expect(new Date(revokedAt.get(id)!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    const changed = new Map(
      ((await ds.query(`SELECT id, password_changed_at FROM users`)) as Array<{ id: string; password_changed_at: Date | null }>).map((r) => [r.id, r.password_changed_at]),
    );
    expect(changed.get(live)).toBeNull();
    for (const id of [disabled, deleted]) expect(changed.get(id)!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('HeldFilesNotified: a run that ends with held files is a notification', () => {
  const { open } = ownDatabase({ applicationName: 'sheaf-held-files-spec', poolSize: 1 });

  it('allows the files_held kind and writes it when a run ends with held files; down takes both away and leaves the failed-run notifications', async () => {
    const ds = await open();
    await migrate(ds);
    const migration = 'HeldFilesNotified1732650000000';
    const names = MIGRATIONS.map((m) => new m().name);
    expect(names).toContain(migration);
    const [instrument] = (await ds.query(`INSERT INTO instruments (name, source_type, source_config) VALUES ('held', 'local', '{"path": "/x"}') RETURNING id`)) as Array<{ id: string }>;
    /** A running run whose batches held `held` files. */
    const runningRun = async (held: number) =>
      (
        (await ds.query(`INSERT INTO harvest_runs (instrument_id, status, trigger, files_held, error) VALUES ($1, 'running', 'manual', $2, 'it failed') RETURNING id`, [
          instrument.id,
          held,
        ])) as Array<{ id: string }>
      )[0].id;
    const end = async (id: string, status: string) => ds.query(`UPDATE harvest_runs SET status = $2 WHERE id = $1`, [id, status]);
    const kinds = async () => ((await ds.query(`SELECT kind FROM notifications ORDER BY kind`)) as Array<{ kind: string }>).map((n) => n.kind);

    const [held, clean, failed] = [await runningRun(3), await runningRun(0), await runningRun(0)];
    await end(held, 'succeeded');
    await end(clean, 'succeeded');
    await end(failed, 'failed');
    expect(await kinds()).toEqual(['files_held', 'run_failed']);

    // Back to just before it: later migrations first, then it.
    const later = names.slice(names.indexOf(migration));
    for (let i = 0; i < later.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await kinds()).toEqual(['run_failed']);
    await expect(ds.query(`INSERT INTO notifications (kind, instrument_id, message) VALUES ('files_held', $1, 'x')`, [instrument.id])).rejects.toThrow(/notifications_kind_check/);
    const before = await runningRun(2);
    await end(before, 'succeeded');
    expect(await kinds()).toEqual(['run_failed']);

    expect(await migrate(ds)).toEqual(later);
    const after = await runningRun(1);
    await end(after, 'cancelled');
    expect(await kinds()).toEqual(['files_held', 'run_failed']);
  });
});
