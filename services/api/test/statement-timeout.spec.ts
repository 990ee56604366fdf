import type { NestExpressApplication } from '@nestjs/platform-express';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp, NO_TEMPORAL } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, whileRowHeld, type Caller } from './fixtures';

const TIMEOUT_MS = 200;
/** Longer than the timeout, by far: what a slow list or a long lock wait stands for here. */
const HELD_MS = 4 * TIMEOUT_MS;

/**
 * API_STATEMENT_TIMEOUT_MS: a query of the API's pool past it is cancelled by PostgreSQL and
 * answered 503 query_timeout, and the connection goes back to the pool usable. A statement that
 * waits for a lock held elsewhere stands for a slow one (a list no index serves): the server
 * counts the wait in the statement's time, and the spec does not depend on the machine's speed.
 * The pool has one connection, so every request and check below uses that one.
 */
describe('the API pool’s statement_timeout', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;
  let instrumentId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, NO_TEMPORAL, { API_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS), DB_POOL_SIZE: '1', TEMPORAL_CALL_TIMEOUT_MS: '100' });
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
    instrumentId = (await createInstrumentRow(db.dataSource, 'krios')).id;
    await seedHarvestedFile(db.dataSource, instrumentId, { path: 'grid/a.tif', access: { groups: ['optics'], projects: [] } });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const poolTimeout = async () => ((await app.get(DataSource).query(`SHOW statement_timeout`)) as Array<{ statement_timeout: string }>)[0].statement_timeout;

  it('answers a list that runs past it 503 query_timeout, telling the caller to try again or narrow the filter, and the pool serves the next requests', async () => {
    const { res } = await whileRowHeld(
      db.dataSource,
      (other) => other.query(`LOCK TABLE file_versions IN ACCESS EXCLUSIVE MODE`),
      () => as(app, admin).get('/api/files?name=a'),
      () => sleep(HELD_MS),
    );
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ statusCode: 503, code: 'query_timeout', message: expect.stringMatching(/took too long in the database.*try again, or narrow the filter of a list/) });
    // Several in a row on the pool's one connection: each cancelled, none left running.
    const many = await whileRowHeld(
      db.dataSource,
      (other) => other.query(`LOCK TABLE file_versions IN ACCESS EXCLUSIVE MODE`),
      async () => {
        const answers = await Promise.all([1, 2, 3].map(() => as(app, admin).get('/api/files?name=a')));
        return answers[answers.length - 1];
      },
      () => sleep(3 * HELD_MS),
    );
    expect(many.res.body.code).toBe('query_timeout');
    const after = await as(app, admin).get('/api/files?name=a').expect(200);
    expect(after.body.total).toBe(1);
    expect(await poolTimeout()).toBe(`${TIMEOUT_MS}ms`);
  });

  it('does not cut a rename of a group whose name files grant by, which rewrites them all (and may wait for them)', async () => {
    const optics = (await as(app, admin).post('/api/groups', { name: 'optics' }).expect(201)).body.id as string;
    const { res } = await whileRowHeld(
      db.dataSource,
      // Reads go on; the rename's UPDATE of file_versions waits, longer than the timeout.
      (other) => other.query(`LOCK TABLE file_versions IN SHARE MODE`),
      () => as(app, admin).patch(`/api/groups/${optics}`, { name: 'photonics', grantsByName: 'rename' }),
      () => sleep(HELD_MS),
    );
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: undefined });
    expect(res.body.name).toBe('photonics');
    const [{ access }] = (await db.dataSource.query(`SELECT access FROM file_versions WHERE instrument_id = $1`, [instrumentId])) as Array<{ access: { groups: string[] } }>;
    expect(access.groups).toEqual(['photonics']);
    // SET LOCAL: the transaction's alone.
    expect(await poolTimeout()).toBe(`${TIMEOUT_MS}ms`);
  });

  it('does not cut a rename’s counting of the files granting by either name (to a deleted group’s name), which reads them all', async () => {
    await seedHarvestedFile(db.dataSource, instrumentId, { path: 'grid/b.tif', access: { groups: ['cryo'], projects: [] } });
    const cryo = (await as(app, admin).post('/api/groups', { name: 'cryo' }).expect(201)).body.id as string;
    const gone = (await as(app, admin).post('/api/groups', { name: 'cryogenics' }).expect(201)).body.id as string;
    await as(app, admin).delete(`/api/groups/${gone}`).expect(200);
    const { res } = await whileRowHeld(
      db.dataSource,
      // Not even read: the counts (refuseNameOfDeleted's of "cryogenics", then of "cryo") wait, longer than the timeout.
      (other) => other.query(`LOCK TABLE file_versions IN ACCESS EXCLUSIVE MODE`),
      () => as(app, admin).patch(`/api/groups/${cryo}`, { name: 'cryogenics', grantsByName: 'rename' }),
      () => sleep(HELD_MS),
    );
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: undefined });
    const [{ access }] = (await db.dataSource.query(`SELECT access FROM file_versions WHERE path = 'grid/b.tif'`)) as Array<{ access: { groups: string[] } }>;
    expect(access.groups).toEqual(['cryogenics']);
    expect(await poolTimeout()).toBe(`${TIMEOUT_MS}ms`);
  });

  it('does not cut a harvest start waiting for its instrument’s row, and gives the connection back with the timeout', async () => {
    const { res } = await whileRowHeld(
      db.dataSource,
      (other) => other.query(`SELECT 1 FROM instruments WHERE id = $1 FOR UPDATE`, [instrumentId]),
      () => as(app, admin).post('/api/harvests', { instrumentId }),
      () => sleep(HELD_MS),
    );
    // Past the wait, on to Temporal, which is not there.
    expect(res.body.code).toBe('temporal_unavailable');
    expect(await poolTimeout()).toBe(`${TIMEOUT_MS}ms`);
  });
});
