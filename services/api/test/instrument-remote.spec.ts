import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SecretBox } from '@sheaf/crypto';
import { createTestDatabase, startS3Server, type S3Server, type TestDatabase } from '@sheaf/test-harness';
import { JsonLogger } from '../src/observability/json-logger';
import { TEST_ENCRYPTION_KEY, createTestApp } from './app';
import { as, createCaller, type Caller } from './fixtures';

const box = SecretBox.fromBase64(TEST_ENCRYPTION_KEY);

/** The API's own logger, keeping each message, to read what the API said at start-up. */
function recordingLogger(): JsonLogger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(new JsonLogger('debug', (line) => void lines.push((JSON.parse(line) as { msg: string }).msg)), { lines });
}

/**
 * An rclone connection string (`:s3,...,secret_access_key=...:bucket`) holds credentials: sealed
 * at rest (instruments.source_remote_sealed) like every other stored secret, source_config
 * keeping *** in its place. Admins signed in to the portal still see it; the connection test and
 * the worker use it.
 */
describe("an instrument's rclone connection string is sealed at rest", () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  let s3: S3Server;
  let dir: string;
  let remote: string;

  const a = () => as(app, admin);
  const stored = async (id: string) =>
    (
      (await db.dataSource.query(
        `SELECT source_config, source_config::text AS config_text, to_jsonb(i)::text AS row_text, source_remote_sealed, updated_at FROM instruments i WHERE id = $1`,
        [id],
      )) as Array<{ source_config: Record<string, unknown>; config_text: string; row_text: string; source_remote_sealed: string | null; updated_at: Date }>
    )[0];
  /** An instrument as an older release stored it: the connection string in clear in its config. */
  const legacyInstrument = async (name: string, remote_: string, deleted = false) =>
    (
      (await db.dataSource.query(
        `INSERT INTO instruments (name, source_type, source_config, updated_at, deleted_at) VALUES ($1, 'rclone', $2, '2026-01-01T00:00:00Z', $3) RETURNING id`,
        [name, { remote: remote_ }, deleted ? new Date() : null],
      )) as Array<{ id: string }>
    )[0].id;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sheaf-remote-'));
    await mkdir(join(dir, 'incoming', 'scope-2', 'run 7'), { recursive: true });
    await writeFile(join(dir, 'incoming', 'scope-2', 'run 7', 'frame 0001.tif'), 'pixels');
    await writeFile(join(dir, 'incoming', 'scope-2', 'run 7', 'meta.json'), '{}');
    [db, s3] = await Promise.all([createTestDatabase(), startS3Server({ dir, buckets: ['incoming'], accessKey: 'lab-access', secretKey: 'lab-secret-key-1' })]);
    remote = `:s3,provider=Rclone,endpoint="${s3.endpoint}",access_key_id=${s3.accessKey},secret_access_key=${s3.secretKey},force_path_style:incoming/scope-2`;
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await s3?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stores no connection string in clear, shows it to admins signed in as before (*** to API tokens), and tests the source with it', async () => {
    const created = await a().post('/api/instruments', { name: 'scope-s3', sourceType: 'rclone', sourceConfig: { remote } }).expect(201);
    expect(created.body.sourceConfig).toEqual({ remote });
    const row = await stored(created.body.id);
    expect(row.config_text).not.toMatch(/secret/);
    expect(row.row_text).not.toMatch(/lab-secret-key-1|lab-access/);
    expect(row.source_config).toEqual({ remote: '***' });
    expect(box.open(row.source_remote_sealed!)).toBe(remote);

    expect((await a().get(`/api/instruments/${created.body.id}`).expect(200)).body.sourceConfig).toEqual({ remote });
    const listed = (await a().get('/api/instruments?limit=200').expect(200)).body.items as Array<{ id: string; sourceConfig: unknown }>;
    expect(listed.find((i) => i.id === created.body.id)?.sourceConfig).toEqual({ remote });
    const { token } = (await a().post('/api/auth/tokens', { name: 'reporting', scope: 'read' }).expect(201)).body as { token: string };
    const viaToken = await request(app.getHttpServer()).get(`/api/instruments/${created.body.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(viaToken.body.sourceConfig).toEqual({ remote: '***' });

    // The connection test lists the bucket with the real string.
    const tested = await a().post(`/api/instruments/${created.body.id}/test`).expect(200);
    expect(tested.body).toMatchObject({ ok: true, message: 'listed 2 file(s)' });

    const audit = (await a().get(`/api/audit?entityType=instrument&entityId=${created.body.id}`).expect(200)).body.items;
    expect(JSON.stringify(audit)).not.toMatch(/lab-secret-key-1|v1:/);
  });

  it('keeps PATCH as it was: an instrument sent back unchanged keeps its string (not sealed again), *** keeps it too, a new one is sealed anew', async () => {
    const created = await a().post('/api/instruments', { name: 'scope-patch', sourceType: 'rclone', sourceConfig: { remote } }).expect(201);
    const id = created.body.id as string;
    const sealed = (await stored(id)).source_remote_sealed;

    // The portal's save: every field as the GET gave it.
    const shown = (await a().get(`/api/instruments/${id}`).expect(200)).body;
    const { name, location, sourceType, sourceConfig, serviceAccountId, minAgeSeconds, enabled } = shown;
    const saved = await a().patch(`/api/instruments/${id}`, { name, description: 'described in the portal', location, sourceType, sourceConfig, serviceAccountId, minAgeSeconds, enabled }).expect(200);
    expect(saved.body.sourceConfig).toEqual({ remote });
    expect((await stored(id)).source_remote_sealed).toBe(sealed);

    // *** (what an API token sees) sent back stands for the stored string.
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote: '***' }, minAgeSeconds: 120 }).expect(200);
    expect((await stored(id)).source_remote_sealed).toBe(sealed);
    expect((await a().get(`/api/instruments/${id}`).expect(200)).body.sourceConfig).toEqual({ remote });

    // While a harvest runs, the same source sent back is no change; another one is refused.
    const [run] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger) VALUES ($1, 'running', 'api') RETURNING id`, [id])) as Array<{ id: string }>;
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote }, description: 'during a run' }).expect(200);
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote: '***' }, description: 'during a run, ***' }).expect(200);
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote: remote.replace('incoming/scope-2', 'incoming/other') } }).expect(409);
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'failed', finished_at = now() WHERE id = $1`, [run.id]);

    const other = remote.replace('lab-secret-key-1', 'lab-secret-key-2');
    expect((await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote: other } }).expect(200)).body.sourceConfig).toEqual({ remote: other });
    const changed = await stored(id);
    expect(changed.config_text).not.toMatch(/secret/);
    expect(changed.source_remote_sealed).not.toBe(sealed);
    expect(box.open(changed.source_remote_sealed!)).toBe(other);

    // A named remote holds no credentials (no options): kept in clear, nothing sealed.
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote: 'lab:data' } }).expect(200);
    expect(await stored(id)).toMatchObject({ source_config: { remote: 'lab:data' }, source_remote_sealed: null });
    // Switching to another source type leaves nothing sealed behind.
    await a().patch(`/api/instruments/${id}`, { sourceConfig: { remote } }).expect(200);
    await a().patch(`/api/instruments/${id}`, { sourceType: 'local', sourceConfig: { path: '/data/scope' } }).expect(200);
    expect(await stored(id)).toMatchObject({ source_config: { path: '/data/scope' }, source_remote_sealed: null });
    // *** where no string is stored is refused, as before (it is no rclone path).
    const refused = await a().patch(`/api/instruments/${id}`, { sourceType: 'rclone', sourceConfig: { remote: '***' } }).expect(400);
    expect(refused.body.field).toBe('sourceConfig.remote');
    await a().post('/api/instruments', { name: 'scope-stars', sourceType: 'rclone', sourceConfig: { remote: '***' } }).expect(400);
  });

  it('without a key: refuses to store a connection string (503), takes a named remote, and a sealed one shows *** and can still be renamed', async () => {
    const created = await a().post('/api/instruments', { name: 'scope-keyless', sourceType: 'rclone', sourceConfig: { remote } }).expect(201);
    const sealed = (await stored(created.body.id)).source_remote_sealed;
    const keyless = await createTestApp(db.url, '127.0.0.1:1', { SHEAF_ENCRYPTION_KEY: undefined });
    try {
      const k = () => as(keyless, admin);
      const refused = await k().post('/api/instruments', { name: 'scope-new', sourceType: 'rclone', sourceConfig: { remote } }).expect(503);
      expect(refused.body.code).toBe('encryption_key_missing');
      await k().post('/api/instruments', { name: 'scope-named', sourceType: 'rclone', sourceConfig: { remote: 'lab:data' } }).expect(201);
      const shown = (await k().get(`/api/instruments/${created.body.id}`).expect(200)).body;
      expect(shown.sourceConfig).toEqual({ remote: '***' });
      await k().patch(`/api/instruments/${created.body.id}`, { name: 'scope-keyless-2', sourceConfig: shown.sourceConfig, enabled: false }).expect(200);
      expect((await stored(created.body.id)).source_remote_sealed).toBe(sealed);
      expect((await k().post(`/api/instruments/${created.body.id}/test`).expect(503)).body.code).toBe('encryption_key_missing');
    } finally {
      await keyless.close();
    }
    expect(box.open((await stored(created.body.id)).source_remote_sealed!)).toBe(remote);
  });

  it('seals at start-up the connection strings of instruments stored in clear (deleted ones too), which keep working', async () => {
    const legacy = await legacyInstrument('legacy-s3', remote);
    const deleted = await legacyInstrument('legacy-deleted', ':sftp,host=scope.lab,user=u,pass=deleted-secret:data', true);
    const named = await legacyInstrument('legacy-named', 'lab:data');
    const before = await stored(legacy);

    // Without a key they stay as they are (and are shown as before), and the API says so.
    const keyless = recordingLogger();
    const noKey = await createTestApp(db.url, '127.0.0.1:1', { SHEAF_ENCRYPTION_KEY: undefined }, keyless);
    try {
      expect(keyless.lines).toContain('2 instrument(s) keep their rclone connection string in clear: SHEAF_ENCRYPTION_KEY is not configured to seal them');
      expect((await as(noKey, admin).get(`/api/instruments/${legacy}`).expect(200)).body.sourceConfig).toEqual({ remote });
    } finally {
      await noKey.close();
    }
    expect(await stored(legacy)).toMatchObject({ source_config: { remote }, source_remote_sealed: null });

    const logger = recordingLogger();
    await (await createTestApp(db.url, '127.0.0.1:1', {}, logger)).close();
    expect(logger.lines).toContain('sealed the rclone connection strings of 2 instrument(s) stored in clear');
    for (const id of [legacy, deleted]) {
      const row = await stored(id);
      expect(row.config_text).not.toMatch(/secret/);
      expect(row.source_config).toEqual({ remote: '***' });
      // Nobody changed the instrument: updated_at stays.
      expect(row.updated_at).toEqual(before.updated_at);
    }
    expect(box.open((await stored(legacy)).source_remote_sealed!)).toBe(remote);
    expect(box.open((await stored(deleted)).source_remote_sealed!)).toBe(':sftp,host=scope.lab,user=u,pass=deleted-secret:data');
    expect(await stored(named)).toMatchObject({ source_config: { remote: 'lab:data' }, source_remote_sealed: null });
    expect((await a().get(`/api/instruments/${legacy}`).expect(200)).body.sourceConfig).toEqual({ remote });
    expect((await a().post(`/api/instruments/${legacy}/test`).expect(200)).body).toMatchObject({ ok: true, message: 'listed 2 file(s)' });

    // Started again, nothing is left to seal.
    const again = recordingLogger();
    await (await createTestApp(db.url, '127.0.0.1:1', {}, again)).close();
    expect(again.lines.filter((line) => line.includes('connection string'))).toEqual([]);
  });

  it('seals a string stored in clear (by an older release) when it is sent back unchanged, or as ***', async () => {
    const starred = await legacyInstrument('legacy-starred', remote.replace('scope-2', 'scope-3'));
    const resent = await legacyInstrument('legacy-resent', remote.replace('scope-2', 'scope-4'));
    await a().patch(`/api/instruments/${starred}`, { sourceConfig: { remote: '***' }, description: 'kept' }).expect(200);
    await a().patch(`/api/instruments/${resent}`, { sourceConfig: { remote: remote.replace('scope-2', 'scope-4') }, description: 'kept' }).expect(200);
    for (const [id, folder] of [[starred, 'scope-3'], [resent, 'scope-4']]) {
      const row = await stored(id);
      expect(row.config_text).not.toMatch(/secret/);
      expect(box.open(row.source_remote_sealed!)).toBe(remote.replace('scope-2', folder));
    }
  });

  it('does not wait at start-up for a row a discovery holds FOR KEY SHARE, and leaves one locked otherwise to the next start', async () => {
    const discovered = await legacyInstrument('legacy-discovered', remote.replace('scope-2', 'scope-5'));
    const edited = await legacyInstrument('legacy-edited', remote.replace('scope-2', 'scope-6'));
    const other = db.dataSource.createQueryRunner();
    await other.connect();
    const logger = recordingLogger();
    try {
      await other.startTransaction();
      // What a discovery's file_versions inserts take on their instrument's row (the foreign key), and an edit.
      await other.query(`SELECT 1 FROM instruments WHERE id = $1 FOR KEY SHARE`, [discovered]);
      await other.query(`SELECT 1 FROM instruments WHERE id = $1 FOR UPDATE`, [edited]);
      // A wait for either lock would last the whole statement timeout, then leave that row as it was.
      await (await createTestApp(db.url, '127.0.0.1:1', { API_STATEMENT_TIMEOUT_MS: '2000' }, logger)).close();
      expect(logger.lines.filter((line) => line.includes('could not be sealed'))).toEqual([]);
      expect(box.open((await stored(discovered)).source_remote_sealed!)).toBe(remote.replace('scope-2', 'scope-5'));
      expect(await stored(edited)).toMatchObject({ source_config: { remote: remote.replace('scope-2', 'scope-6') }, source_remote_sealed: null });
      expect(logger.lines).toContain('1 instrument(s) keep their rclone connection string in clear until the API starts again: their rows were being changed');
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    // The next start seals it.
    await (await createTestApp(db.url, '127.0.0.1:1')).close();
    expect(box.open((await stored(edited)).source_remote_sealed!)).toBe(remote.replace('scope-2', 'scope-6'));
  });
});
