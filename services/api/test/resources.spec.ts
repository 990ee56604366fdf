import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, chmod, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { SecretBox } from '@sheaf/crypto';
import { createTestDatabase, startS3Server, startSambaShare, type TestDatabase } from '@sheaf/test-harness';
import { TEST_ENCRYPTION_KEY, createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, whileRowHeld, type Caller } from './fixtures';

const box = SecretBox.fromBase64(TEST_ENCRYPTION_KEY);

describe('configuration resources: secrets, lists, soft delete, audit, tests', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  let dir: string;

  const a = () => as(app, admin);
  const sealedOf = async (table: string, column: string, id: string): Promise<string> =>
    ((await db.dataSource.query(`SELECT ${column} AS v FROM ${table} WHERE id = $1`, [id])) as Array<{ v: string }>)[0].v;
  /** A hook's config as the worker sends it: as stored, with its header values (*** there) opened. */
  const configOf = async (id: string): Promise<unknown> => {
    const [row] = (await db.dataSource.query('SELECT config, headers_sealed FROM hooks WHERE id = $1', [id])) as Array<{ config: { headers: Record<string, string> }; headers_sealed: string }>;
    const values = JSON.parse(box.open(row.headers_sealed)) as Record<string, string>;
    return { ...row.config, headers: Object.fromEntries(Object.entries(row.config.headers).map(([name, value]) => [name, value === '***' ? values[name] : value])) };
  };
  const auditOf = async (entityType: string, entityId: string) =>
    (await a().get(`/api/audit?entityType=${entityType}&entityId=${entityId}`).expect(200)).body.items as Array<{ action: string; before: unknown; after: unknown; actor: string }>;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    dir = await mkdtemp(join(tmpdir(), 'sheaf-api-test-'));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('secrets are write-only and encrypted at rest', () => {
    it('seals a service-account password, never returns it, keeps it when an update omits it, replaces it when given', async () => {
      const created = await a().post('/api/service-accounts', { name: 'scopes', domain: 'LAB', username: 'svc', password: 'hunter2-secret' }).expect(201);
      expect(JSON.stringify(created.body)).not.toContain('hunter2');
      expect(created.body).toMatchObject({ name: 'scopes', domain: 'LAB', username: 'svc', hasPassword: true });
      const sealed = await sealedOf('service_accounts', 'password_sealed', created.body.id);
      expect(sealed).toMatch(/^v1:/);
      expect(box.open(sealed)).toBe('hunter2-secret');

      await a().patch(`/api/service-accounts/${created.body.id}`, { username: 'svc2' }).expect(200);
      expect(await sealedOf('service_accounts', 'password_sealed', created.body.id)).toBe(sealed);
      await a().patch(`/api/service-accounts/${created.body.id}`, { password: 'new-secret-value' }).expect(200);
      expect(box.open(await sealedOf('service_accounts', 'password_sealed', created.body.id))).toBe('new-secret-value');

      const got = await a().get(`/api/service-accounts/${created.body.id}`).expect(200);
      const listed = await a().get('/api/service-accounts').expect(200);
      for (const body of [got.body, listed.body]) expect(JSON.stringify(body)).not.toMatch(/hunter2|new-secret-value|v1:/);
      const audit = await auditOf('service_account', created.body.id);
      expect(audit.map((e) => e.action)).toEqual(['service_account.updated', 'service_account.updated', 'service_account.created']);
      expect(JSON.stringify(audit)).not.toMatch(/hunter2|new-secret-value|v1:/);
      expect(audit[0].after).toMatchObject({ password: '***', passwordChanged: true });
      expect(audit[1].before).toMatchObject({ username: 'svc', password: '***' });
      expect(audit[1].after).toMatchObject({ username: 'svc2', password: '***' });
    });

    it('seals an S3 secret key and a webhook signing key the same way', async () => {
      const storage = await a()
        .post('/api/storage-locations', { name: 's3-archive', type: 's3', config: { bucket: 'archive', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIA1' }, secret: 's3-secret-key' })
        .expect(201);
      expect(storage.body).toMatchObject({ hasSecret: true, config: { bucket: 'archive', accessKeyId: 'AKIA1' } });
      expect(box.open(await sealedOf('storage_locations', 'secret_sealed', storage.body.id))).toBe('s3-secret-key');
      await a().patch(`/api/storage-locations/${storage.body.id}`, { name: 's3-archive-2' }).expect(200);
      expect(box.open(await sealedOf('storage_locations', 'secret_sealed', storage.body.id))).toBe('s3-secret-key');

      const hook = await a()
        .post('/api/hooks', { name: 'lims', phase: 'post', kind: 'webhook', config: { url: 'https://lims.example.org/hook' }, secret: 'webhook-signing-key-1' })
        .expect(201);
      expect(hook.body.hasSecret).toBe(true);
      expect(box.open(await sealedOf('hooks', 'secret_sealed', hook.body.id))).toBe('webhook-signing-key-1');
      const everything = JSON.stringify([(await a().get('/api/storage-locations').expect(200)).body, (await a().get('/api/hooks').expect(200)).body, (await a().get('/api/audit?limit=200').expect(200)).body]);
      expect(everything).not.toMatch(/s3-secret-key|webhook-signing-key|v1:/);
      expect((await a().post('/api/hooks', { name: 'f', phase: 'pre', kind: 'filter', config: { include: ['**'] }, secret: 'x'.repeat(20) }).expect(400)).body.field).toBe('secret');
    });

    it("keeps a webhook's header values and an rclone connection string out of the audit log, which outlives a key's rotation", async () => {
      const hook = await a()
        .post('/api/hooks', {
          name: 'lims-bearer',
          phase: 'post',
          kind: 'webhook',
          config: { url: 'https://lims.example.org/in', headers: { Authorization: 'Bearer lims-token-1', 'X-Lab': 'cryo' } },
          secret: 'webhook-signing-key-2',
        })
        .expect(201);
      await a()
        .patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://hooks.example.org/services/T0/B0/path-secret?token=query-secret', headers: { Authorization: 'Bearer lims-token-2' } } })
        .expect(200);
      const instrument = await a().post('/api/instruments', { name: 'remote-audit', sourceType: 'rclone', sourceConfig: { remote: ':sftp,host=scope.lab,pass=sftp-pass-1:data' } }).expect(201);
      await a().patch(`/api/instruments/${instrument.body.id}`, { sourceConfig: { remote: ':sftp,host=scope.lab,pass=sftp-pass-2:data' } }).expect(200);

      const hookAudit = await auditOf('hook', hook.body.id);
      const instrumentAudit = await auditOf('instrument', instrument.body.id);
      expect(JSON.stringify([hookAudit, instrumentAudit])).not.toMatch(/lims-token|sftp-pass|path-secret|query-secret/);
      expect(hookAudit[0].before).toMatchObject({ config: { headers: { Authorization: '***', 'X-Lab': '***' } } });
      // The URL keeps its origin only: paths and query strings carry tokens (a Slack hook's path is its secret).
      expect(hookAudit[0].before).toMatchObject({ config: { url: 'https://lims.example.org/***' } });
      expect(hookAudit[0].after).toMatchObject({ config: { url: 'https://hooks.example.org/***', headers: { Authorization: '***' } } });
      // Values are *** on both sides: the names of the headers whose value changed (or went) say what happened.
      expect(hookAudit[0].after).toMatchObject({ headersChanged: ['Authorization', 'X-Lab'] });
      expect(instrumentAudit[0].after).toMatchObject({ sourceConfig: { remote: '***' } });
    });

    it('says remoteChanged or urlChanged where the redacted connection string or webhook URL reads the same before and after', async () => {
      const hook = await a().post('/api/hooks', { name: 'slack-rotated', phase: 'post', kind: 'webhook', config: { url: 'https://hooks.example.org/services/T0/B0/old' }, secret: 'slack-rotated-signing-key' }).expect(201);
      await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://hooks.example.org/services/T0/B0/new' } }).expect(200);
      await a().patch(`/api/hooks/${hook.body.id}`, { name: 'slack-renamed' }).expect(200);
      const instrument = await a().post('/api/instruments', { name: 'remote-rotated', sourceType: 'rclone', sourceConfig: { remote: ':sftp,host=scope.lab,pass=old-pass:data' } }).expect(201);
      await a().patch(`/api/instruments/${instrument.body.id}`, { sourceConfig: { remote: ':sftp,host=scope.lab,pass=new-pass:data' } }).expect(200);
      await a().patch(`/api/instruments/${instrument.body.id}`, { description: 'renamed only' }).expect(200);

      const [hookRenamed, hookRotated] = await auditOf('hook', hook.body.id);
      const [instrumentDescribed, instrumentRotated] = await auditOf('instrument', instrument.body.id);
      expect([hookRotated.before, hookRotated.after]).toEqual([
        expect.objectContaining({ config: { url: 'https://hooks.example.org/***' } }),
        expect.objectContaining({ config: { url: 'https://hooks.example.org/***' }, urlChanged: true }),
      ]);
      expect([instrumentRotated.before, instrumentRotated.after]).toEqual([
        expect.objectContaining({ sourceConfig: { remote: '***' } }),
        expect.objectContaining({ sourceConfig: { remote: '***' }, remoteChanged: true }),
      ]);
      expect([hookRenamed.after, instrumentDescribed.after]).toEqual([expect.not.objectContaining({ urlChanged: true }), expect.not.objectContaining({ remoteChanged: true })]);
    });

    it('redacts on the way out what an older build wrote in clear, and leaves what was redacted on write as it is', async () => {
      // As events were written before header values, connection strings (627a0d8) and webhook URLs (3562181) were redacted.
      const hookId = randomUUID();
      const instrumentId = randomUUID();
      const insert = `INSERT INTO audit_events (actor, action, entity_type, entity_id, before, after) VALUES ('old-build@example.org', $1, $2, $3, $4, $5)`;
      const written = {
        before: { config: { url: 'https://hooks.example.org/services/T0/B0/path-secret?token=query-secret', headers: { Authorization: 'Bearer old-token-1' } }, enabled: true },
        after: { config: { url: 'https://hooks.example.org/***', headers: { Authorization: '***' } }, hasSecret: true, secret: '***', secretChanged: true, headersChanged: ['Authorization'] },
      };
      await db.dataSource.query(insert, ['hook.updated', 'hook', hookId, JSON.stringify(written.before), JSON.stringify(written.after)]);
      await db.dataSource.query(insert, ['instrument.created', 'instrument', instrumentId, null, JSON.stringify({ name: 'old-scope', sourceConfig: { remote: ':sftp,host=scope.lab,pass=old-pass:data' } })]);

      const [hookEvent] = await auditOf('hook', hookId);
      const [instrumentEvent] = await auditOf('instrument', instrumentId);
      expect(JSON.stringify([hookEvent, instrumentEvent])).not.toMatch(/old-token|old-pass|path-secret|query-secret/);
      expect(hookEvent.before).toEqual({ config: { url: 'https://hooks.example.org/***', headers: { Authorization: '***' } }, enabled: true });
      expect(hookEvent.after).toEqual(written.after);
      expect(instrumentEvent).toMatchObject({ before: null, after: { name: 'old-scope', sourceConfig: { remote: '***' } } });
    });

    it("answers *** for a webhook's header values, and keeps a stored value that comes back as ***", async () => {
      const config = { url: 'https://lims.example.org/in', headers: { Authorization: 'Bearer lims-token-3', 'X-Lab': 'cryo' } };
      const hook = await a().post('/api/hooks', { name: 'lims-shown', phase: 'post', kind: 'webhook', config, secret: 'webhook-signing-key-3' }).expect(201);
      const shown = { url: 'https://lims.example.org/in', headers: { Authorization: '***', 'X-Lab': '***' } };
      expect(hook.body.config).toEqual(shown);
      expect((await a().get(`/api/hooks/${hook.body.id}`).expect(200)).body.config).toEqual(shown);
      expect(JSON.stringify((await a().get('/api/hooks?kind=webhook&limit=200').expect(200)).body)).not.toContain('lims-token');

      // Sent back as shown, with one value changed and a header (named in another case) kept: the worker gets real values.
      await a()
        .patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { authorization: '***', 'X-Lab': 'tomo' } } })
        .expect(200);
      expect(await configOf(hook.body.id)).toEqual({ url: 'https://lims.example.org/in', headers: { authorization: 'Bearer lims-token-3', 'X-Lab': 'tomo' } });

      // *** where nothing is stored would be sent as the value: refused, and nothing changes.
      const refused = await a().patch(`/api/hooks/${hook.body.id}`, { config: { url: 'https://lims.example.org/in', headers: { 'X-Token': '***' } } }).expect(400);
      expect(refused.body).toMatchObject({ field: 'config.headers["X-Token"]', message: expect.stringContaining('no such header is stored') });
      const created = await a().post('/api/hooks', { name: 'lims-stars', phase: 'post', kind: 'webhook', config: { url: 'https://lims.example.org/in', headers: { Authorization: '***' } }, secret: 'webhook-signing-key-4' }).expect(400);
      expect(created.body.field).toBe('config.headers.Authorization');
      expect(await configOf(hook.body.id)).toEqual({ url: 'https://lims.example.org/in', headers: { authorization: 'Bearer lims-token-3', 'X-Lab': 'tomo' } });
    });
  });

  describe('lists', () => {
    it('pages with a stable order and a total', async () => {
      for (const name of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) await a().post('/api/groups', { name: `pg-${name}` }).expect(201);
      const pages = await Promise.all([0, 2, 4].map((offset) => a().get(`/api/groups?q=pg-&limit=2&offset=${offset}`).expect(200)));
      expect(pages.map((p) => p.body.total)).toEqual([5, 5, 5]);
      expect(pages.map((p) => p.body.limit)).toEqual([2, 2, 2]);
      expect(pages.flatMap((p) => p.body.items.map((g: { name: string }) => g.name))).toEqual(['pg-alpha', 'pg-bravo', 'pg-charlie', 'pg-delta', 'pg-echo']);
      const defaults = await a().get('/api/groups').expect(200);
      expect(defaults.body).toMatchObject({ limit: 50, offset: 0 });
    });

    it('sorts files by catalogue time, acquisition time or path, paging stably, and refuses an unknown order', async () => {
      const instrument = (await a().post('/api/instruments', { name: 'sorted', sourceType: 'local', sourceConfig: { path: '/data/sorted' } }).expect(201)).body.id as string;
      // path, acquired (mtime), catalogued (created_at)
      const rows: Array<[string, string, string]> = [
        ['b/second.raw', '2026-01-03T00:00:00Z', '2026-02-01T00:00:00Z'],
        ['a/first.raw', '2026-01-01T00:00:00Z', '2026-02-03T00:00:00Z'],
        ['c/third.raw', '2026-01-02T00:00:00Z', '2026-02-02T00:00:00Z'],
      ];
      for (const [path, mtime, created] of rows) {
        await db.dataSource.query(
          `INSERT INTO file_versions (instrument_id, path, size, mtime, version, created_at) VALUES ($1, $2, 1, $3, 1, $4)`,
          [instrument, path, mtime, created],
        );
      }
      const order = async (sort?: string, extra = '') => {
        const res = await a().get(`/api/files?instrumentId=${instrument}${sort ? `&sort=${sort}` : ''}${extra}`).expect(200);
        return (res.body.items as Array<{ path: string }>).map((f) => f.path);
      };
      expect(await order()).toEqual(['a/first.raw', 'c/third.raw', 'b/second.raw']);
      expect(await order('newest')).toEqual(['a/first.raw', 'c/third.raw', 'b/second.raw']);
      expect(await order('oldest')).toEqual(['b/second.raw', 'c/third.raw', 'a/first.raw']);
      expect(await order('acquired-newest')).toEqual(['b/second.raw', 'c/third.raw', 'a/first.raw']);
      expect(await order('acquired-oldest')).toEqual(['a/first.raw', 'c/third.raw', 'b/second.raw']);
      expect(await order('path')).toEqual(['a/first.raw', 'b/second.raw', 'c/third.raw']);
      expect([...(await order('path', '&limit=2')), ...(await order('path', '&limit=2&offset=2'))]).toEqual(['a/first.raw', 'b/second.raw', 'c/third.raw']);
      const bad = await a().get('/api/files?sort=size').expect(400);
      expect(bad.body).toEqual({ statusCode: 400, code: 'validation_failed', field: 'sort', message: 'sort must be one of newest, oldest, acquired-newest, acquired-oldest, verified-newest, verified-oldest, path' });
    });

    it("shows each listed instrument's newest run (the greater id of two created at once), and none for one never harvested", async () => {
      const [twice, once, never] = await Promise.all(
        ['last-run-twice', 'last-run-once', 'last-run-never'].map(async (name) => (await a().post('/api/instruments', { name, sourceType: 'local', sourceConfig: { path: `/data/${name}` } }).expect(201)).body.id as string),
      );
      const run = async (instrumentId: string, createdAt: string) =>
        ((await db.dataSource.query(
          `INSERT INTO harvest_runs (instrument_id, status, phase, trigger, created_at) VALUES ($1, 'succeeded', 'finished', 'manual', $2) RETURNING id`,
          [instrumentId, createdAt],
        )) as Array<{ id: string }>)[0].id;
      await run(twice, '2026-01-01T00:00:00Z');
      const tied = [await run(twice, '2026-01-02T00:00:00Z'), await run(twice, '2026-01-02T00:00:00Z')].sort();
      const onlyRun = await run(once, '2025-12-31T00:00:00Z');
      const listed = (await a().get('/api/instruments?q=last-run-').expect(200)).body.items as Array<{ id: string; lastRun: { id: string; createdAt: string } | null }>;
      expect(new Map(listed.map((i) => [i.id, i.lastRun?.id ?? null]))).toEqual(
        new Map([
          [twice, tied[1]],
          [once, onlyRun],
          [never, null],
        ]),
      );
      expect((await a().get(`/api/instruments/${twice}`).expect(200)).body.lastRun).toMatchObject({ id: tied[1], status: 'succeeded', createdAt: '2026-01-02T00:00:00.000Z' });
    });

    it('filters with validated parameters', async () => {
      await a().post('/api/instruments', { name: 'filter-on', sourceType: 'local', sourceConfig: { path: '/data/on' } }).expect(201);
      await a().post('/api/instruments', { name: 'filter-off', sourceType: 'local', sourceConfig: { path: '/data/off' }, enabled: false }).expect(201);
      const off = await a().get('/api/instruments?q=filter-&enabled=false').expect(200);
      expect(off.body.items.map((i: { name: string }) => i.name)).toEqual(['filter-off']);
    });
  });

  describe('instrument destinations', () => {
    it('keeps the row of a destination that stays (and so what harvests know of it), and starts afresh with one removed and added again', async () => {
      const [x, y] = [
        (await a().post('/api/storage-locations', { name: 'dest-x', type: 'posix', config: { path: dir } }).expect(201)).body.id as string,
        (await a().post('/api/storage-locations', { name: 'dest-y', type: 'posix', config: { path: dir } }).expect(201)).body.id as string,
      ];
      const id = (await a().post('/api/instruments', { name: 'dest-edits', sourceType: 'local', sourceConfig: { path: '/data' }, destinations: [{ storageLocationId: x }] }).expect(201))
        .body.id as string;
      // A harvest has given x every version verified before it.
      await db.dataSource.query(`UPDATE instrument_destinations SET backfilled_at = now(), added_at = now() - interval '1 day' WHERE instrument_id = $1`, [id]);
      const rows = async () =>
        Object.fromEntries(
          ((await db.dataSource.query(`SELECT storage_location_id, path_template, added_at, backfilled_at FROM instrument_destinations WHERE instrument_id = $1`, [id])) as Array<{
            storage_location_id: string;
            path_template: string;
            added_at: Date;
            backfilled_at: Date | null;
          }>).map((r) => [r.storage_location_id === x ? 'x' : 'y', { template: r.path_template, added: r.added_at.getTime(), backfilled: r.backfilled_at !== null }]),
        );
      const before = (await rows()).x;

      const patched = await a()
        .patch(`/api/instruments/${id}`, { destinations: [{ storageLocationId: x, pathTemplate: '{instrument}/raw/{path}' }, { storageLocationId: y }] })
        .expect(200);
      expect(patched.body.destinations.map((d: { storageLocationName: string; pathTemplate: string }) => [d.storageLocationName, d.pathTemplate])).toEqual([
        ['dest-x', '{instrument}/raw/{path}'],
        ['dest-y', '{instrument}/{path}'],
      ]);
      const kept = await rows();
      expect(kept.x).toEqual({ ...before, template: '{instrument}/raw/{path}' });
      expect(kept.y).toMatchObject({ backfilled: false });
      expect(kept.y.added).toBeGreaterThan(before.added);

      await a().patch(`/api/instruments/${id}`, { destinations: [{ storageLocationId: y }] }).expect(200);
      expect(Object.keys(await rows())).toEqual(['y']);
      await a().patch(`/api/instruments/${id}`, { destinations: [{ storageLocationId: y }, { storageLocationId: x }] }).expect(200);
      const again = (await rows()).x;
      expect(again).toMatchObject({ template: '{instrument}/{path}', backfilled: false });
      expect(again.added).toBeGreaterThan(before.added);

      await a().patch(`/api/instruments/${id}`, { destinations: [] }).expect(200);
      expect(await rows()).toEqual({});
    });
  });

  describe('soft delete and restore', () => {
    it('hides a deleted instrument, lists it among the deleted, restores it, and audits each step with before and after', async () => {
      const created = await a().post('/api/instruments', { name: 'soft-1', sourceType: 'local', sourceConfig: { path: '/data/soft' } }).expect(201);
      const id = created.body.id as string;
      await a().patch(`/api/instruments/${id}`, { description: 'Cryo-EM', minAgeSeconds: 120 }).expect(200);
      await a().delete(`/api/instruments/${id}`).expect(200);
      expect((await a().get('/api/instruments?q=soft-').expect(200)).body.total).toBe(0);
      expect((await a().get('/api/instruments?q=soft-&deleted=true').expect(200)).body.items[0]).toMatchObject({ id, deletedAt: expect.any(String) });
      await a().patch(`/api/instruments/${id}`, { description: 'x' }).expect(404);
      await a().post(`/api/instruments/${id}/restore`).expect(200);
      await a().post(`/api/instruments/${id}/restore`).expect(404);
      expect((await a().get('/api/instruments?q=soft-').expect(200)).body.total).toBe(1);

      const audit = await auditOf('instrument', id);
      expect(audit.map((e) => e.action)).toEqual(['instrument.restored', 'instrument.deleted', 'instrument.updated', 'instrument.created']);
      expect(audit[2]).toMatchObject({
        actor: 'admin@example.org',
        before: expect.objectContaining({ description: '', minAgeSeconds: 60 }),
        after: expect.objectContaining({ description: 'Cryo-EM', minAgeSeconds: 120 }),
      });
      expect(audit[3].before).toBeNull();
    });

    it('refuses to delete what is still in use, naming why', async () => {
      const storage = await a().post('/api/storage-locations', { name: 'in-use', type: 'posix', config: { path: dir } }).expect(201);
      const account = await a().post('/api/service-accounts', { name: 'in-use', username: 'svc', password: 'pw' }).expect(201);
      const instrument = await a()
        .post('/api/instruments', {
          name: 'uses-both',
          sourceType: 'smb',
          sourceConfig: { host: 'scope-pc.lab', share: 'data' },
          serviceAccountId: account.body.id,
          destinations: [{ storageLocationId: storage.body.id, pathTemplate: '{instrument}/{dir}/{stem}{ext}' }],
        })
        .expect(201);
      expect(instrument.body.destinations).toEqual([
        { storageLocationId: storage.body.id, storageLocationName: 'in-use', storageType: 'posix', pathTemplate: '{instrument}/{dir}/{stem}{ext}' },
      ]);
      expect((await a().delete(`/api/storage-locations/${storage.body.id}`).expect(409)).body.code).toBe('in_use');
      expect((await a().delete(`/api/service-accounts/${account.body.id}`).expect(409)).body.code).toBe('in_use');
      const [run] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger) VALUES ($1, 'running', 'manual') RETURNING id`, [
        instrument.body.id,
      ])) as Array<{ id: string }>;
      // The refusal names the running run, for the client to follow or cancel.
      expect((await a().delete(`/api/instruments/${instrument.body.id}`).expect(409)).body).toEqual({
        statusCode: 409,
        code: 'harvest_running',
        message: expect.stringContaining(run.id),
        runId: run.id,
      });
      // Nor can what the run reads batch by batch change under it; other fields, and the same source, can.
      const busy = await a().patch(`/api/instruments/${instrument.body.id}`, { name: 'renamed-mid-run' }).expect(409);
      expect(busy.body).toMatchObject({ code: 'harvest_running', runId: run.id, message: expect.stringContaining('its name cannot change until it ends') });
      expect((await a().patch(`/api/instruments/${instrument.body.id}`, { sourceConfig: { host: 'other-pc.lab', share: 'data' } }).expect(409)).body.message).toContain('its sourceConfig');
      await a().patch(`/api/instruments/${instrument.body.id}`, { description: 'still fine', sourceConfig: { share: 'data', host: 'scope-pc.lab' } }).expect(200);
      const moved = await a()
        .patch(`/api/instruments/${instrument.body.id}`, { destinations: [{ storageLocationId: storage.body.id, pathTemplate: '{instrument}/{name}' }] })
        .expect(409);
      expect(moved.body.message).toContain('its destination path templates cannot change');
      await a().patch(`/api/instruments/${instrument.body.id}`, { destinations: [{ storageLocationId: storage.body.id, pathTemplate: '{instrument}/{dir}/{stem}{ext}' }] }).expect(200);
      // Nor can the root of a storage location it delivers to move; its name, and the same config, can change.
      const rooted = await a().patch(`/api/storage-locations/${storage.body.id}`, { config: { path: `${dir}/elsewhere` } }).expect(409);
      expect(rooted.body).toMatchObject({ code: 'harvest_running', runId: run.id });
      await a().patch(`/api/storage-locations/${storage.body.id}`, { name: 'in-use-renamed', config: { path: dir } }).expect(200);
      // The run planned deliveries there. Detached, the location keeps its root until the run ends,
      // and the instrument cannot take it back meanwhile (with another template it would split the run).
      await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total) VALUES ($1, $2, 3)`, [run.id, storage.body.id]);
      await a().patch(`/api/instruments/${instrument.body.id}`, { destinations: [] }).expect(200);
      expect((await a().patch(`/api/storage-locations/${storage.body.id}`, { config: { path: `${dir}/elsewhere` } }).expect(409)).body).toMatchObject({
        code: 'harvest_running',
        runId: run.id,
      });
      const back = await a().patch(`/api/instruments/${instrument.body.id}`, { destinations: [{ storageLocationId: storage.body.id, pathTemplate: '{instrument}/{name}' }] }).expect(409);
      expect(back.body).toMatchObject({ code: 'harvest_running', runId: run.id, message: expect.stringContaining('planned deliveries to in-use-renamed, detached since: attach it again once the run has ended') });
      await db.dataSource.query(`UPDATE harvest_runs SET status = 'cancelled' WHERE id = $1`, [run.id]);
      await a().patch(`/api/instruments/${instrument.body.id}`, { destinations: [{ storageLocationId: storage.body.id, pathTemplate: '{instrument}/{dir}/{stem}{ext}' }] }).expect(200);
      await db.dataSource.query(`INSERT INTO schedules (instrument_id, cron) VALUES ($1, '0 1 * * *')`, [instrument.body.id]);
      expect((await a().delete(`/api/instruments/${instrument.body.id}`).expect(409)).body.code).toBe('has_schedules');
    });

    it("keeps a deleted instrument's name, a folder at its destinations, while it has harvested files: restore it, or choose another name", async () => {
      const old = await createInstrumentRow(db.dataSource, 'krios-retired');
      await seedHarvestedFile(db.dataSource, old.id);
      await a().delete(`/api/instruments/${old.id}`).expect(200);
      const body = { name: 'Krios-Retired', sourceType: 'local', sourceConfig: { path: dir } };
      const refused = await a().post('/api/instruments', body).expect(409);
      expect(refused.body).toEqual({
        statusCode: 409,
        code: 'name_of_deleted',
        message: 'A deleted instrument named krios-retired delivered files, and its name is a folder at its destinations: restore it instead, or choose another name',
        field: 'name',
      });
      // Nor by a rename.
      const other = await a().post('/api/instruments', { ...body, name: 'krios-new' }).expect(201);
      expect((await a().patch(`/api/instruments/${other.body.id}`, { name: 'krios-retired' }).expect(409)).body.code).toBe('name_of_deleted');
      await a().post(`/api/instruments/${old.id}/restore`).expect(200);
      // A deleted instrument that delivered nothing (its one file failed) leaves its name free.
      await db.dataSource.query(`INSERT INTO file_versions (instrument_id, path, size, mtime, version, status) VALUES ($1, 'x.raw', 1, now(), 1, 'failed')`, [other.body.id]);
      await a().delete(`/api/instruments/${other.body.id}`).expect(200);
      await a().post('/api/instruments', { ...body, name: 'krios-new' }).expect(201);
    });

    it("keeps the name an instrument delivered files under before a rename: another may not take it, the instrument itself may", async () => {
      const body = { sourceType: 'local', sourceConfig: { path: dir } };
      const scope = await a().post('/api/instruments', { ...body, name: 'scope-a' }).expect(201);
      await seedHarvestedFile(db.dataSource, scope.body.id);
      await a().patch(`/api/instruments/${scope.body.id}`, { name: 'scope-b' }).expect(200);
      const refused = await a().post('/api/instruments', { ...body, name: 'Scope-A' }).expect(409);
      expect(refused.body).toEqual({
        statusCode: 409,
        code: 'former_name',
        message: 'Instrument scope-b delivered files as scope-a, and that name is a folder at its destinations: choose another name',
        field: 'name',
      });
      const other = await a().post('/api/instruments', { ...body, name: 'scope-c' }).expect(201);
      expect((await a().patch(`/api/instruments/${other.body.id}`, { name: 'scope-a' }).expect(409)).body.code).toBe('former_name');
      await a().patch(`/api/instruments/${scope.body.id}`, { name: 'scope-a' }).expect(200);
      // Renamed before it delivered anything, an instrument leaves its former name free.
      await a().patch(`/api/instruments/${other.body.id}`, { name: 'scope-d' }).expect(200);
      await a().post('/api/instruments', { ...body, name: 'scope-c' }).expect(201);
    });

    it('restores an instrument only once the storage and service account it uses are restored', async () => {
      const storage = await a().post('/api/storage-locations', { name: 'gone-store', type: 'posix', config: { path: dir } }).expect(201);
      const account = await a().post('/api/service-accounts', { name: 'gone-account', username: 'svc', password: 'pw' }).expect(201);
      const instrument = await a()
        .post('/api/instruments', {
          name: 'restored-late',
          sourceType: 'smb',
          sourceConfig: { host: 'scope-pc.lab', share: 'data' },
          serviceAccountId: account.body.id,
          destinations: [{ storageLocationId: storage.body.id }],
        })
        .expect(201);
      await a().delete(`/api/instruments/${instrument.body.id}`).expect(200);
      // No live instrument uses them any more, so both may go.
      await a().delete(`/api/storage-locations/${storage.body.id}`).expect(200);
      await a().delete(`/api/service-accounts/${account.body.id}`).expect(200);

      const refused = await a().post(`/api/instruments/${instrument.body.id}/restore`).expect(409);
      expect(refused.body).toEqual({ statusCode: 409, code: 'destination_deleted', message: 'It delivers to deleted storage location(s) gone-store; restore them first' });
      await a().post(`/api/storage-locations/${storage.body.id}/restore`).expect(200);
      const stillRefused = await a().post(`/api/instruments/${instrument.body.id}/restore`).expect(409);
      expect(stillRefused.body).toMatchObject({ code: 'service_account_deleted', message: 'Its service account gone-account is deleted; restore it first' });
      expect((await auditOf('instrument', instrument.body.id)).map((e) => e.action)).toEqual(['instrument.deleted', 'instrument.created']);

      await a().post(`/api/service-accounts/${account.body.id}/restore`).expect(200);
      const restored = await a().post(`/api/instruments/${instrument.body.id}/restore`).expect(200);
      expect(restored.body).toMatchObject({ deletedAt: null, serviceAccountId: account.body.id, destinations: [expect.objectContaining({ storageLocationId: storage.body.id })] });
    });

    it('gives no schedule to an instrument deleted at the same moment', async () => {
      const instrument = (await a().post('/api/instruments', { name: 'racing', sourceType: 'local', sourceConfig: { path: '/data/racing' } }).expect(201)).body;
      // A delete in progress: it holds the instrument's row, as DELETE /api/instruments/:id does.
      const { res: created } = await whileRowHeld(
        db.dataSource,
        async (deleting) => {
          await deleting.query(`SELECT id FROM instruments WHERE id = $1 FOR UPDATE`, [instrument.id]);
          await deleting.query(`UPDATE instruments SET deleted_at = now() WHERE id = $1`, [instrument.id]);
        },
        () => a().post('/api/schedules', { instrumentId: instrument.id, cron: '0 1 * * *' }),
      );
      expect({ status: created.status, body: created.body }).toMatchObject({ status: 404, body: { code: 'not_found', field: 'instrumentId' } });
      expect(await db.dataSource.query(`SELECT id FROM schedules WHERE instrument_id = $1`, [instrument.id])).toEqual([]);
    });

    it('gives no instrument a storage location deleted at the same moment', async () => {
      const storage = (await a().post('/api/storage-locations', { name: 'racing-store', type: 'posix', config: { path: dir } }).expect(201)).body;
      const instrument = (await a().post('/api/instruments', { name: 'racing-deliveries', sourceType: 'local', sourceConfig: { path: '/data/racing' } }).expect(201)).body;
      // A delete in progress: it holds the location's row, as DELETE /api/storage-locations/:id does.
      const { res: updated } = await whileRowHeld(
        db.dataSource,
        async (deleting) => {
          await deleting.query(`SELECT id FROM storage_locations WHERE id = $1 FOR UPDATE`, [storage.id]);
          await deleting.query(`UPDATE storage_locations SET deleted_at = now() WHERE id = $1`, [storage.id]);
        },
        () => a().patch(`/api/instruments/${instrument.id}`, { destinations: [{ storageLocationId: storage.id }] }),
      );
      expect({ status: updated.status, body: updated.body }).toMatchObject({ status: 404, body: { code: 'not_found', field: 'destinations[0].storageLocationId' } });
      expect(await db.dataSource.query(`SELECT 1 FROM instrument_destinations WHERE instrument_id = $1`, [instrument.id])).toEqual([]);
    });

    it('keeps a stored secret through delete and restore, in the answer and in the audit', async () => {
      const hook = await a()
        .post('/api/hooks', { name: 'soft-hook', phase: 'post', kind: 'webhook', config: { url: 'https://lims.example.org/soft' }, secret: 'soft-hook-signing-key' })
        .expect(201);
      expect((await a().delete(`/api/hooks/${hook.body.id}`).expect(200)).body).toMatchObject({ hasSecret: true, deletedAt: expect.any(String) });
      expect((await a().post(`/api/hooks/${hook.body.id}/restore`).expect(200)).body).toMatchObject({ hasSecret: true, deletedAt: null });
      const hookAudit = await auditOf('hook', hook.body.id);
      expect(hookAudit.map((e) => e.action)).toEqual(['hook.restored', 'hook.deleted', 'hook.created']);
      for (const e of hookAudit.slice(0, 2)) {
        expect(e.before).toMatchObject({ hasSecret: true });
        expect(e.after).toMatchObject({ hasSecret: true });
      }

      const storage = await a()
        .post('/api/storage-locations', { name: 'soft-s3', type: 's3', config: { bucket: 'soft', endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIA2' }, secret: 'soft-s3-secret' })
        .expect(201);
      expect((await a().delete(`/api/storage-locations/${storage.body.id}`).expect(200)).body.hasSecret).toBe(true);
      expect((await a().post(`/api/storage-locations/${storage.body.id}/restore`).expect(200)).body.hasSecret).toBe(true);
      const storageAudit = (await auditOf('storage_location', storage.body.id)) as Array<{ action: string; before: { hasSecret: boolean }; after: { hasSecret: boolean } }>;
      expect(storageAudit.map((e) => e.action)).toEqual(['storage_location.restored', 'storage_location.deleted', 'storage_location.created']);
      for (const e of storageAudit.slice(0, 2)) {
        expect(e.before.hasSecret).toBe(true);
        expect(e.after.hasSecret).toBe(e.before.hasSecret);
      }
      expect(JSON.stringify([hookAudit, storageAudit])).not.toMatch(/soft-hook-signing-key|soft-s3-secret|v1:/);
    });

    it('counts only live members, in lists as in details', async () => {
      const kept = await createCaller(app, db.dataSource, 'kept-member@example.org', 'user');
      const gone = await createCaller(app, db.dataSource, 'gone-member@example.org', 'user');
      const group = await a().post('/api/groups', { name: 'count-group' }).expect(201);
      const other = await a().post('/api/groups', { name: 'count-group-gone' }).expect(201);
      const project = await a().post('/api/projects', { name: 'count-project' }).expect(201);
      for (const user of [kept, gone]) {
        await a().put(`/api/groups/${group.body.id}/members/${user.id}`).expect(200);
        await a().put(`/api/projects/${project.body.id}/members/users/${user.id}`).expect(200);
      }
      await a().put(`/api/projects/${project.body.id}/members/groups/${group.body.id}`).expect(200);
      await a().put(`/api/projects/${project.body.id}/members/groups/${other.body.id}`).expect(200);
      await a().delete(`/api/users/${gone.id}`).expect(200);
      await a().delete(`/api/groups/${other.body.id}`).expect(200);

      const groupDetail = (await a().get(`/api/groups/${group.body.id}`).expect(200)).body;
      const groupListed = (await a().get('/api/groups?q=count-group').expect(200)).body.items.find((g: { id: string }) => g.id === group.body.id);
      expect(groupDetail.members.map((m: { id: string }) => m.id)).toEqual([kept.id]);
      expect(groupDetail.memberCount).toBe(1);
      expect(groupListed.memberCount).toBe(groupDetail.memberCount);

      const projectDetail = (await a().get(`/api/projects/${project.body.id}`).expect(200)).body;
      const projectListed = (await a().get('/api/projects?q=count-project').expect(200)).body.items.find((p: { id: string }) => p.id === project.body.id);
      expect(projectDetail.memberCount).toBe(2);
      expect(projectListed.memberCount).toBe(projectDetail.memberCount);
    });

    it('answers 409 naming the field for a duplicate name', async () => {
      await a().post('/api/groups', { name: 'Unique-Name' }).expect(201);
      const dup = await a().post('/api/groups', { name: 'unique-name' }).expect(409);
      expect(dup.body).toEqual({ statusCode: 409, code: 'name_taken', message: 'Another group has this name', field: 'name' });
    });

    it.each([
      ['groups', 'group', () => ({ name: 'taken-group' })],
      ['projects', 'project', () => ({ name: 'taken-project' })],
      ['service-accounts', 'service account', () => ({ name: 'taken-account', username: 'svc', password: 'taken-secret' })],
      ['storage-locations', 'storage location', () => ({ name: 'taken-storage', type: 'posix', config: { path: dir } })],
      ['instruments', 'instrument', () => ({ name: 'taken-instrument', sourceType: 'local', sourceConfig: { path: '/data/taken' } })],
    ])('answers 409 naming the field when a create or a rename takes the name of another of /api/%s', async (path, what, body) => {
      const taken = { statusCode: 409, code: 'name_taken', message: `Another ${what} has this name`, field: 'name' };
      await a().post(`/api/${path}`, body()).expect(201);
      expect((await a().post(`/api/${path}`, body()).expect(409)).body).toEqual(taken);
      const other = (await a().post(`/api/${path}`, { ...body(), name: `other-${path}` }).expect(201)).body.id as string;
      expect((await a().patch(`/api/${path}/${other}`, { name: body().name }).expect(409)).body).toEqual(taken);
    });

    it('refuses an instrument name that differs from another only in case: at an SMB destination they would be one folder', async () => {
      const taken = { statusCode: 409, code: 'name_taken', message: 'Another instrument has this name (Krios-Case: names must differ by more than case)', field: 'name' };
      const body = (name: string) => ({ name, sourceType: 'local', sourceConfig: { path: '/data/case' } });
      const first = (await a().post('/api/instruments', body('Krios-Case')).expect(201)).body.id as string;
      expect((await a().post('/api/instruments', body('krios-case')).expect(409)).body).toEqual(taken);
      const other = (await a().post('/api/instruments', body('krios-other')).expect(201)).body.id as string;
      expect((await a().patch(`/api/instruments/${other}`, { name: 'KRIOS-case' }).expect(409)).body).toEqual(taken);
      // Its own name in another case is no conflict; a deleted one's name is free, until it is restored.
      await a().patch(`/api/instruments/${first}`, { name: 'krios-case' }).expect(200);
      await a().delete(`/api/instruments/${first}`).expect(200);
      await a().patch(`/api/instruments/${other}`, { name: 'Krios-CASE' }).expect(200);
      expect((await a().post(`/api/instruments/${first}/restore`).expect(409)).body).toMatchObject({ code: 'name_taken', field: 'name' });
    });

    it('answers 409 naming the field when a user is created or updated with the email of another', async () => {
      const taken = { statusCode: 409, code: 'email_taken', message: 'Another user has this email', field: 'email' };
      const user = { displayName: 'Taken', password: 'password-123' };
      await a().post('/api/users', { ...user, email: 'taken@example.org' }).expect(201);
      expect((await a().post('/api/users', { ...user, email: 'Taken@example.org' }).expect(409)).body).toEqual(taken);
      const other = (await a().post('/api/users', { ...user, email: 'other@example.org' }).expect(201)).body.id as string;
      expect((await a().patch(`/api/users/${other}`, { email: 'taken@example.org' }).expect(409)).body).toEqual(taken);
    });
  });

  describe('connection tests', () => {
    it('still saves other fields of an instrument whose stored source breaks a rule made since, and says so when the source is saved', async () => {
      const instrument = await a().post('/api/instruments', { name: 'older-rules', sourceType: 'rclone', sourceConfig: { remote: 'lab:bucket' } }).expect(201);
      // Stored before options on a named remote were refused.
      await db.dataSource.query(`UPDATE instruments SET source_config = '{"remote": "lab,opt=x:bucket"}' WHERE id = $1`, [instrument.body.id]);
      await a().patch(`/api/instruments/${instrument.body.id}`, { enabled: false, description: 'paused until its remote is fixed' }).expect(200);
      const resaved = await a().patch(`/api/instruments/${instrument.body.id}`, { sourceConfig: { remote: 'lab,opt=x:bucket' } }).expect(400);
      expect(resaved.body.field).toBe('sourceConfig.remote');
    });

    it('asks for an SMB location\'s password again when its host or port changes, and keeps it for other changes', async () => {
      const config = { host: 'nas.lab', share: 'archive', user: 'svc' };
      const created = await a().post('/api/storage-locations', { name: 'smb-moved', type: 'smb', config, secret: 'nas-password' }).expect(201);
      const url = `/api/storage-locations/${created.body.id}`;
      const moved = await a().patch(url, { config: { ...config, host: 'elsewhere.example.org' } }).expect(400);
      expect(moved.body).toMatchObject({ field: 'secret', message: expect.stringContaining('give the password again when the host or port changes') });
      await a().patch(url, { config: { ...config, port: 4450 } }).expect(400);
      await a().patch(url, { config: { ...config, share: 'archive2' } }).expect(200);
      // A port stored as null (before the API refused null) is the default port, as one left out is:
      // the form sending the config without it is no change of server.
      await db.dataSource.query(`UPDATE storage_locations SET config = config || '{"port": null}' WHERE id = $1`, [created.body.id]);
      await a().patch(url, { config: { ...config, share: 'archive3' } }).expect(200);
      await a().patch(url, { config: { ...config, host: 'elsewhere.example.org' }, secret: 'their-password' }).expect(200);
    });

    it("refuses to move a storage location's root once files were delivered there, unless told they were moved too", async () => {
      const instrument = await createInstrumentRow(db.dataSource, 'moved-root');
      const { storageLocationId } = await seedHarvestedFile(db.dataSource, instrument.id);
      const url = `/api/storage-locations/${storageLocationId}`;
      const refused = await a().patch(url, { config: { path: '/srv/new-archive' } }).expect(409);
      expect(refused.body).toMatchObject({ code: 'files_delivered', field: 'config.path', message: expect.stringMatching(/^Files delivered to store-\w+ are where config.path says now: .* send contentsMoved: true/) });
      expect((await a().get(url).expect(200)).body.config).toEqual({ path: '/tmp' });
      // Its name can change, and its root once the files were moved, said so in the audit.
      await a().patch(url, { name: 'renamed-store', config: { path: '/tmp' } }).expect(200);
      await a().patch(url, { config: { path: '/srv/new-archive' }, contentsMoved: true }).expect(200);
      expect((await a().get(url).expect(200)).body.config).toEqual({ path: '/srv/new-archive' });
      const [event] = (await a().get(`/api/audit?entityType=storage_location&entityId=${storageLocationId}`).expect(200)).body.items as Array<{ after: Record<string, unknown> }>;
      expect(event.after).toMatchObject({ contentsMoved: true, config: { path: '/srv/new-archive' } });
      // A location nothing was delivered to moves freely, also when deliveries there failed.
      const empty = await a().post('/api/storage-locations', { name: 'empty-store', type: 'posix', config: { path: '/tmp/a' } }).expect(201);
      const { runId } = await seedHarvestedFile(db.dataSource, instrument.id, { path: 'data/other.tif' });
      await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total, attempts_failed) VALUES ($1, $2, 1, 1)`, [runId, empty.body.id]);
      await a().patch(`/api/storage-locations/${empty.body.id}`, { config: { path: '/tmp/b' } }).expect(200);

      // S3: endpoint, bucket and prefix say where the files are; region and the access key do not.
      const s3Config = { bucket: 'archive', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIA', region: 'eu-west-1' };
      const s3 = await a().post('/api/storage-locations', { name: 's3-store', type: 's3', config: s3Config, secret: 's3-secret' }).expect(201);
      await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total, files_verified) VALUES ($1, $2, 1, 1)`, [runId, s3.body.id]);
      const s3Url = `/api/storage-locations/${s3.body.id}`;
      await a().patch(s3Url, { config: { ...s3Config, region: 'eu-central-1', accessKeyId: 'AKIA2' } }).expect(200);
      for (const [key, value] of [['bucket', 'archive2'], ['prefix', 'lab'], ['endpoint', 'http://127.0.0.1:10']]) {
        const moved = await a().patch(s3Url, { config: { ...s3Config, [key]: value } }).expect(409);
        expect(moved.body).toMatchObject({ code: 'files_delivered', field: `config.${key}` });
      }
    });

    it('answers 422 naming the cause when a stored secret was sealed under another SHEAF_ENCRYPTION_KEY', async () => {
      const created = await a()
        .post('/api/storage-locations', { name: 'rekeyed', type: 's3', config: { bucket: 'archive', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIA' }, secret: 's3-secret' })
        .expect(201);
      const otherKey = SecretBox.fromBase64(randomBytes(32).toString('base64'));
      await db.dataSource.query(`UPDATE storage_locations SET secret_sealed = $2 WHERE id = $1`, [created.body.id, otherKey.seal('s3-secret')]);
      const res = await a().post(`/api/storage-locations/${created.body.id}/test`).expect(422);
      expect(res.body).toEqual({ statusCode: 422, code: 'invalid_stored_config', message: expect.stringMatching(/wrong encryption key.*set the secret again/) });
    });

    it('reports a writable posix folder as ok, and a missing or read-only one as not ok', async () => {
      const test = async (path: string) => {
        const created = await a().post('/api/storage-locations', { name: `t-${path}`, type: 'posix', config: { path } }).expect(201);
        return (await a().post(`/api/storage-locations/${created.body.id}/test`).expect(200)).body;
      };
      expect(await test(dir)).toEqual({ ok: true, message: `${dir} exists and is writable`, durationMs: expect.any(Number) });
      expect(await test(join(dir, 'missing'))).toMatchObject({ ok: false, message: `${join(dir, 'missing')} does not exist` });
      const readOnly = join(dir, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
      if (process.getuid?.() !== 0) expect(await test(readOnly)).toMatchObject({ ok: false, message: expect.stringContaining('is not writable') });
    });

    it('takes an rclone connection string with quoted values (an S3-compatible source with its endpoint)', async () => {
      const remote = `:s3,provider=Minio,endpoint="http://minio.lab:9000",access_key_id=lab:raw/scope`;
      const created = await a().post('/api/instruments', { name: 'minio-scope', sourceType: 'rclone', sourceConfig: { remote } }).expect(201);
      expect(created.body.sourceConfig).toEqual({ remote });
    });

    it('lists an instrument source with rclone', async () => {
      const source = join(dir, 'source');
      await mkdir(join(source, 'grid1'), { recursive: true });
      await writeFile(join(source, 'grid1', 'image 1.tif'), 'pixels');
      const instrument = await a().post('/api/instruments', { name: 'listable', sourceType: 'local', sourceConfig: { path: source } }).expect(201);
      const res = await a().post(`/api/instruments/${instrument.body.id}/test`).expect(200);
      expect(res.body).toEqual({ ok: true, message: 'listed 1 file(s)', durationMs: expect.any(Number), sample: [{ path: 'grid1/image 1.tif', size: 6, modTime: expect.any(String) }] });
      // A large source: only the first 20 files are shown.
      const large = join(dir, 'large-source');
      await mkdir(large);
      await Promise.all(Array.from({ length: 45 }, (_, i) => writeFile(join(large, `f${i}.raw`), 'x')));
      const big = await a().post('/api/instruments', { name: 'large', sourceType: 'local', sourceConfig: { path: large } }).expect(201);
      const sampled = await a().post(`/api/instruments/${big.body.id}/test`).expect(200);
      expect(sampled.body).toMatchObject({ ok: true, message: 'listed the first 20 files' });
      expect(sampled.body.sample).toHaveLength(20);
      const gone = await a().post('/api/instruments', { name: 'unlistable', sourceType: 'local', sourceConfig: { path: join(dir, 'nope') } }).expect(201);
      expect((await a().post(`/api/instruments/${gone.body.id}/test`).expect(200)).body).toMatchObject({ ok: false });
    });
  });

  describe('connection tests against a real Samba server and a real S3 server', () => {
    it('writes to an SMB share and an S3 bucket, lists an SMB source, and says why a refused password fails', async () => {
      const share = join(dir, 'smb-store');
      await mkdir(join(share, 'incoming'), { recursive: true });
      await writeFile(join(share, 'incoming', 'spectrum 1.csv'), 't,v\n');
      // smbd writes as its mapped account, not as the test's user.
      await chmod(dir, 0o755);
      await chmod(share, 0o777);
      await mkdir(join(dir, 's3-store'));
      const [smb, s3] = await Promise.all([
        startSambaShare({ dir: share, shareName: 'store', user: 'storer', writable: true }),
        startS3Server({ dir: join(dir, 's3-store'), buckets: ['bucket'] }),
      ]);
      try {
        const smbConfig = { host: smb.host, port: smb.port, share: smb.share, path: 'archive/new folder', user: smb.user };
        const s3Config = { bucket: 'bucket', prefix: 'raw', endpoint: s3.endpoint, accessKeyId: s3.accessKey, provider: 'Rclone' };
        const testStorage = async (name: string, type: string, config: object, secret: string) => {
          const created = await a().post('/api/storage-locations', { name, type, config, secret }).expect(201);
          return (await a().post(`/api/storage-locations/${created.body.id}/test`).expect(200)).body;
        };
        // The probe file is written (into a folder that does not exist yet) and removed again.
        expect(await testStorage('smb-ok', 'smb', smbConfig, smb.password)).toEqual({ ok: true, message: 'store/archive/new folder is reachable and writable', durationMs: expect.any(Number) });
        expect(await testStorage('s3-ok', 's3', s3Config, s3.secretKey)).toEqual({ ok: true, message: 'bucket/raw is reachable and writable', durationMs: expect.any(Number) });
        const leftovers = (await readdir(share, { recursive: true })).concat(await readdir(join(dir, 's3-store'), { recursive: true }));
        expect(leftovers.filter((p) => p.includes('.sheaf-write-test-'))).toEqual([]);

        const refused = await testStorage('smb-refused', 'smb', smbConfig, 'not the password');
        expect(refused).toMatchObject({ ok: false, message: expect.stringContaining('The attempted logon is invalid') });
        expect(refused.message).not.toContain('not the password');
        expect(await testStorage('s3-refused', 's3', s3Config, 'not the secret')).toMatchObject({ ok: false, message: expect.stringMatching(/SignatureDoesNotMatch|InvalidAccessKeyId|403/) });

        const testSource = async (name: string, password: string) => {
          const account = await a().post('/api/service-accounts', { name, username: smb.user, domain: smb.domain, password }).expect(201);
          const instrument = await a()
            .post('/api/instruments', { name, sourceType: 'smb', sourceConfig: { host: smb.host, port: smb.port, share: smb.share, path: 'incoming' }, serviceAccountId: account.body.id })
            .expect(201);
          return (await a().post(`/api/instruments/${instrument.body.id}/test`).expect(200)).body;
        };
        expect(await testSource('smb-source', smb.password)).toEqual({
          ok: true,
          message: 'listed 1 file(s)',
          durationMs: expect.any(Number),
          sample: [{ path: 'spectrum 1.csv', size: 4, modTime: expect.any(String) }],
        });
        expect(await testSource('smb-source-refused', 'wrong')).toMatchObject({ ok: false, message: expect.stringContaining('The attempted logon is invalid') });
      } finally {
        await Promise.all([smb.stop(), s3.stop()]);
      }
    }, 120_000);
  });

  describe('hooks', () => {
    it('serves every kind with its phases and JSON Schema', async () => {
      const kinds = (await a().get('/api/hooks/kinds').expect(200)).body as Array<{ kind: string; phases: string[]; schema: { $schema: string }; usesSecret: boolean }>;
      expect(kinds.map((k) => k.kind)).toEqual(['filter', 'metadata', 'access', 'webhook', 'command']);
      expect(kinds.find((k) => k.kind === 'filter')).toMatchObject({ phases: ['pre'], usesSecret: false, schema: { $schema: 'https://json-schema.org/draft/2020-12/schema' } });
      expect(kinds.find((k) => k.kind === 'webhook')?.usesSecret).toBe(true);
    });

    it('says which stored configs fail today’s checks, and lets such a hook be disabled but not enabled', async () => {
      // Saved before metadata patterns compiled with RE2, which has no lookbehind.
      const [row] = (await db.dataSource.query(
        `INSERT INTO hooks (name, phase, kind, config, priority, enabled) VALUES ('older rules', 'pre', 'metadata', $1, 100, true) RETURNING id`,
        [JSON.stringify({ rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }] })],
      )) as Array<{ id: string }>;
      const shown = (await a().get(`/api/hooks/${row.id}`).expect(200)).body;
      expect(shown.configProblem).toMatch(/^config\.rules\[0\]\.pattern error parsing regexp: invalid named capture/);
      expect((await a().patch(`/api/hooks/${row.id}`, { enabled: false }).expect(200)).body).toMatchObject({ enabled: false, configProblem: expect.any(String) });
      expect((await a().patch(`/api/hooks/${row.id}`, { enabled: true }).expect(400)).body.field).toBe('config.rules[0].pattern');
      const fixed = await a().patch(`/api/hooks/${row.id}`, { enabled: true, config: { rules: [{ source: 'path', pattern: 'raw/(?<sample>S\\d+)' }] } }).expect(200);
      expect(fixed.body).toMatchObject({ enabled: true, configProblem: null });

      // Deleted while enabled, such a hook comes back disabled, saying why.
      const [deleted] = (await db.dataSource.query(
        `INSERT INTO hooks (name, phase, kind, config, priority, enabled, deleted_at) VALUES ('older rules, deleted', 'pre', 'metadata', $1, 100, true, now()) RETURNING id`,
        [JSON.stringify({ rules: [{ source: 'path', pattern: '(?<=raw/)(?<sample>S\\d+)' }] })],
      )) as Array<{ id: string }>;
      const restored = (await a().post(`/api/hooks/${deleted.id}/restore`).expect(200)).body;
      expect(restored).toMatchObject({ enabled: false, configProblem: expect.stringMatching(/^config\.rules\[0\]\.pattern/) });
    });

    it('validates a config against its kind, also on update', async () => {
      const hook = await a().post('/api/hooks', { name: 'names', phase: 'pre', kind: 'metadata', config: { rules: [{ source: 'filename', pattern: '^(?<sample>S\\d+)_' }] } }).expect(201);
      const bad = await a().patch(`/api/hooks/${hook.body.id}`, { config: { rules: [{ source: 'filename', pattern: 'no-groups' }] } }).expect(400);
      expect(bad.body).toEqual({ statusCode: 400, code: 'validation_failed', field: 'config.rules[0].pattern', message: 'config.rules[0].pattern has no named group such as (?<sample>...)' });
      await a().post('/api/hooks', { name: 'grant', phase: 'post', kind: 'access', config: {} }).expect(400);
    });
  });

  describe('what the audit says changed', () => {
    const eventCount = async () => Number(((await db.dataSource.query('SELECT count(*) AS n FROM audit_events')) as Array<{ n: string }>)[0].n);

    it('writes no event for an empty PATCH, or one that sends what is stored already, and still one for a real change', async () => {
      const self = await createCaller(app, db.dataSource, 'no-op@example.org', 'user');
      const hook = (await a().post('/api/hooks', { name: 'no-op-hook', phase: 'post', kind: 'webhook', config: { url: 'https://lims.example.org/in', headers: { 'X-Lab': 'cryo' } }, secret: 'no-op-hook-signing-key' }).expect(201)).body;
      const instrument = (await a().post('/api/instruments', { name: 'no-op-scope', sourceType: 'local', sourceConfig: { path: '/tmp' } }).expect(201)).body;
      const group = (await a().post('/api/groups', { name: 'no-op-group' }).expect(201)).body;
      const project = (await a().post('/api/projects', { name: 'no-op-project' }).expect(201)).body;
      // Each PATCH route, and a body that changes nothing (the hook's header value sent back as ***, resealed).
      const noOps: Array<[(body: object) => ReturnType<ReturnType<typeof as>['patch']>, object]> = [
        [(body) => a().patch(`/api/users/${self.id}`, body), { displayName: 'no-op', role: 'user', disabled: false }],
        [(body) => as(app, self).patch('/api/auth/me', body), { displayName: 'no-op' }],
        [(body) => a().patch(`/api/hooks/${hook.id}`, body), { name: 'no-op-hook', config: hook.config, enabled: true }],
        [(body) => a().patch(`/api/instruments/${instrument.id}`, body), { name: 'no-op-scope', sourceConfig: { path: '/tmp' }, enabled: true }],
        [(body) => a().patch(`/api/groups/${group.id}`, body), { name: 'no-op-group', description: '' }],
        [(body) => a().patch(`/api/projects/${project.id}`, body), { name: 'no-op-project', description: '' }],
      ];
      const before = await eventCount();
      for (const [patch, same] of noOps) {
        await patch({}).expect(200);
        await patch(same).expect(200);
      }
      expect(await eventCount()).toBe(before);

      await a().patch(`/api/groups/${group.id}`, { description: 'now described' }).expect(200);
      const [event] = await auditOf('group', group.id);
      expect(event).toMatchObject({ action: 'group.updated', before: { description: '' }, after: { description: 'now described' } });
      expect(await eventCount()).toBe(before + 1);
    });

    it('names the member removed from a group or project, and the group or project an instrument is no longer granted to', async () => {
      const member = await createCaller(app, db.dataSource, 'leaving-member@example.org', 'user');
      const group = (await a().post('/api/groups', { name: 'leaving-group' }).expect(201)).body;
      const project = (await a().post('/api/projects', { name: 'leaving-project' }).expect(201)).body;
      const instrument = (await a().post('/api/instruments', { name: 'leaving-scope', sourceType: 'local', sourceConfig: { path: '/tmp' } }).expect(201)).body;
      await a().put(`/api/groups/${group.id}/members/${member.id}`).expect(200);
      await a().put(`/api/projects/${project.id}/members/users/${member.id}`).expect(200);
      await a().put(`/api/projects/${project.id}/members/groups/${group.id}`).expect(200);
      await a().put(`/api/instruments/${instrument.id}/grants/groups/${group.id}`).expect(200);
      await a().delete(`/api/groups/${group.id}/members/${member.id}`).expect(200);
      await a().delete(`/api/projects/${project.id}/members/users/${member.id}`).expect(200);
      await a().delete(`/api/projects/${project.id}/members/groups/${group.id}`).expect(200);
      await a().delete(`/api/instruments/${instrument.id}/grants/groups/${group.id}`).expect(200);

      const user = { id: member.id, name: 'leaving-member', email: 'leaving-member@example.org' };
      const [groupRemoved] = await auditOf('group', group.id);
      const projectEvents = await auditOf('project', project.id);
      const [grantRevoked] = await auditOf('instrument', instrument.id);
      expect(groupRemoved).toMatchObject({ action: 'group.member_removed', before: { userId: user.id, email: user.email } });
      expect(projectEvents.map((e) => [e.action, e.before ?? e.after])).toEqual([
        ['project.member_removed', { kind: 'group', id: group.id, name: 'leaving-group' }],
        ['project.member_removed', { kind: 'user', ...user }],
        ['project.member_added', { kind: 'group', id: group.id, name: 'leaving-group' }],
        ['project.member_added', { kind: 'user', ...user }],
        ['project.created', expect.anything()],
      ]);
      expect(grantRevoked).toMatchObject({ action: 'instrument.grant_revoked', before: { kind: 'group', id: group.id, name: 'leaving-group' } });
    });
  });

  describe('notifications', () => {
    it('counts unread, marks read, marks all read and dismisses, per user', async () => {
      const [instrument] = (await db.dataSource.query(`INSERT INTO instruments (name, source_type, source_config) VALUES ('noisy', 'local', '{"path": "/x"}') RETURNING id`)) as Array<{ id: string }>;
      const runs = (await db.dataSource.query(
        `INSERT INTO harvest_runs (instrument_id, status, trigger, error, files_failed) VALUES
           ($1, 'failed', 'manual', 'the source is unreachable', 0),
           ($1, 'failed', 'manual', '2 file(s) failed verification or copy', 2),
           ($1, 'failed', 'manual', 'storage location archive: credentials rejected: AccessDenied: bad key', 0) RETURNING id`,
        [instrument.id],
      )) as Array<{ id: string }>;
      const other = await createCaller(app, db.dataSource, 'other-admin@example.org', 'admin');
      const list = async (caller: Caller = admin) => (await as(app, caller).get('/api/notifications').expect(200)).body.items as Array<{ id: string; kind: string; runId: string; readAt: string | null }>;
      const ours = (await list()).filter((n) => runs.some((r) => r.id === n.runId));
      expect(ours.map((n) => n.kind).sort()).toEqual(['credentials_rejected', 'run_failed', 'verification_failed']);
      const count = async (caller: Caller = admin) => (await as(app, caller).get('/api/notifications/unread-count').expect(200)).body.count as number;
      const before = await count();
      await a().post(`/api/notifications/${ours[0].id}/read`).expect(200);
      expect(await count()).toBe(before - 1);
      expect((await a().get('/api/notifications?unread=false').expect(200)).body.items.map((n: { id: string }) => n.id)).toContain(ours[0].id);
      await a().post(`/api/notifications/${ours[1].id}/dismiss`).expect(200);
      expect((await list()).map((n) => n.id)).not.toContain(ours[1].id);
      expect((await a().post('/api/notifications/read-all').expect(200)).body.count).toBe(before - 2);
      expect(await count()).toBe(0);
      // Another admin's state is their own.
      expect(await count(other)).toBe(before);
      expect((await list(other)).map((n) => n.id)).toContain(ours[1].id);
    });
  });
});
