import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { mintArk } from '@sheaf/ark';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, type Caller, type SeededFile } from './fixtures';

describe('ARK resolver', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  let file: SeededFile;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    const instrument = await createInstrumentRow(db.dataSource, 'krios-2');
    file = await seedHarvestedFile(db.dataSource, instrument.id, { path: 'session 4/grid_07.mrc' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const name = () => file.ark.slice('ark:99999/'.length);

  it.each([
    ['the canonical form', () => `/ark:99999/${name()}`],
    ['the older ark:/ form', () => `/ark:/99999/${name()}`],
    ['upper case', () => `/ARK:99999/${name().toUpperCase()}`],
    ['hyphens anywhere in the name', () => `/ark:99999/${name().slice(0, 3)}-${name().slice(3, 6)}-${name().slice(6)}`],
    ['a percent-encoded colon', () => `/ark%3A99999/${name()}`],
    // What OpenAPI clients and Swagger UI send for the {ark} path parameter.
    ['a percent-encoded slash', () => `/ark:99999%2F${name()}`],
    ['the older ark:/ form, its slashes percent-encoded', () => `/ark:%2F99999%2F${name()}`],
    ['?info=false, as clients send an unset flag', () => `/ark:99999/${name()}?info=false`],
    ['?info=False, in any case', () => `/ark:99999/${name()}?info=False`],
    ['?info=0', () => `/ark:99999/${name()}?info=0`],
    ['info=false after another parameter', () => `/ark:99999/${name()}?utm_source=mail&info=false`],
    ['other parameters without info', () => `/ark:99999/${name()}?utm_source=mail`],
  ])('redirects %s to the file’s page in the portal, without authentication', async (_form, url) => {
    const res = await request(app.getHttpServer()).get(url()).expect(302);
    expect(res.headers.location).toBe(`http://portal.test/files/${file.fileVersionId}`);
  });

  it("answers ?info with ERC text: who, what, when, where (the file's page in the portal), size and SHA-256", async () => {
    const res = await as(app, admin).get(`/ark:/99999/${name().toUpperCase()}?info`).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe(
      [
        'erc:',
        'who: krios-2',
        'what: grid_07.mrc',
        'when: 2026-01-02T03:04:05.000Z',
        `where: http://portal.test/files/${file.fileVersionId}`,
        'size: 5',
        `sha256: ${'a'.repeat(64)}`,
        '',
      ].join('\n'),
    );
  });

  it('takes where from the configured portal URL, never from a Host or X-Forwarded-Host the client sent', async () => {
    const res = await as(app, admin)
      .get(`/${file.ark}?info`)
      .set('Accept', 'application/json')
      .set('Host', 'forged.example')
      .set('X-Forwarded-Host', 'forged-too.example')
      .set('X-Forwarded-Proto', 'https')
      .expect(200);
    expect(res.body.where).toBe(`http://portal.test/files/${file.fileVersionId}`);
  });

  it('answers ?info=true like ?info, also with the slash percent-encoded', async () => {
    const res = await as(app, admin).get(`/ark:99999%2F${name()}?info=true`).set('Accept', 'application/json').expect(200);
    expect(res.body).toMatchObject({ ark: file.ark, fileVersionId: file.fileVersionId });
  });

  it.each(['?info=1', '?info=TRUE', '?info=', '?utm_source=mail&info', '?utm_source=mail&info=true'])('answers %s like ?info', async (query) => {
    const res = await as(app, admin).get(`/${file.ark}${query}`).set('Accept', 'application/json').expect(200);
    expect(res.body).toMatchObject({ ark: file.ark, fileVersionId: file.fileVersionId });
  });

  it.each([
    ['?info=yes', 'info must be empty, true, 1, false or 0'],
    ['?info=constructor', 'info must be empty, true, 1, false or 0'],
    ['?utm_source=mail&info=no', 'info must be empty, true, 1, false or 0'],
    ['?info=false&info=true', 'info may be given once'],
  ])('refuses %s with 400 naming info, before asking who calls', async (query, message) => {
    const res = await request(app.getHttpServer()).get(`/${file.ark}${query}`).expect(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'validation_failed', message, field: 'info' });
  });

  it('answers ?info as JSON when asked, and the older ?? inflection too', async () => {
    const json = await as(app, admin).get(`/${file.ark}?info`).set('Accept', 'application/json').expect(200);
    expect(json.body).toEqual({
      ark: file.ark,
      who: 'krios-2',
      what: 'grid_07.mrc',
      when: '2026-01-02T03:04:05.000Z',
      where: `http://portal.test/files/${file.fileVersionId}`,
      size: 5,
      sha256: 'a'.repeat(64),
      fileVersionId: file.fileVersionId,
      path: 'session 4/grid_07.mrc',
    });
    const legacy = await as(app, admin).get(`/${file.ark}??`).expect(200);
    expect(legacy.text).toMatch(/^erc:\n/);
  });

  it('answers ?info for a file not hashed yet with sha256 null in JSON, and an empty sha256 line in ERC text', async () => {
    const instrument = await createInstrumentRow(db.dataSource, 'krios-3');
    const unhashed = await seedHarvestedFile(db.dataSource, instrument.id, { path: 'pending/grid_08.mrc' });
    await db.dataSource.query(`UPDATE file_versions SET sha256 = NULL, status = 'pending' WHERE id = $1`, [unhashed.fileVersionId]);
    const json = await as(app, admin).get(`/${unhashed.ark}?info`).set('Accept', 'application/json').expect(200);
    expect(json.body).toMatchObject({ ark: unhashed.ark, fileVersionId: unhashed.fileVersionId, sha256: null });
    const text = await as(app, admin).get(`/${unhashed.ark}?info`).expect(200);
    expect(text.text).toMatch(/\nsha256: \n$/);
  });

  const mistyped = 'ARK not found: its last character is not the check character of the rest, so a character may be mistyped';
  const notAnArk = 'ARK not found: not an ARK as Sheaf mints them (ark:NAAN/name, without qualifiers)';
  it.each([
    ['an unknown ARK', () => `/${mintArk({ naan: '99999', shoulder: 'fk4' })}`, 'ARK not found'],
    ['another NAAN', () => `/${mintArk({ naan: '12345', shoulder: 'fk4' })}`, 'ARK not found'],
    ['a mistyped ARK (its check character does not match)', () => `/${file.ark.slice(0, -1)}${file.ark.endsWith('b') ? 'c' : 'b'}`, mistyped],
    ['an ARK of another NAAN with a known name', () => `/ark:12345/${name()}`, mistyped],
    ['not an ARK at all', '/ark:not-an-ark', notAnArk],
    ['a qualifier Sheaf does not mint', () => `/${file.ark}/c3`, notAnArk],
    ['an overlong ARK', `/ark:99999/${'b'.repeat(500)}`, notAnArk],
    ['a malformed percent escape', () => `/ark:99999/${name()}%E0%A4%A`, notAnArk],
  ])('answers %s with 404 in the standard error shape, saying why', async (_what, url, message) => {
    const res = await request(app.getHttpServer()).get(typeof url === 'string' ? url : url()).expect(404);
    expect(res.body).toEqual({ statusCode: 404, code: 'not_found', message });
  });

  it('asks anonymous callers to authenticate for ?info (the redirect stays public)', async () => {
    const res = await request(app.getHttpServer()).get(`/${file.ark}?info`).expect(401);
    expect(res.body.code).toBe('unauthorized');
  });
});
