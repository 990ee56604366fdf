import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@sheaf/test-harness';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, type Caller } from './fixtures';

describe('operations: request ids and Prometheus metrics', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let admin: Caller;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await createTestApp(db.url, '127.0.0.1:1');
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('gives every response a request id: the caller’s when it is sane, a new one otherwise', async () => {
    const own = await request(app.getHttpServer()).get('/health').set('X-Request-Id', 'lims-42.a').expect(200);
    expect(own.headers['x-request-id']).toBe('lims-42.a');
    const fresh = await request(app.getHttpServer()).get('/health').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const error = await request(app.getHttpServer()).get('/api/instruments').expect(401);
    expect(error.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves metrics at exactly /metrics: the spellings Express would also route (/metrics/, /METRICS) answer 404, past an edge rule for the exact path', async () => {
    await request(app.getHttpServer()).get('/metrics').expect(200);
    for (const path of ['/metrics/', '/METRICS', '/Metrics']) {
      const res = await request(app.getHttpServer()).get(path);
      expect({ path, status: res.status, body: res.text }).toEqual({ path, status: 404, body: expect.not.stringContaining('sheaf_') });
    }
  });

  it('exposes the HTTP latency histogram by route template, and harvest counters from the database', async () => {
    const instrument = await createInstrumentRow(db.dataSource, 'metrics-1');
    await seedHarvestedFile(db.dataSource, instrument.id);
    await seedHarvestedFile(db.dataSource, instrument.id, { path: 'b.tif', runStatus: 'failed' });
    await as(app, admin).get(`/api/instruments/${instrument.id}`).expect(200);
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(res.text).toContain('# TYPE sheaf_http_request_duration_seconds histogram');
    expect(res.text).toMatch(/^sheaf_http_request_duration_seconds_bucket\{method="GET",route="\/api\/instruments\/:id",status="200",le="\+Inf"\} 1$/m);
    expect(res.text).toMatch(/^sheaf_http_request_duration_seconds_count\{method="GET",route="\/api\/instruments\/:id",status="200"\} 1$/m);
    expect(res.text).not.toContain(instrument.id);
    expect(res.text).toMatch(/^sheaf_harvest_runs_finished_total\{status="succeeded"\} 1$/m);
    expect(res.text).toMatch(/^sheaf_harvest_runs_finished_total\{status="failed"\} 1$/m);
    expect(res.text).toMatch(/^sheaf_harvest_files_total\{outcome="verified"\} 2$/m);
    expect(res.text).toMatch(/^sheaf_harvest_bytes_total 10$/m);
    expect(res.text).toMatch(/^sheaf_harvest_runs_active 0$/m);
  });
});
