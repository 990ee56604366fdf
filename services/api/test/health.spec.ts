import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource, type QueryRunner } from 'typeorm';
import { startTemporalDevServer, type TemporalDevServer } from '@sheaf/local-infra';
import { createTestDatabase, makeTempDir, temporalCliPath, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';

describe('health and readiness against real PostgreSQL and Temporal', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let temporal: TemporalDevServer;
  let app: NestExpressApplication;
  /** Chosen by the first start; the restart uses it again, so the app's address stays right. */
  let port: number | undefined;

  const startTemporal = async () => {
    const server = await startTemporalDevServer({ binary: temporalCliPath(), dbFile: `${dir.path}/temporal.db`, port, namespace: 'default', log: () => undefined });
    port = server.port;
    return server;
  };

  beforeAll(async () => {
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    temporal = await startTemporal();
    app = await createTestApp(db.url, temporal.address);
  });

  afterAll(async () => {
    await app?.close();
    await temporal?.stop();
    await db?.drop();
    await dir?.cleanup();
  });

  it('answers /health without authentication', async () => {
    await request(app.getHttpServer()).get('/health').expect(200, { status: 'ok' });
  });

  it("checks the database on a connection of its own: ready while slow requests hold every connection of the API's pool", async () => {
    const dataSource = app.get(DataSource);
    const poolSize = (dataSource.driver as unknown as { master: { options: { max: number } } }).master.options.max;
    const held: QueryRunner[] = [];
    try {
      for (let i = 0; i < poolSize; i++) {
        const runner = dataSource.createQueryRunner();
        held.push(runner);
        await runner.connect();
      }
      const ready = await request(app.getHttpServer()).get('/ready?require=database');
      expect({ status: ready.status, database: ready.body.checks?.database }).toEqual({ status: 200, database: { ok: true } });
    } finally {
      for (const runner of held) await runner.release();
    }
    // Its connection is named apart from the request pool's in pg_stat_activity.
    const names = (await db.dataSource.query(`SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE datname = current_database()`)) as Array<{ name: string }>;
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining(['sheaf-api', 'sheaf-api-ready']));
  });

  it('is ready while both dependencies answer, 503 while Temporal is stopped, and ready again after it returns', async () => {
    const server = app.getHttpServer();
    const ready = await request(server).get('/ready').expect(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: { ok: true }, temporal: { ok: true } } });

    await temporal.stop();
    const down = await request(server).get('/ready').expect(503);
    expect(down.body.status).toBe('unready');
    expect(down.body.checks.database).toEqual({ ok: true });
    expect(down.body.checks.temporal.ok).toBe(false);
    // Fixed words only: what the driver said (addresses, ports) is for the log, not a public endpoint.
    expect(down.body.checks.temporal.error).toMatch(/^(unavailable \(the API log says why\)|no answer within 2000 ms)$/);
    // What the Kubernetes probe asks: the API still serves the portal and ARKs without Temporal.
    const databaseOnly = await request(server).get('/ready?require=database').expect(200);
    expect(databaseOnly.body).toMatchObject({ status: 'ready', checks: { database: { ok: true }, temporal: { ok: false } } });
    await request(server).get('/ready?require=temporal').expect(400);

    temporal = await startTemporal();
    // The client reconnects on its own; allow it a few attempts.
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt++) {
      status = (await request(server).get('/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 500));
    }
    expect(status).toBe(200);
  });
});
