import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { hashPassword } from '@sheaf/crypto';
import { UserEntity } from '@sheaf/db';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp, TEST_JWT_SECRET } from './app';

describe('auth: login, current user, deny by default', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let userId: string;
  const password = 'a long and correct password';

  beforeAll(async () => {
    db = await createTestDatabase();
    // Temporal is not needed here: the client connects lazily and nothing calls it.
    app = await createTestApp(db.url, '127.0.0.1:1');
    const user = await db.dataSource
      .getRepository(UserEntity)
      .save({ email: 'grace@example.org', displayName: 'Grace Hopper', role: 'user', passwordHash: await hashPassword(password) });
    userId = user.id;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const login = (body: object) => request(app.getHttpServer()).post('/api/auth/login').send(body);

  it('logs in with the right password (email case-insensitive) and returns who the token belongs to', async () => {
    const res = await login({ email: 'Grace@Example.org', password }).expect(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      expiresIn: 8 * 3600,
      user: { id: userId, email: 'grace@example.org', displayName: 'Grace Hopper', role: 'user' },
    });
    const me = await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
    expect(me.body).toEqual(res.body.user);
  });

  it('ends the signed-out session only: its token is refused from then on, another session of the user goes on', async () => {
    const me = (token: string) => request(app.getHttpServer()).get('/api/auth/me').set('Authorization', `Bearer ${token}`);
    const laptop = (await login({ email: 'grace@example.org', password }).expect(200)).body.accessToken as string;
    const phone = (await login({ email: 'grace@example.org', password }).expect(200)).body.accessToken as string;
    await request(app.getHttpServer()).post('/api/auth/logout').set('Authorization', `Bearer ${laptop}`).expect(204);
    expect((await me(laptop).expect(401)).body.code).toBe('unauthorized');
    await me(phone).expect(200);
    // Signing out twice, or without a session, changes nothing more.
    await request(app.getHttpServer()).post('/api/auth/logout').set('Authorization', `Bearer ${laptop}`).expect(401);
    await request(app.getHttpServer()).post('/api/auth/logout').expect(401);
    // A token from before sessions had ids still works until it expires: there is nothing to end.
    const older = await app.get(JwtService).signAsync({ sub: userId, role: 'user', issuedAtMs: Date.now() });
    await request(app.getHttpServer()).post('/api/auth/logout').set('Authorization', `Bearer ${older}`).expect(204);
    await me(older).expect(200);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const wrong = await login({ email: 'grace@example.org', password: 'nope' }).expect(401);
    const unknown = await login({ email: 'nobody@example.org', password: 'nope' }).expect(401);
    expect(wrong.body).toEqual({ statusCode: 401, code: 'invalid_credentials', message: 'Wrong email or password' });
    expect(unknown.body).toEqual(wrong.body);
  });

  it.each([
    [{ email: 'not-an-email', password }, 'email', 'email must be an email address'],
    [{ email: 'grace@example.org' }, 'password', 'password must be a string'],
    [{ email: 'grace@example.org', password: '' }, 'password', 'password must not be empty'],
    [{ email: 'grace@example.org', password: 42 }, 'password', 'password must be a string'],
    [{ email: 'grace@example.org', password, role: 'admin' }, 'role', 'property role should not exist'],
  ])('rejects %j with 400 naming the field', async (body, field, message) => {
    const res = await login(body).expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'validation_failed', message, field });
  });

  it('answers malformed JSON with a 400 in the standard error shape', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'bad_request', message: expect.any(String) });
  });

  it('denies every non-public route without a valid token', async () => {
    const server = app.getHttpServer();
    await request(server).get('/api/auth/me').expect(401);
    await request(server).get('/api/auth/me').set('Authorization', 'Bearer not-a-jwt').expect(401);
    const forged = await new JwtService({ secret: 'another-secret-of-sufficient-length!' }).signAsync({ sub: userId, role: 'admin' });
    await request(server).get('/api/auth/me').set('Authorization', `Bearer ${forged}`).expect(401);
  });

  it('refuses an expired token, an unsigned one and one with a subject that is not a user id', async () => {
    const server = app.getHttpServer();
    const rightKey = new JwtService({ secret: TEST_JWT_SECRET });
    const valid = await rightKey.signAsync({ sub: userId, role: 'user' });
    await request(server).get('/api/auth/me').set('Authorization', `Bearer ${valid}`).expect(200);

    const expired = await rightKey.signAsync({ sub: userId, role: 'user', exp: Math.floor(Date.now() / 1000) - 60 });
    await request(server).get('/api/auth/me').set('Authorization', `Bearer ${expired}`).expect(401);

    const [, payload] = valid.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    await request(server).get('/api/auth/me').set('Authorization', `Bearer ${unsigned}`).expect(401);

    const notAUser = await rightKey.signAsync({ sub: 'admin', role: 'admin' });
    await request(server).get('/api/auth/me').set('Authorization', `Bearer ${notAUser}`).expect(401);
  });

  it('refuses a session issued in the very millisecond of a password change, and takes one issued the millisecond after', async () => {
    // A change that waited for a login's lock on the user is stamped once it has the row: maybe the login's millisecond still.
    const changedAt = new Date(Date.now() - 60_000);
    await db.dataSource.getRepository(UserEntity).update({ id: userId }, { passwordChangedAt: changedAt });
    try {
      const jwt = app.get(JwtService);
      const me = async (issuedAtMs: number) =>
        (await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', `Bearer ${await jwt.signAsync({ sub: userId, role: 'user', issuedAtMs, sid: randomUUID() })}`)).status;
      expect([await me(changedAt.getTime()), await me(changedAt.getTime() + 1)]).toEqual([401, 200]);
    } finally {
      await db.dataSource.getRepository(UserEntity).update({ id: userId }, { passwordChangedAt: null });
    }
  });

  it("stops a disabled user's existing tokens at once", async () => {
    const res = await login({ email: 'grace@example.org', password }).expect(200);
    await db.dataSource.getRepository(UserEntity).update({ id: userId }, { disabledAt: new Date() });
    try {
      await request(app.getHttpServer()).get('/api/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`).expect(401);
      await login({ email: 'grace@example.org', password }).expect(401);
    } finally {
      await db.dataSource.getRepository(UserEntity).update({ id: userId }, { disabledAt: null });
    }
  });
});
