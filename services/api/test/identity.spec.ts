import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import type { QueryRunner } from 'typeorm';
import { hashPassword } from '@sheaf/crypto';
import { changedRows } from '@sheaf/db';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { PASSWORD, as, createCaller, createInstrumentRow, whileRowHeld, type Caller } from './fixtures';

/** Roles, API tokens, disabled and deleted users, login rate limiting. */
describe('identity: roles, API tokens, disabled users, login limits', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  let user: Caller;

  const withToken = (token: string) => ({
    get: (url: string) => request(app.getHttpServer()).get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string, body: object = {}) => request(app.getHttpServer()).post(url).set('Authorization', `Bearer ${token}`).send(body),
  });
  const newToken = async (caller: Caller, scope: 'read' | 'harvest'): Promise<{ id: string; token: string }> =>
    (await as(app, caller).post('/api/auth/tokens', { name: `${scope} token`, scope }).expect(201)).body;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1', { LOGIN_MAX_FAILURES: '2', LOGIN_WINDOW_SECONDS: '600', TEMPORAL_CALL_TIMEOUT_MS: '300' });
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    user = await createCaller(app, db.dataSource, 'user@example.org', 'user');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('roles', () => {
    it('lets nobody change their own role, admins included', async () => {
      const res = await as(app, admin).patch(`/api/users/${admin.id}`, { role: 'user' }).expect(403);
      expect(res.body).toEqual({ statusCode: 403, code: 'own_role', message: 'Nobody may change their own role', field: 'role' });
      await as(app, user).patch(`/api/users/${user.id}`, { role: 'admin' }).expect(403);
      await as(app, user).patch('/api/auth/me', { role: 'admin' }).expect(400);
      expect((await as(app, user).get('/api/auth/me').expect(200)).body.role).toBe('user');
    });

    it('lets an admin change another user’s role, and the change applies to their live session', async () => {
      const other = await createCaller(app, db.dataSource, 'promoted@example.org', 'user');
      await as(app, other).get('/api/users').expect(403);
      await as(app, admin).patch(`/api/users/${other.id}`, { role: 'admin' }).expect(200);
      await as(app, other).get('/api/users').expect(200);
    });

    it('keeps admins from disabling or deleting themselves', async () => {
      expect((await as(app, admin).patch(`/api/users/${admin.id}`, { disabled: true }).expect(403)).body.code).toBe('own_account');
      expect((await as(app, admin).delete(`/api/users/${admin.id}`).expect(403)).body.code).toBe('own_account');
    });

    it('knows an admin by their id in upper case too: no changing their own role, disabling or deleting themselves that way', async () => {
      const upper = admin.id.toUpperCase();
      expect((await as(app, admin).patch(`/api/users/${upper}`, { role: 'user' }).expect(403)).body.code).toBe('own_role');
      expect((await as(app, admin).patch(`/api/users/${upper}`, { disabled: true }).expect(403)).body.code).toBe('own_account');
      expect((await as(app, admin).delete(`/api/users/${upper}`).expect(403)).body.code).toBe('own_account');
      expect((await as(app, admin).get('/api/auth/me').expect(200)).body).toMatchObject({ id: admin.id, role: 'admin' });
    });

    it('lets an admin set their own password only through PATCH /api/auth/me, with the current one', async () => {
      const self = await createCaller(app, db.dataSource, 'own-password@example.org', 'admin');
      const res = await as(app, self).patch(`/api/users/${self.id}`, { password: 'set without the old one' }).expect(403);
      expect(res.body).toEqual({
        statusCode: 403,
        code: 'own_password',
        message: 'Change your own password with PATCH /api/auth/me, which asks for the current one',
        field: 'password',
      });
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'own-password@example.org', password: PASSWORD }).expect(200);
      await as(app, self).get('/api/auth/me').expect(200);
    });

    it('changes one’s own password only with the current one', async () => {
      const self = await createCaller(app, db.dataSource, 'self@example.org', 'user');
      const noCurrent = await as(app, self).patch('/api/auth/me', { newPassword: 'another long password' }).expect(400);
      expect(noCurrent.body.field).toBe('currentPassword');
      await as(app, self).patch('/api/auth/me', { currentPassword: 'wrong', newPassword: 'another long password' }).expect(400);
      await as(app, self).patch('/api/auth/me', { currentPassword: PASSWORD, newPassword: 'another long password' }).expect(200);
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'self@example.org', password: 'another long password' }).expect(200);
    });
  });

  describe('the last active admin', () => {
    // Two admins, each demoting, disabling or deleting the other at once: the other's change
    // (every admin but the target demoted) is held uncommitted while the request is sent.
    it.each([
      ['demoting', 'role', (caller: Caller, id: string) => as(app, caller).patch(`/api/users/${id}`, { role: 'user' })],
      ['disabling', 'disabled', (caller: Caller, id: string) => as(app, caller).patch(`/api/users/${id}`, { disabled: true })],
      ['deleting', undefined, (caller: Caller, id: string) => as(app, caller).delete(`/api/users/${id}`)],
    ])('refuses %s them while another admin demotes the rest at once (409 last_admin)', async (what, field, change) => {
      const actor = await createCaller(app, db.dataSource, `${what}-actor@example.org`, 'admin');
      const target = await createCaller(app, db.dataSource, `${what}-target@example.org`, 'admin');
      const { res, held } = await whileRowHeld(
        db.dataSource,
        (other) => changedRows<{ id: string }>(other.manager, `UPDATE users SET role = 'user' WHERE role = 'admin' AND id <> $1 RETURNING id`, [target.id]),
        () => change(actor, target.id),
      );
      try {
        expect(res.status).toBe(409);
        expect(res.body).toEqual({
          statusCode: 409,
          code: 'last_admin',
          message: 'This is the only active admin: make another user an admin first',
          ...(field && { field }),
        });
        const [row] = (await db.dataSource.query(`SELECT role, disabled_at, deleted_at FROM users WHERE id = $1`, [target.id])) as unknown[];
        expect(row).toEqual({ role: 'admin', disabled_at: null, deleted_at: null });
      } finally {
        await db.dataSource.query(`UPDATE users SET role = 'admin' WHERE id = ANY($1::uuid[])`, [held.map((r) => r.id)]);
      }
    });
  });

  describe('passwords', () => {
    // bcrypt reads 72 bytes: the 73rd character on would have counted for nothing.
    const long = 'x'.repeat(73);
    const accented = 'é'.repeat(37); // 37 characters, 74 bytes
    const refusal = (field: string) => ({
      statusCode: 400,
      code: 'validation_failed',
      message: `${field} must be at most 72 bytes in UTF-8 (72 ASCII characters, fewer accented or non-Latin ones)`,
      field,
    });

    it('refuses to set a password longer than 72 bytes, for a new user, an admin reset or one’s own change, and stores nothing', async () => {
      const newUser = (password: string) => as(app, admin).post('/api/users', { email: 'long-password@example.org', displayName: 'Long', password });
      expect((await newUser(long)).body).toEqual(refusal('password'));
      expect((await newUser(accented)).body).toEqual(refusal('password'));
      expect((await db.dataSource.query(`SELECT id FROM users WHERE email = 'long-password@example.org'`)) as unknown[]).toEqual([]);

      const self = await createCaller(app, db.dataSource, 'long-self@example.org', 'user');
      expect((await as(app, admin).patch(`/api/users/${self.id}`, { password: long })).body).toEqual(refusal('password'));
      expect((await as(app, self).patch('/api/auth/me', { currentPassword: PASSWORD, newPassword: accented })).body).toEqual(refusal('newPassword'));
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'long-self@example.org', password: PASSWORD }).expect(200);

      // 72 bytes exactly is a password, every byte of it.
      const longest = 'y'.repeat(72);
      await as(app, self).patch('/api/auth/me', { currentPassword: PASSWORD, newPassword: longest }).expect(200);
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'long-self@example.org', password: longest }).expect(200);
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'long-self@example.org', password: `${longest.slice(0, 71)}z` }).expect(401);
    });

    it('still lets a login try a long password: a wrong one is a 401, not a 400', async () => {
      const res = await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'user@example.org', password: 'z'.repeat(500) }).expect(401);
      expect(res.body.code).toBe('invalid_credentials');
    });
  });

  describe('API tokens', () => {
    it('shows a token once, stores only its SHA-256, and records when it was used', async () => {
      const created = await newToken(user, 'read');
      expect(created.token).toMatch(/^sheaf_[A-Za-z0-9_-]{43}$/);
      const listed = await as(app, user).get('/api/auth/tokens').expect(200);
      expect(JSON.stringify(listed.body)).not.toContain(created.token);
      expect(listed.body.items[0]).toMatchObject({ id: created.id, prefix: created.token.slice(0, 12), scope: 'read', lastUsedAt: null });
      const [stored] = (await db.dataSource.query(`SELECT token_hash FROM api_tokens WHERE id = $1`, [created.id])) as Array<{ token_hash: string }>;
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.token_hash).not.toContain(created.token.slice(6, 20));

      const me = await withToken(created.token).get('/api/auth/me').expect(200);
      expect(me.body).toEqual({ id: user.id, email: user.email, displayName: expect.any(String), role: 'user' });
      const after = await as(app, user).get('/api/auth/tokens').expect(200);
      expect(after.body.items.find((t: { id: string }) => t.id === created.id).lastUsedAt).toEqual(expect.any(String));
    });

    it('limits a read token to reads, a harvest token to reads and harvests, and keeps tokens off session-only routes', async () => {
      const instrument = await createInstrumentRow(db.dataSource, 'scope-1');
      const read = await newToken(admin, 'read');
      const harvest = await newToken(admin, 'harvest');
      await withToken(read.token).get('/api/users').expect(200);
      const refused = await withToken(read.token).post('/api/harvests', { instrumentId: instrument.id }).expect(403);
      expect(refused.body).toEqual({ statusCode: 403, code: 'token_scope', message: 'This API token has scope read; this needs scope harvest' });
      // Past the scope check: the instrument has no destination.
      expect((await withToken(harvest.token).post('/api/harvests', { instrumentId: instrument.id }).expect(409)).body.code).toBe('no_destination');
      const sessionOnly = await withToken(harvest.token).post('/api/groups', { name: 'from-a-token' }).expect(403);
      expect(sessionOnly.body.code).toBe('session_required');
      await withToken(harvest.token).post('/api/auth/tokens', { name: 'more', scope: 'harvest' }).expect(403);
    });

    it('stops a revoked token, and lets a user revoke only their own', async () => {
      const created = await newToken(user, 'read');
      await as(app, admin).delete(`/api/auth/tokens/${created.id}`).expect(404);
      await withToken(created.token).get('/api/auth/me').expect(200);
      const revoked = await as(app, user).delete(`/api/auth/tokens/${created.id}`).expect(200);
      expect(revoked.body.revokedAt).toEqual(expect.any(String));
      await withToken(created.token).get('/api/auth/me').expect(401);
      await withToken(`${created.token.slice(0, -1)}x`).get('/api/auth/me').expect(401);
    });

    it("ends a disabled user's sessions and revokes their tokens for good: enabling them again brings back neither", async () => {
      const worker = await createCaller(app, db.dataSource, 'disabled@example.org', 'user');
      const token = await newToken(worker, 'read');
      await as(app, admin).patch(`/api/users/${worker.id}`, { disabled: true }).expect(200);
      await withToken(token.token).get('/api/auth/me').expect(401);
      await as(app, worker).get('/api/auth/me').expect(401);
      await as(app, admin).patch(`/api/users/${worker.id}`, { disabled: false }).expect(200);
      await withToken(token.token).get('/api/auth/me').expect(401);
      await as(app, worker).get('/api/auth/me').expect(401);
      await request(app.getHttpServer()).post('/api/auth/login').send({ email: 'disabled@example.org', password: PASSWORD }).expect(200);
      const tokens = await as(app, admin).get(`/api/users/${worker.id}/tokens`).expect(200);
      expect(tokens.body.items).toEqual([expect.objectContaining({ id: token.id, revokedAt: expect.any(String) })]);
      const audit = await as(app, admin).get(`/api/audit?entityType=user&entityId=${worker.id}&action=user.updated`).expect(200);
      expect(audit.body.items.map((e: { after: Record<string, unknown> }) => [e.after.disabled, e.after.apiTokensRevoked])).toEqual([
        [false, undefined],
        [true, 1],
      ]);
    });

    it('revokes the tokens and ends the sessions of a user disabled already, disabled again (as one disabled before disabling did so)', async () => {
      const earlier = await createCaller(app, db.dataSource, 'disabled-earlier@example.org', 'user');
      const token = await newToken(earlier, 'read');
      // Disabled as an older release disabled: tokens and sessions kept.
      await db.dataSource.query(`UPDATE users SET disabled_at = now() - interval '1 day' WHERE id = $1`, [earlier.id]);
      const [{ disabled_at: disabledAt }] = (await db.dataSource.query(`SELECT disabled_at FROM users WHERE id = $1`, [earlier.id])) as Array<{ disabled_at: Date }>;
      const res = await as(app, admin).patch(`/api/users/${earlier.id}`, { disabled: true }).expect(200);
      expect(res.body).toMatchObject({ disabled: true });
      const [row] = (await db.dataSource.query(`SELECT disabled_at FROM users WHERE id = $1`, [earlier.id])) as Array<{ disabled_at: Date }>;
      expect(row.disabled_at).toEqual(disabledAt);
      await as(app, admin).patch(`/api/users/${earlier.id}`, { disabled: false }).expect(200);
      await withToken(token.token).get('/api/auth/me').expect(401);
      await as(app, earlier).get('/api/auth/me').expect(401);
      const audit = await as(app, admin).get(`/api/audit?entityType=user&entityId=${earlier.id}&action=user.updated`).expect(200);
      expect(audit.body.items.map((e: { after: Record<string, unknown> }) => [e.after.disabled, e.after.apiTokensRevoked])).toEqual([
        [false, undefined],
        [true, 1],
      ]);
    });

    it('records which tokens a disable or delete revoked: each is found by its token id, and the user event lists them', async () => {
      const disabled = await createCaller(app, db.dataSource, 'disabled-tokens@example.org', 'user');
      const deleted = await createCaller(app, db.dataSource, 'deleted-tokens@example.org', 'user');
      const [first, second, third] = [await newToken(disabled, 'read'), await newToken(disabled, 'harvest'), await newToken(deleted, 'read')];
      await as(app, disabled).delete(`/api/auth/tokens/${first.id}`).expect(200);
      await as(app, admin).patch(`/api/users/${disabled.id}`, { disabled: true }).expect(200);
      await as(app, admin).delete(`/api/users/${deleted.id}`).expect(200);

      const eventsOf = async (query: string) => (await as(app, admin).get(`/api/audit?${query}`).expect(200)).body.items as Array<{ action: string; actorUserId: string; after: Record<string, unknown> }>;
      const [secondRevoked] = await eventsOf(`entityType=api_token&entityId=${second.id}&action=api_token.revoked`);
      const [thirdRevoked] = await eventsOf(`entityType=api_token&entityId=${third.id}&action=api_token.revoked`);
      expect(secondRevoked).toMatchObject({ actorUserId: admin.id, after: { userId: disabled.id, revokedAt: expect.any(String), revokedWith: 'user.updated' } });
      expect(thirdRevoked).toMatchObject({ actorUserId: admin.id, after: { userId: deleted.id, revokedAt: expect.any(String), revokedWith: 'user.deleted' } });
      // The token its user revoked before is neither revoked again nor counted.
      expect((await eventsOf(`entityType=api_token&entityId=${first.id}&action=api_token.revoked`)).map((e) => e.actorUserId)).toEqual([disabled.id]);
      const [disableEvent] = await eventsOf(`entityType=user&entityId=${disabled.id}&action=user.updated`);
      const [deleteEvent] = await eventsOf(`entityType=user&entityId=${deleted.id}&action=user.deleted`);
      expect([disableEvent.after, deleteEvent.after]).toEqual([
        expect.objectContaining({ apiTokensRevoked: 1, apiTokenIds: [second.id] }),
        expect.objectContaining({ apiTokensRevoked: 1, apiTokenIds: [third.id] }),
      ]);
    });

    it('refuses a token its user creates while an admin disables them, instead of inserting one the disable missed', async () => {
      const racing = await createCaller(app, db.dataSource, 'token-while-disabled@example.org', 'user');
      // A disable in progress, as PATCH /api/users/:id { disabled: true } does it: the user's row
      // FOR UPDATE, disabled, their sessions ended and their live tokens revoked.
      const { res } = await whileRowHeld(
        db.dataSource,
        async (disabling) => {
          await disabling.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [racing.id]);
          await disabling.query(`UPDATE users SET disabled_at = now(), password_changed_at = now() WHERE id = $1`, [racing.id]);
          await disabling.query(`UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [racing.id]);
        },
        () => as(app, racing).post('/api/auth/tokens', { name: 'racing', scope: 'read' }),
      );
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: { statusCode: 401, code: 'unauthorized', message: 'The account is disabled or deleted' },
      });
      await as(app, admin).patch(`/api/users/${racing.id}`, { disabled: false }).expect(200);
      expect(await db.dataSource.query(`SELECT id FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL`, [racing.id])).toEqual([]);
    });

    it("lets an admin list and revoke another user's tokens (audited), and nobody else", async () => {
      const owner = await createCaller(app, db.dataSource, 'token-owner@example.org', 'user');
      const [kept, revoked] = [await newToken(owner, 'read'), await newToken(owner, 'harvest')];
      const listed = await as(app, admin).get(`/api/users/${owner.id}/tokens`).expect(200);
      expect(listed.body).toMatchObject({ total: 2, items: [{ id: revoked.id, scope: 'harvest', revokedAt: null }, { id: kept.id, scope: 'read', revokedAt: null }] });
      expect(JSON.stringify(listed.body)).not.toContain(kept.token);
      expect((await as(app, owner).get(`/api/users/${owner.id}/tokens`).expect(403)).body.code).toBe('admin_only');
      await as(app, owner).delete(`/api/users/${owner.id}/tokens/${revoked.id}`).expect(403);
      // A token is revoked under its own user only.
      await as(app, admin).delete(`/api/users/${user.id}/tokens/${revoked.id}`).expect(404);
      await as(app, admin).get(`/api/users/00000000-0000-4000-8000-000000000000/tokens`).expect(404);

      const res = await as(app, admin).delete(`/api/users/${owner.id}/tokens/${revoked.id}`).expect(200);
      expect(res.body).toMatchObject({ id: revoked.id, revokedAt: expect.any(String) });
      await withToken(revoked.token).get('/api/auth/me').expect(401);
      await withToken(kept.token).get('/api/auth/me').expect(200);
      const audit = await as(app, admin).get(`/api/audit?entityType=api_token&entityId=${revoked.id}&action=api_token.revoked`).expect(200);
      expect(audit.body.items).toEqual([expect.objectContaining({ actorUserId: admin.id, after: expect.objectContaining({ userId: owner.id, revokedAt: expect.any(String) }) })]);
    });

    it('ends the sessions issued before a password change, their own or an admin reset, and keeps API tokens', async () => {
      const changer = await createCaller(app, db.dataSource, 'changer@example.org', 'user');
      const token = await newToken(changer, 'read');
      const login = (password: string) => request(app.getHttpServer()).post('/api/auth/login').send({ email: 'changer@example.org', password });
      const other = `Bearer ${(await login(PASSWORD).expect(200)).body.accessToken as string}`;
      await as(app, changer).patch('/api/auth/me', { currentPassword: PASSWORD, newPassword: 'a new and longer password' }).expect(200);
      // Both sessions end, the one that made the change too; the portal signs in again.
      await as(app, changer).get('/api/auth/me').expect(401);
      await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', other).expect(401);
      const fresh = `Bearer ${(await login('a new and longer password').expect(200)).body.accessToken as string}`;
      await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', fresh).expect(200);
      // An integrator's API token is revoked on its own, not by a password change.
      await withToken(token.token).get('/api/auth/me').expect(200);

      await as(app, admin).patch(`/api/users/${changer.id}`, { password: 'set by an admin 123' }).expect(200);
      await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', fresh).expect(401);
      // An admin's reset too: the admin revokes tokens one by one, or disables the user.
      await withToken(token.token).get('/api/auth/me').expect(200);
      await login('set by an admin 123').expect(200);
      // A change of name leaves sessions alone.
      const kept = `Bearer ${(await login('set by an admin 123').expect(200)).body.accessToken as string}`;
      await as(app, admin).patch(`/api/users/${changer.id}`, { displayName: 'Changer' }).expect(200);
      await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', kept).expect(200);
    });

    it.each([
      // As PATCH /api/users/:id { password } (or PATCH /api/auth/me) does: a new hash, sessions before now ended.
      ['a password reset', (other: QueryRunner, id: string, hash: string) => other.query(`UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1`, [id, hash])],
      ['a disable', (other: QueryRunner, id: string) => other.query(`UPDATE users SET disabled_at = now(), password_changed_at = now() WHERE id = $1`, [id])],
      ['a delete', (other: QueryRunner, id: string) => other.query(`UPDATE users SET deleted_at = now(), password_changed_at = now() WHERE id = $1`, [id])],
    ])('refuses a login whose password was checked while %s of the account was being committed, instead of a session stamped later than it', async (what, change) => {
      const email = `login-during-${what.split(' ').pop() as string}@example.org`;
      const racing = await createCaller(app, db.dataSource, email, 'user');
      const newHash = await hashPassword('set while the login ran');
      // The change holds the user's row (FOR UPDATE, as the API's does), stamped and not yet
      // committed, while the login compares the old password; it commits once the login waits.
      const { res } = await whileRowHeld(
        db.dataSource,
        async (other) => {
          await other.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [racing.id]);
          await change(other, racing.id, newHash);
        },
        () => request(app.getHttpServer()).post('/api/auth/login').set('X-Forwarded-For', '10.0.3.1').send({ email, password: PASSWORD }),
      );
      expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { statusCode: 401, code: 'invalid_credentials', message: 'Wrong email or password' } });
    });

    it("stops a deleted user's tokens, and frees their email", async () => {
      const leaver = await createCaller(app, db.dataSource, 'leaver@example.org', 'user');
      const token = await newToken(leaver, 'harvest');
      await as(app, admin).delete(`/api/users/${leaver.id}`).expect(200);
      await withToken(token.token).get('/api/auth/me').expect(401);
      await as(app, leaver).get('/api/auth/me').expect(401);
      await as(app, admin).post('/api/users', { email: 'leaver@example.org', displayName: 'Next', password: 'password-123' }).expect(201);
      const restore = await as(app, admin).post(`/api/users/${leaver.id}/restore`).expect(409);
      expect(restore.body).toMatchObject({ code: 'email_taken', field: 'email' });
    });

    it('brings back no API token or session when a deleted user is restored', async () => {
      const returning = await createCaller(app, db.dataSource, 'returning@example.org', 'user');
      const token = await newToken(returning, 'harvest');
      await as(app, admin).delete(`/api/users/${returning.id}`).expect(200);
      await as(app, admin).post(`/api/users/${returning.id}/restore`).expect(200);
      await withToken(token.token).get('/api/auth/me').expect(401);
      await as(app, returning).get('/api/auth/me').expect(401);
      const audit = await as(app, admin).get(`/api/audit?entityType=user&entityId=${returning.id}&action=user.deleted`).expect(200);
      expect(audit.body.items[0].after).toMatchObject({ apiTokensRevoked: 1 });
    });
  });

  describe('login rate limiting', () => {
    const login = (email: string, password: string, address = '10.0.0.1') =>
      request(app.getHttpServer()).post('/api/auth/login').set('X-Forwarded-For', address).send({ email, password });

    it('refuses logins after too many failures for one email from one address, with Retry-After, even with the right password', async () => {
      await createCaller(app, db.dataSource, 'target@example.org', 'user');
      for (let i = 0; i < 2; i++) await login('target@example.org', 'guess').expect(401);
      const limited = await login('target@example.org', PASSWORD).expect(429);
      expect(limited.body).toEqual({ statusCode: 429, code: 'too_many_login_attempts', message: expect.stringMatching(/^Too many failed logins; try again in \d+ s$/) });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(500);
      // Another user's login is not affected.
      await login('user@example.org', PASSWORD).expect(200);
    });

    it('counts attempts sent at once: only the allowed number reach the password check', async () => {
      await createCaller(app, db.dataSource, 'burst@example.org', 'user');
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login('burst@example.org', `guess-${i}`, '10.0.0.20')));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([...Array<number>(2).fill(401), ...Array<number>(10).fill(429)]);
    });

    it("believes X-Forwarded-For only from the proxies TRUST_PROXY names", async () => {
      // The test's requests come from loopback, which this API does not trust: the header is ignored.
      const untrusting = await createTestApp(db.url, '127.0.0.1:1', { LOGIN_MAX_FAILURES: '2', LOGIN_WINDOW_SECONDS: '600', TRUST_PROXY: '192.0.2.1' });
      try {
        const attempt = (address: string) =>
          request(untrusting.getHttpServer()).post('/api/auth/login').set('X-Forwarded-For', address).send({ email: 'proxied@example.org', password: 'guess' });
        await attempt('10.0.1.1').expect(401);
        await attempt('10.0.1.2').expect(401);
        // A third "address" is the same client to this API.
        await attempt('10.0.1.3').expect(429);
      } finally {
        await untrusting.close();
      }
    });

    it('counts one address across many emails too (password spraying)', async () => {
      for (let i = 0; i < 20; i++) await login(`spray${i}@example.org`, 'guess', '10.0.0.9').expect(401);
      await login('user@example.org', PASSWORD, '10.0.0.9').expect(429);
    });
  });
});
