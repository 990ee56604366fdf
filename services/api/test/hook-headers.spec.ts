import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { SecretBox } from '@sheaf/crypto';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
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
 * A webhook's header values (an `Authorization: Bearer ...`) are secrets: sealed at rest like its
 * signing key, the stored config keeping their names with *** as values.
 */
describe('webhook header values are sealed at rest', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;

  const a = () => as(app, admin);
  const webhook = (name: string, headers?: Record<string, string>) => ({
    name,
    phase: 'post',
    kind: 'webhook',
    config: { url: 'https://lims.example.org/in', ...(headers && { headers }) },
    secret: `${name}-signing-key`,
  });
  /** The whole row as stored, every column, as text. */
  const rowText = async (id: string) => JSON.stringify((await db.dataSource.query('SELECT to_jsonb(h) AS row FROM hooks h WHERE id = $1', [id]))[0].row);
  const stored = async (id: string) =>
    ((await db.dataSource.query('SELECT config, headers_sealed, updated_at FROM hooks WHERE id = $1', [id])) as Array<{ config: { headers?: Record<string, string> }; headers_sealed: string | null; updated_at: Date }>)[0];
  const opened = async (id: string, with_ = box) => {
    const row = await stored(id);
    return row.headers_sealed === null ? null : (JSON.parse(with_.open(row.headers_sealed)) as Record<string, string>);
  };
  /** A hook as an older release stored it: header values in clear in its config, nothing sealed apart. */
  const legacyHook = async (name: string, headers: Record<string, string>, deleted = false) =>
    (
      (await db.dataSource.query(
        `INSERT INTO hooks (name, phase, kind, config, secret_sealed, priority, enabled, updated_at, deleted_at)
         VALUES ($1, 'post', 'webhook', $2, $3, 0, true, '2026-01-01T00:00:00Z', $4) RETURNING id`,
        [name, { url: 'https://lims.example.org/legacy', headers }, box.seal(`${name}-signing-key`), deleted ? new Date() : null],
      )) as Array<{ id: string }>
    )[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('stores no header value in clear on create and update, and a *** sent back keeps the stored value', async () => {
    const hook = await a().post('/api/hooks', webhook('lims', { Authorization: 'Bearer token-one', 'X-Lab': 'cryo-lab' })).expect(201);
    expect(hook.body.config).toEqual({ url: 'https://lims.example.org/in', headers: { Authorization: '***', 'X-Lab': '***' } });
    expect(await rowText(hook.body.id)).not.toMatch(/token-one|cryo-lab/);
    expect((await stored(hook.body.id)).config).toEqual({ url: 'https://lims.example.org/in', headers: { Authorization: '***', 'X-Lab': '***' } });
    expect(await opened(hook.body.id)).toEqual({ Authorization: 'Bearer token-one', 'X-Lab': 'cryo-lab' });

    // Sent back as shown (a name in another case), one value changed, one header added.
    const updated = await a()
      .patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { authorization: '***', 'X-Lab': 'tomo-lab', 'X-Site': 'north-site' } } })
      .expect(200);
    expect(updated.body.config.headers).toEqual({ authorization: '***', 'X-Lab': '***', 'X-Site': '***' });
    expect(await rowText(hook.body.id)).not.toMatch(/token-one|cryo-lab|tomo-lab|north-site/);
    expect(await opened(hook.body.id)).toEqual({ authorization: 'Bearer token-one', 'X-Lab': 'tomo-lab', 'X-Site': 'north-site' });

    // Everything sent back as ***: the same values, sealed again; the audit names no header as changed.
    const shown = (await a().get(`/api/hooks/${hook.body.id}`).expect(200)).body.config;
    await a().patch(`/api/hooks/${hook.body.id}`, { config: shown, name: 'lims-2' }).expect(200);
    expect(await opened(hook.body.id)).toEqual({ authorization: 'Bearer token-one', 'X-Lab': 'tomo-lab', 'X-Site': 'north-site' });
    // Changing something else leaves them as they are.
    const before = await stored(hook.body.id);
    await a().patch(`/api/hooks/${hook.body.id}`, { priority: 5 }).expect(200);
    expect((await stored(hook.body.id)).headers_sealed).toBe(before.headers_sealed);

    // A config without headers leaves nothing sealed.
    await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in' } }).expect(200);
    expect(await stored(hook.body.id)).toMatchObject({ config: { url: 'https://lims.example.org/in' }, headers_sealed: null });

    const audit = (await a().get(`/api/audit?entityType=hook&entityId=${hook.body.id}`).expect(200)).body.items as Array<{ after: Record<string, unknown> }>;
    expect(JSON.stringify(audit)).not.toMatch(/token-one|cryo-lab|tomo-lab|north-site|v1:/);
    // Newest first: headers removed, priority, all sent back as ***, two changed (the *** kept one is not), created.
    expect(audit.map((event) => event.after.headersChanged)).toEqual([['X-Lab', 'X-Site', 'authorization'], undefined, undefined, ['X-Lab', 'X-Site'], undefined]);
  });

  it('sends a stored header value only to the server it was entered for: a new URL elsewhere needs it again', async () => {
    const hook = await a().post('/api/hooks', webhook('moved', { Authorization: 'Bearer moved-token', 'X-Lab': 'cryo-lab' })).expect(201);
    const sealedBefore = (await stored(hook.body.id)).headers_sealed;
    for (const url of ['https://attacker.example/in', 'http://lims.example.org/in', 'https://lims.example.org:8443/in']) {
      const refused = await a().patch(`/api/hooks/${hook.body.id}`, { config: { url, headers: { Authorization: '***', 'X-Lab': 'tomo-lab' } } }).expect(400);
      expect(refused.body).toMatchObject({
        field: 'config.headers.Authorization',
        message: `config.headers.Authorization is ***, which stands for the value stored for https://lims.example.org; the URL now points at ${new URL(url).origin}: send its value again`,
      });
    }
    // Nothing changed by the refusals.
    expect(await stored(hook.body.id)).toMatchObject({ config: { url: 'https://lims.example.org/in' }, headers_sealed: sealedBefore });
    // Another path on the same server keeps it; a new server with every value given again is taken.
    await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/v2/in', headers: { Authorization: '***', 'X-Lab': '***' } } }).expect(200);
    expect(await opened(hook.body.id)).toEqual({ Authorization: 'Bearer moved-token', 'X-Lab': 'cryo-lab' });
    await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims2.example.org/in', headers: { Authorization: 'Bearer new-server-token' } } }).expect(200);
    expect(await opened(hook.body.id)).toEqual({ Authorization: 'Bearer new-server-token' });
  });

  it("shows a webhook's URL path and query (a Slack hook's path is its secret) in an admin's session only, not to an API token", async () => {
    const hook = await a().post('/api/hooks', { ...webhook('slack'), config: { url: 'https://hooks.slack.example/services/T0/B0/secret-path?x=1' } }).expect(201);
    expect((await a().get(`/api/hooks/${hook.body.id}`).expect(200)).body.config.url).toBe('https://hooks.slack.example/services/T0/B0/secret-path?x=1');
    const { token } = (await a().post('/api/auth/tokens', { name: 'reporting', scope: 'read' }).expect(201)).body as { token: string };
    const viaToken = (path: string) => request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`).expect(200);
    expect((await viaToken(`/api/hooks/${hook.body.id}`)).body.config).toEqual({ url: 'https://hooks.slack.example/***' });
    const listed = (await viaToken('/api/hooks?limit=100')).body.items as Array<{ id: string; config: { url: string } }>;
    expect(listed.find((h) => h.id === hook.body.id)?.config.url).toBe('https://hooks.slack.example/***');
    expect(JSON.stringify(listed)).not.toContain('secret-path');
  });

  it('refuses a *** that stands for a stored value none of the keys opens, and takes the values sent again', async () => {
    const hook = await a().post('/api/hooks', webhook('rotated', { Authorization: 'Bearer lost-token' })).expect(201);
    await db.dataSource.query('UPDATE hooks SET headers_sealed = $2 WHERE id = $1', [hook.body.id, SecretBox.fromBase64(randomBytes(32).toString('base64')).seal('{"Authorization":"x"}')]);
    // A config that changes (here its timeout) keeps the value that *** stands for: it must open.
    const changed = { url: 'https://lims.example.org/in', timeoutMs: 5000, headers: { Authorization: '***' } };
    const refused = await a().patch(`/api/hooks/${hook.body.id}`, { config: changed }).expect(400);
    expect(refused.body).toMatchObject({ field: 'config.headers', message: expect.stringContaining('wrong encryption key') });
    // Sent back as shown, the config is no change: the hook can still be disabled (the portal sends every field).
    const sealedBefore = (await stored(hook.body.id)).headers_sealed;
    await a().patch(`/api/hooks/${hook.body.id}`, { config: hook.body.config, enabled: false }).expect(200);
    expect(await stored(hook.body.id)).toMatchObject({ headers_sealed: sealedBefore, config: { url: 'https://lims.example.org/in', headers: { Authorization: '***' } } });
    await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { Authorization: 'Bearer new-token' } } }).expect(200);
    expect(await opened(hook.body.id)).toEqual({ Authorization: 'Bearer new-token' });
    // Sealed values that are not JSON (a row edited by hand): refused without quoting them.
    await db.dataSource.query('UPDATE hooks SET headers_sealed = $2 WHERE id = $1', [hook.body.id, box.seal('Bearer pasted-token')]);
    const unreadable = await a().patch(`/api/hooks/${hook.body.id}`, { config: changed }).expect(400);
    expect(unreadable.body).toMatchObject({ field: 'config.headers', message: expect.stringContaining('the sealed header values are not JSON') });
    expect(JSON.stringify(unreadable.body)).not.toContain('pasted-token');
  });

  it('seals at start-up the header values of hooks stored in clear (deleted ones too), which keep working', async () => {
    const legacy = await legacyHook('legacy', { Authorization: 'Bearer legacy-token', 'X-Lab': 'legacy-lab' });
    const deleted = await legacyHook('legacy-deleted', { 'X-Token': 'deleted-token' }, true);
    const sealedAlready = await a().post('/api/hooks', webhook('sealed-already', { Authorization: 'Bearer kept-token' })).expect(201);
    const sealedBefore = (await stored(sealedAlready.body.id)).headers_sealed;

    // Without a key they stay as they are, and the API says so.
    const keyless = recordingLogger();
    const withoutKey = await createTestApp(db.url, '127.0.0.1:1', { SHEAF_ENCRYPTION_KEY: undefined }, keyless);
    await withoutKey.close();
    expect(keyless.lines).toContain('2 webhook hook(s) keep header values in clear: SHEAF_ENCRYPTION_KEY is not configured to seal them');
    expect((await stored(legacy)).config.headers).toEqual({ Authorization: 'Bearer legacy-token', 'X-Lab': 'legacy-lab' });

    const logger = recordingLogger();
    const restarted = await createTestApp(db.url, '127.0.0.1:1', {}, logger);
    try {
      expect(logger.lines).toContain('sealed the header values of 2 webhook hook(s) stored in clear');
      for (const id of [legacy, deleted]) expect(await rowText(id)).not.toMatch(/legacy-token|legacy-lab|deleted-token/);
      expect(await stored(legacy)).toMatchObject({ config: { url: 'https://lims.example.org/legacy', headers: { Authorization: '***', 'X-Lab': '***' } }, updated_at: new Date('2026-01-01T00:00:00Z') });
      expect(await opened(legacy)).toEqual({ Authorization: 'Bearer legacy-token', 'X-Lab': 'legacy-lab' });
      expect(await opened(deleted)).toEqual({ 'X-Token': 'deleted-token' });
      expect((await stored(sealedAlready.body.id)).headers_sealed).toBe(sealedBefore);

      // Sealed, it works as any other: *** keeps the value.
      await as(restarted, admin)
        .patch(`/api/hooks/${legacy}`, { config: { url: 'https://lims.example.org/legacy', headers: { Authorization: '***', 'X-Lab': 'new-lab' } } })
        .expect(200);
      expect(await opened(legacy)).toEqual({ Authorization: 'Bearer legacy-token', 'X-Lab': 'new-lab' });
    } finally {
      await restarted.close();
    }

    // Once sealed, nothing is left to do.
    const again = recordingLogger();
    await (await createTestApp(db.url, '127.0.0.1:1', {}, again)).close();
    expect(again.lines.filter((line) => /header values/.test(line))).toEqual([]);
  });

  it('without SHEAF_ENCRYPTION_KEY refuses to store header values, as it refuses any secret; a hook without them needs no key', async () => {
    const hook = await a().post('/api/hooks', webhook('keyless', { Authorization: 'Bearer keyless-token' })).expect(201);
    const keyless = await createTestApp(db.url, '127.0.0.1:1', { SHEAF_ENCRYPTION_KEY: undefined });
    try {
      const b = () => as(keyless, admin);
      const before = await stored(hook.body.id);
      // A changed config is sealed again, whether its header values are kept (***) or new.
      for (const headers of [{ Authorization: '***' }, { Authorization: 'Bearer other-token' }]) {
        const refused = await b().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', timeoutMs: 5000, headers } }).expect(503);
        expect(refused.body.code).toBe('encryption_key_missing');
      }
      // Sent back unchanged (as shown), the config is neither sealed again nor refused.
      await b().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { Authorization: '***' } }, priority: 7 }).expect(200);
      expect((await stored(hook.body.id)).headers_sealed).toBe(before.headers_sealed);
      expect(await rowText(hook.body.id)).not.toContain('other-token');
      // Renaming it, or a config without headers, needs no key.
      await b().patch(`/api/hooks/${hook.body.id}`, { name: 'keyless-2' }).expect(200);
      await b().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/other' } }).expect(200);
      expect(await stored(hook.body.id)).toMatchObject({ config: { url: 'https://lims.example.org/other' }, headers_sealed: null });
    } finally {
      await keyless.close();
    }
  });

  // Not about headers, but about what the API says at start-up, as the sealing above.
  it('says at start-up which enabled hooks fail the config checks of this release (saved under older rules), and why', async () => {
    const insert = (name: string, kind: string, config: object, enabled: boolean) =>
      db.dataSource.query(`INSERT INTO hooks (name, phase, kind, config, priority, enabled) VALUES ($1, 'pre', $2, $3, 0, $4)`, [name, kind, config, enabled]);
    await insert('old-extglob', 'filter', { exclude: ['!(*.tmp)'] }, true);
    await insert('old-access', 'access', { groups: ['em,lab'] }, true);
    await insert('old-disabled', 'filter', { exclude: ['!(*.tmp)'] }, false);
    const logger = recordingLogger();
    await (await createTestApp(db.url, '127.0.0.1:1', {}, logger)).close();
    const said = logger.lines.filter((line) => /fail today's config checks/.test(line));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^2 enabled hook\(s\) fail today's config checks and hold every file they see until fixed or disabled \(Hooks in the portal\): /);
    expect(said[0]).toContain('old-extglob: config.exclude[0] uses extglob syntax !(...)');
    expect(said[0]).toContain('old-access: config.groups[0] must not contain a comma');
    expect(said[0]).not.toContain('old-disabled');
  });
});
