import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { Client, WorkflowClient } from '@temporalio/client';
import { DataSource, Repository, type ObjectLiteral, type QueryRunner } from 'typeorm';
import { HarvestRequestEntity, HarvestRunEntity } from '@sheaf/db';
import { AuditService } from '../src/audit/audit.service';
import { createTemporalTestEnv, createTestDatabase, type TemporalTestEnv, type TestDatabase } from '@sheaf/test-harness';
import { RunReconcilerService } from '../src/harvests/run-reconciler.service';
import { JsonLogger } from '../src/observability/json-logger';
import { createTestApp } from './app';
import { as, createCaller, createInstrumentRow, seedHarvestedFile, whileRowHeld, type Caller } from './fixtures';

describe('ad-hoc harvests: idempotent start, live progress, cancel (real Temporal, no worker)', () => {
  let db: TestDatabase;
  let env: TemporalTestEnv;
  let app: NestExpressApplication;
  let admin: Caller;
  let serial = 0;
  // What the API logged, one JSON object per line, as main.ts has it log.
  const logLines: string[] = [];
  const logged = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);

  /** An enabled instrument with one destination, ready to harvest. */
  const instrumentWithDestination = async (): Promise<string> => {
    const instrument = await createInstrumentRow(db.dataSource, `scope-${++serial}`);
    const [storage] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id`, [
      `store-${serial}`,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2)`, [instrument.id, storage.id]);
    return instrument.id;
  };
  /** A slow look for an active run (a busy database): it widens the gap between that look and the new run's row. */
  const slowActiveRunCheck = () => {
    const findOne = Repository.prototype.findOne;
    return jest.spyOn(Repository.prototype, 'findOne').mockImplementation(async function (this: Repository<ObjectLiteral>, options) {
      const found = await findOne.call(this, options);
      if (this.metadata.target === HarvestRunEntity) await new Promise((r) => setTimeout(r, 200));
      return found;
    });
  };
  const start = (instrumentId: string, key?: string) => {
    const call = as(app, admin).post('/api/harvests', { instrumentId });
    return key === undefined ? call : call.set('Idempotency-Key', key);
  };

  beforeAll(async () => {
    [db, env] = await Promise.all([createTestDatabase(), createTemporalTestEnv()]);
    app = await createTestApp(db.url, env.address, { TEMPORAL_UI_URL: 'http://temporal-ui.test:8233' }, new JsonLogger('info', (line) => logLines.push(line)));
    admin = await createCaller(app, db.dataSource, 'admin@example.org', 'admin');
  });

  afterAll(async () => {
    await app?.close();
    await env?.teardown();
    await db?.drop();
  });

  it('starts a run and its workflow, and links the workflow in the Temporal UI', async () => {
    const instrumentId = await instrumentWithDestination();
    const res = await start(instrumentId).expect(201);
    expect(res.body).toEqual({
      runId: expect.any(String),
      workflowId: `harvest-scope-${serial}-${res.body.runId}`,
      temporalRunId: expect.any(String),
      temporalUrl: `http://temporal-ui.test:8233/namespaces/default/workflows/${encodeURIComponent(res.body.workflowId)}`,
      replayed: false,
    });
    const description = await env.client.workflow.getHandle(res.body.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.memo).toMatchObject({ runId: res.body.runId, trigger: 'manual' });
    expect(await description.staticDetails()).toBe(`[This run in the Sheaf portal](http://portal.test/runs/${res.body.runId}): its files, failures and deliveries`);
    const run = await as(app, admin).get(`/api/harvests/${res.body.runId}`).expect(200);
    expect(run.body).toMatchObject({ status: 'pending', phase: 'queued', trigger: 'manual', workflowId: res.body.workflowId, temporalUrl: res.body.temporalUrl });
    // Operators find the run in the logs by its id, next to the worker's lines about it.
    expect(logged()).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'harvests', msg: 'harvest started', runId: res.body.runId, workflowId: res.body.workflowId, instrument: `scope-${serial}`, userId: admin.id }),
    );
  });

  it('returns the same run for the same Idempotency-Key, even when asked again and again', async () => {
    const instrumentId = await instrumentWithDestination();
    const first = await start(instrumentId, 'lims-order-4711').expect(201);
    const replies = await Promise.all([1, 2, 3].map(() => start(instrumentId, 'lims-order-4711')));
    for (const reply of replies) {
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({ ...first.body, replayed: true });
    }
    const runs = await as(app, admin).get(`/api/harvests?instrumentId=${instrumentId}`).expect(200);
    expect(runs.body.total).toBe(1);
  });

  it('keeps keys per user, refuses a key reused for another instrument, and a second harvest of a busy instrument', async () => {
    const instrumentId = await instrumentWithDestination();
    const other = await instrumentWithDestination();
    const first = await start(instrumentId, 'key-1').expect(201);
    const reused = await start(other, 'key-1').expect(409);
    expect(reused.body).toEqual({ statusCode: 409, code: 'idempotency_key_reused', message: expect.any(String), field: 'Idempotency-Key' });
    const busy = await start(instrumentId, 'key-2').expect(409);
    expect(busy.body).toMatchObject({ code: 'harvest_running', runId: first.body.runId });
    // The refused key was not kept: once the instrument is free, it starts a run.
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'succeeded' WHERE instrument_id = $1`, [instrumentId]);
    expect((await start(instrumentId, 'key-2').expect(201)).body.replayed).toBe(false);

    const colleague = await createCaller(app, db.dataSource, 'colleague@example.org', 'admin');
    const third = await instrumentWithDestination();
    await start(third, 'shared-key').expect(201);
    const theirs = await as(app, colleague).post('/api/harvests', { instrumentId: await instrumentWithDestination() }).set('Idempotency-Key', 'shared-key').expect(201);
    expect(theirs.body.replayed).toBe(false);
  });

  it('replays a key whatever the case of the instrument id the retry sends', async () => {
    const instrumentId = await instrumentWithDestination();
    const first = await start(instrumentId, 'upper-case-retry').expect(201);
    const retry = await start(instrumentId.toUpperCase(), 'upper-case-retry');
    expect({ status: retry.status, body: retry.body }).toEqual({ status: 201, body: { ...first.body, replayed: true } });
  });

  it('answers 409 while another request under the same key is starting its run, and frees a key whose request died', async () => {
    const instrumentId = await instrumentWithDestination();
    await db.dataSource.query(`INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id) VALUES ($1, 'in-flight', $2)`, [admin.id, instrumentId]);
    expect((await start(instrumentId, 'in-flight').expect(409)).body.code).toBe('idempotency_key_in_progress');
    await db.dataSource.query(`UPDATE harvest_requests SET created_at = now() - interval '2 minutes' WHERE idempotency_key = 'in-flight'`);
    expect((await start(instrumentId, 'in-flight').expect(201)).body.replayed).toBe(false);
  });

  it('keeps a claimed key for the Temporal call timeout and a minute more: a request as slow as the timeout allows may still be starting', async () => {
    // Logging where the suite's app logs: Nest's logger is global, the last app's options win.
    const patient = await createTestApp(db.url, env.address, { TEMPORAL_CALL_TIMEOUT_MS: '60000' }, new JsonLogger('info', (line) => logLines.push(line)));
    try {
      const instrumentId = await instrumentWithDestination();
      await db.dataSource.query(
        `INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id, created_at) VALUES ($1, 'slow-start', $2, now() - interval '100 seconds')`,
        [admin.id, instrumentId],
      );
      const retry = () => as(patient, admin).post('/api/harvests', { instrumentId }).set('Idempotency-Key', 'slow-start');
      expect((await retry().expect(409)).body.code).toBe('idempotency_key_in_progress');
      await db.dataSource.query(`UPDATE harvest_requests SET created_at = now() - interval '121 seconds' WHERE idempotency_key = 'slow-start'`);
      expect((await retry().expect(201)).body.replayed).toBe(false);
    } finally {
      await patient.close();
    }
  });

  it("does not free a key claimed anew by another retry that found the same dead claim: the claim's age is checked by the delete", async () => {
    const instrumentId = await instrumentWithDestination();
    await db.dataSource.query(
      `INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id, created_at) VALUES ($1, 'two-retries', $2, now() - interval '10 minutes')`,
      [admin.id, instrumentId],
    );
    // This retry reads the dead claim; another frees it and claims the key before this one deletes.
    const requests = app.get(DataSource).getRepository(HarvestRequestEntity);
    const findOneBy = requests.findOneBy.bind(requests);
    const spy = jest.spyOn(requests, 'findOneBy').mockImplementationOnce(async (where) => {
      const dead = await findOneBy(where);
      await db.dataSource.query(`DELETE FROM harvest_requests WHERE idempotency_key = 'two-retries'`);
      await db.dataSource.query(`INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id) VALUES ($1, 'two-retries', $2)`, [admin.id, instrumentId]);
      return dead;
    });
    try {
      expect((await start(instrumentId, 'two-retries').expect(409)).body.code).toBe('idempotency_key_in_progress');
    } finally {
      spy.mockRestore();
    }
    expect(await db.dataSource.query(`SELECT run_id FROM harvest_requests WHERE idempotency_key = 'two-retries' AND created_at > now() - interval '1 minute'`)).toEqual([
      { run_id: null },
    ]);
    expect((await as(app, admin).get(`/api/harvests?instrumentId=${instrumentId}`).expect(200)).body.total).toBe(0);
  });

  it('starts one harvest when several requests for one instrument arrive at once; the others answer 409', async () => {
    const instrumentId = await instrumentWithDestination();
    const spy = slowActiveRunCheck();
    let replies: Array<{ status: number; body: { code?: string } }>;
    try {
      replies = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => start(instrumentId, `burst-${n}`)));
    } finally {
      spy.mockRestore();
    }
    expect(replies.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    for (const refused of replies.filter((r) => r.status === 409)) expect(refused.body.code).toBe('harvest_running');
    expect((await as(app, admin).get(`/api/harvests?instrumentId=${instrumentId}`).expect(200)).body.total).toBe(1);
  });

  it('starts harvests of more instruments at once than the API has database connections', async () => {
    // Twelve starts against a pool of ten, each slow: a start that needed a second connection while
    // holding one (for its lock) would wait for good once every connection held a lock.
    const instruments: string[] = [];
    for (let i = 0; i < 12; i++) instruments.push(await instrumentWithDestination());
    const spy = slowActiveRunCheck();
    let replies: Array<{ status: number }>;
    try {
      replies = await Promise.all(instruments.map((id) => start(id)));
    } finally {
      spy.mockRestore();
    }
    expect(replies.map((r) => r.status)).toEqual(instruments.map(() => 201));
  }, 60_000);

  it('starts no harvest whose audit event could not be written: the event and the run row are one transaction, before the workflow', async () => {
    const instrumentId = await instrumentWithDestination();
    const audit = app.get(AuditService);
    const spy = jest.spyOn(audit, 'record').mockImplementationOnce(async () => {
      throw new Error('the audit insert failed');
    });
    try {
      await start(instrumentId).expect(500);
    } finally {
      spy.mockRestore();
    }
    expect((await as(app, admin).get(`/api/harvests?instrumentId=${instrumentId}`).expect(200)).body.total).toBe(0);
    const started = await start(instrumentId).expect(201);
    const events = (await db.dataSource.query(`SELECT action FROM audit_events WHERE entity_id = $1`, [started.body.runId])) as Array<{ action: string }>;
    expect(events).toEqual([{ action: 'harvest.started' }]);
  });

  it("names the API token in the audit of a harvest it started, apart from the user's own sessions", async () => {
    const instrumentId = await instrumentWithDestination();
    const token = await as(app, admin).post('/api/auth/tokens', { name: 'lims', scope: 'harvest' }).expect(201);
    const started = await request(app.getHttpServer()).post('/api/harvests').set('Authorization', `Bearer ${token.body.token as string}`).send({ instrumentId }).expect(201);
    const [event] = (await db.dataSource.query(`SELECT actor, actor_user_id FROM audit_events WHERE entity_id = $1`, [started.body.runId])) as Array<{ actor: string; actor_user_id: string }>;
    expect(event).toEqual({ actor: `admin@example.org (API token ${token.body.id as string})`, actor_user_id: admin.id });
  });

  it('claims a key again when the request that held it gave it up in between, instead of answering 500', async () => {
    const instrumentId = await instrumentWithDestination();
    await db.dataSource.query(`INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id) VALUES ($1, 'given-up', $2)`, [admin.id, instrumentId]);
    // This request's claim finds the key held; the holder fails and frees it before this one reads whose it is.
    const requests = app.get(DataSource).getRepository(HarvestRequestEntity);
    const findOneBy = requests.findOneBy.bind(requests);
    const spy = jest.spyOn(requests, 'findOneBy').mockImplementationOnce(async (where) => {
      await db.dataSource.query(`DELETE FROM harvest_requests WHERE idempotency_key = 'given-up'`);
      return findOneBy(where);
    });
    try {
      expect((await start(instrumentId, 'given-up').expect(201)).body.replayed).toBe(false);
    } finally {
      spy.mockRestore();
    }
    expect(await start(instrumentId, 'given-up').expect(201)).toMatchObject({ body: { replayed: true } });
  });

  it("keeps a deleted instrument's runs visible, as its files are", async () => {
    const instrumentId = await instrumentWithDestination();
    const started = await start(instrumentId).expect(201);
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'succeeded', phase = 'finished' WHERE id = $1`, [started.body.runId]);
    await db.dataSource.query(`UPDATE instruments SET deleted_at = now() WHERE id = $1`, [instrumentId]);
    expect((await as(app, admin).get(`/api/harvests/${started.body.runId}`).expect(200)).body).toMatchObject({ id: started.body.runId, instrumentName: `scope-${serial}` });
    expect((await as(app, admin).get(`/api/harvests?instrumentId=${instrumentId}`).expect(200)).body.total).toBe(1);
  });

  it("keeps a deleted instrument's files, notifications and copies to a deleted storage location visible", async () => {
    const instrument = await createInstrumentRow(db.dataSource, `deleted-files-${serial}`);
    const seeded = await seedHarvestedFile(db.dataSource, instrument.id);
    const [failed] = (await db.dataSource.query(`INSERT INTO harvest_runs (instrument_id, status, trigger) VALUES ($1, 'running', 'manual') RETURNING id`, [
      instrument.id,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'failed', error = 'source unreachable' WHERE id = $1`, [failed.id]);
    await db.dataSource.query(`UPDATE instruments SET deleted_at = now() WHERE id = $1`, [instrument.id]);
    await db.dataSource.query(`UPDATE storage_locations SET deleted_at = now() WHERE id = $1`, [seeded.storageLocationId]);

    const files = await as(app, admin).get(`/api/files?instrumentId=${instrument.id}`).expect(200);
    expect(files.body).toMatchObject({ total: 1, items: [{ id: seeded.fileVersionId, instrumentName: instrument.name }] });
    const detail = await as(app, admin).get(`/api/files/${seeded.fileVersionId}`).expect(200);
    expect(detail.body.transfers).toEqual([expect.objectContaining({ storageLocationId: seeded.storageLocationId, status: 'verified' })]);
    expect((await as(app, admin).get(`/api/transfers?runId=${seeded.runId}`).expect(200)).body.total).toBe(1);
    const notifications = (await as(app, admin).get('/api/notifications?limit=200').expect(200)).body.items as Array<{ runId: string }>;
    expect(notifications.filter((n) => n.runId === failed.id)).toEqual([expect.objectContaining({ instrumentName: instrument.name })]);
  });

  it('answers 404 naming instrumentId for an instrument that does not exist, with or without an Idempotency-Key, and replays a deleted one', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const notFound = { statusCode: 404, code: 'not_found', message: 'Instrument not found', field: 'instrumentId' };
    expect((await start(missing)).body).toEqual(notFound);
    expect((await start(missing, 'no-such-instrument')).body).toEqual(notFound);
    const user = await createCaller(app, db.dataSource, 'no-grants@example.org', 'user');
    expect((await as(app, user).post('/api/harvests', { instrumentId: missing }).set('Idempotency-Key', 'k')).body).toEqual(notFound);
    // A deleted instrument: a key used before still gives its run, a new one the same 404.
    const instrumentId = await instrumentWithDestination();
    const first = await start(instrumentId, 'before-deletion').expect(201);
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'succeeded', phase = 'finished' WHERE id = $1`, [first.body.runId]);
    await db.dataSource.query(`UPDATE instruments SET deleted_at = now() WHERE id = $1`, [instrumentId]);
    expect((await start(instrumentId, 'before-deletion').expect(201)).body).toEqual({ ...first.body, replayed: true });
    expect((await start(instrumentId, 'after-deletion')).body).toEqual(notFound);
    expect((await start(instrumentId)).body).toEqual(notFound);
  });

  it.each([
    ['deleted', `UPDATE instruments SET deleted_at = now() WHERE id = $1`, { statusCode: 404, code: 'not_found', message: 'Instrument not found', field: 'instrumentId' }],
    ['disabled', `UPDATE instruments SET enabled = false WHERE id = $1`, { statusCode: 409, code: 'instrument_disabled', message: expect.any(String) }],
    // Its refusal says the name, which must not read as Temporal being unreachable (503).
    ['disabled and renamed Unavailable-TEM', `UPDATE instruments SET enabled = false, name = 'Unavailable-TEM' WHERE id = $1`, { statusCode: 409, code: 'instrument_disabled', message: expect.stringContaining('Unavailable-TEM') }],
  ])('refuses a harvest of an instrument %s by a request that held its row while the start was under way, and records no run', async (_what, change, refusal) => {
    const instrumentId = await instrumentWithDestination();
    // The other request (as the instrument's delete or update does): the row locked for update, changed, not yet committed;
    // the start comes to wait for that row's lock, then the other request commits.
    const { res } = await whileRowHeld(
      db.dataSource,
      async (other) => {
        await other.query(`SELECT id FROM instruments WHERE id = $1 FOR UPDATE`, [instrumentId]);
        await other.query(change, [instrumentId]);
      },
      () => start(instrumentId),
    );
    expect({ status: res.status, body: res.body }).toEqual({ status: refusal.statusCode, body: refusal });
    expect(await db.dataSource.query(`SELECT id FROM harvest_runs WHERE instrument_id = $1`, [instrumentId])).toEqual([]);
  });

  /** A user who sees the instrument through a group granted it, and that group. */
  const grantedUser = async (instrumentId: string): Promise<{ user: Caller; groupId: string }> => {
    const user = await createCaller(app, db.dataSource, `granted-${++serial}@example.org`, 'user');
    const groupId = (await as(app, admin).post('/api/groups', { name: `granted-${serial}` }).expect(201)).body.id as string;
    await as(app, admin).put(`/api/groups/${groupId}/members/${user.id}`).expect(200);
    await as(app, admin).put(`/api/instruments/${instrumentId}/grants/groups/${groupId}`).expect(200);
    return { user, groupId };
  };
  /** A revoke of the grant under way, as DELETE /api/instruments/:id/grants/groups/:groupId does it: the instrument's row FOR UPDATE, the grant gone, not yet committed. */
  const revoking = (instrumentId: string, groupId: string) => async (other: QueryRunner) => {
    await other.query(`SELECT id FROM instruments WHERE id = $1 FOR UPDATE`, [instrumentId]);
    await other.query(`DELETE FROM instrument_grants WHERE instrument_id = $1 AND group_id = $2`, [instrumentId, groupId]);
  };

  it("refuses a user's harvest when the grant it was asked under is revoked while the start is under way, and records no run", async () => {
    const instrumentId = await instrumentWithDestination();
    const { user, groupId } = await grantedUser(instrumentId);
    const { res } = await whileRowHeld(db.dataSource, revoking(instrumentId, groupId), () => as(app, user).post('/api/harvests', { instrumentId }));
    expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { statusCode: 404, code: 'not_found', message: 'Instrument not found', field: 'instrumentId' } });
    expect(await db.dataSource.query(`SELECT id FROM harvest_runs WHERE instrument_id = $1`, [instrumentId])).toEqual([]);
  });

  it("refuses a user's cancel when the grant it was asked under is revoked while the cancel is under way, and asks Temporal nothing", async () => {
    const instrumentId = await instrumentWithDestination();
    const { user, groupId } = await grantedUser(instrumentId);
    const started = await start(instrumentId).expect(201);
    const { res } = await whileRowHeld(db.dataSource, revoking(instrumentId, groupId), () => as(app, user).post(`/api/harvests/${started.body.runId}/cancel`));
    expect({ status: res.status, body: res.body }).toEqual({ status: 404, body: { statusCode: 404, code: 'not_found', message: 'Harvest run not found' } });
    expect(await db.dataSource.query(`SELECT id FROM audit_events WHERE entity_id = $1 AND action = 'harvest.cancel_requested'`, [started.body.runId])).toEqual([]);
    const history = await env.client.workflow.getHandle(started.body.workflowId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(false);
  });

  it.each([
    // A rename's own lock: the Idempotency-Key's claim (its foreign key) passes it, the start's read FOR SHARE waits.
    ['renamed (its row locked by the update), with an Idempotency-Key', '', 'key'],
    // Locked FOR UPDATE, as a deletion does: without a key, the first wait is the start's read FOR SHARE.
    ['locked FOR UPDATE and renamed', 'FOR UPDATE', undefined],
  ])("starts a harvest whose instrument another request held %s for longer than the Temporal call timeout: the deadline is the workflow start's alone", async (_what, lock, withKey) => {
    // Logging where the suite's app logs: Nest's logger is global, the last app's options win.
    const brief = await createTestApp(db.url, env.address, { TEMPORAL_CALL_TIMEOUT_MS: '3000' }, new JsonLogger('info', (line) => logLines.push(line)));
    try {
      const instrumentId = await instrumentWithDestination();
      const key = withKey && `held-${serial}`;
      const startIt = () => {
        const call = as(brief, admin).post('/api/harvests', { instrumentId });
        return key === undefined ? call : call.set('Idempotency-Key', key);
      };
      const { res } = await whileRowHeld(
        db.dataSource,
        async (other) => {
          if (lock) await other.query(`SELECT id FROM instruments WHERE id = $1 ${lock}`, [instrumentId]);
          await other.query(`UPDATE instruments SET name = $2 WHERE id = $1`, [instrumentId, `renamed-${serial}`]);
        },
        startIt,
        // Past the timeout: a deadline set before the start's transaction had passed when the workflow's start was sent (503 temporal_unavailable).
        () => new Promise((r) => setTimeout(r, 4000)),
      );
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: expect.objectContaining({ workflowId: `harvest-renamed-${serial}-${res.body.runId as string}`, replayed: false }) });
      expect((await as(app, admin).get(`/api/harvests/${res.body.runId}`).expect(200)).body).toMatchObject({ status: 'pending', error: null, finishedAt: null });
      expect((await env.client.workflow.getHandle(res.body.workflowId).describe()).status.name).toBe('RUNNING');
      if (key !== undefined) expect((await startIt().expect(201)).body).toEqual({ ...res.body, replayed: true });
    } finally {
      await brief.close();
    }
  }, 60_000);

  it.each([
    ['freed (a retry took the request for dead, then was refused)', false],
    ['claimed anew by a retry that is still starting', true],
  ])('names its run under the Idempotency-Key when its claim was %s while it waited for the instrument', async (_what, claimedAnew) => {
    const instrumentId = await instrumentWithDestination();
    const key = `lost-claim-${serial}`;
    const { res } = await whileRowHeld(
      db.dataSource,
      // As an update of the instrument does (FOR UPDATE would hold back the claim's insert, which checks its foreign key).
      (other) => other.query(`SELECT id FROM instruments WHERE id = $1 FOR NO KEY UPDATE`, [instrumentId]),
      () => start(instrumentId, key),
      // The request has claimed the key and waits for the row: the claim changes hands meanwhile.
      async () => {
        await db.dataSource.query(`DELETE FROM harvest_requests WHERE user_id = $1 AND idempotency_key = $2`, [admin.id, key]);
        if (claimedAnew) await db.dataSource.query(`INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id) VALUES ($1, $2, $3)`, [admin.id, key, instrumentId]);
      },
    );
    expect({ status: res.status, replayed: res.body.replayed }).toEqual({ status: 201, replayed: false });
    expect(await db.dataSource.query(`SELECT run_id FROM harvest_requests WHERE user_id = $1 AND idempotency_key = $2`, [admin.id, key])).toEqual([{ run_id: res.body.runId }]);
    expect((await start(instrumentId, key).expect(201)).body).toEqual({ ...res.body, replayed: true });
  });

  it('refuses disabled instruments and instruments without a destination', async () => {
    const disabled = await instrumentWithDestination();
    await db.dataSource.query(`UPDATE instruments SET enabled = false WHERE id = $1`, [disabled]);
    expect((await start(disabled).expect(409)).body.code).toBe('instrument_disabled');
    const bare = await createInstrumentRow(db.dataSource, 'no-destination');
    expect((await start(bare.id).expect(409)).body.code).toBe('no_destination');
  });

  it('shows live progress from the run row and per-destination counts from the deliveries', async () => {
    const instrumentId = await instrumentWithDestination();
    const seeded = await seedHarvestedFile(db.dataSource, instrumentId, { runStatus: 'running' });
    await db.dataSource.query(
      `UPDATE harvest_runs SET phase = 'transferring', files_total = 3, files_done = 1, bytes_total = 15, bytes_done = 5, batches_total = 2, batches_done = 1,
              files_deferred = 3, listing_deferred = 2, files_future = 2, future_mtime_latest = '2031-06-01T00:00:00Z' WHERE id = $1`,
      [seeded.runId],
    );
    await db.dataSource.query(`UPDATE harvest_run_destinations SET files_total = 3 WHERE run_id = $1`, [seeded.runId]);
    // A destination the run owed nothing (it held the run's files already) says so.
    const [other] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id`, [
      `held-${instrumentId.slice(0, 8)}`,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2)`, [instrumentId, other.id]);
    await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total) VALUES ($1, $2, 0)`, [seeded.runId, other.id]);
    // One added while the run transferred: the plan owed it nothing, the later batches gave it 2.
    const [late] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id`, [
      `late-${instrumentId.slice(0, 8)}`,
    ])) as Array<{ id: string }>;
    await db.dataSource.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2)`, [instrumentId, late.id]);
    await db.dataSource.query(`INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_verified, bytes_verified) VALUES ($1, $2, 2, 10)`, [seeded.runId, late.id]);
    const [failed] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason) VALUES ($1, 'data/bad.tif', 5, now(), 1, 'failed', 'sha256 mismatch twice') RETURNING id`,
      [instrumentId],
    )) as Array<{ id: string }>;
    // As the batch recorded its outcome when it finished.
    await db.dataSource.query(`INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason) VALUES ($1, $2, 1, 'failed', 'sha256 mismatch twice')`, [
      seeded.runId,
      failed.id,
    ]);
    // Delivered and verified, its post-hooks still owed: held by one (it says why), or not run yet (not listed).
    const owed = async (path: string, reason: string | null) => {
      const [row] = (await db.dataSource.query(
        `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, post_hooks_done, reason) VALUES ($1, $2, 5, now(), 1, 'verified', false, $3) RETURNING id`,
        [instrumentId, path, reason],
      )) as Array<{ id: string }>;
      await db.dataSource.query(`INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason) VALUES ($1, $2, 1, $3, $4)`, [
        seeded.runId,
        row.id,
        reason === null ? null : 'held',
        reason,
      ]);
      return row.id;
    };
    const postHeld = await owed('data/c.tif', 'held by a post-hook: webhook rejected the batch: HTTP 400; the next run runs the post-hooks again');
    await owed('data/d.tif', null);
    // Changed on the instrument while the run copied it: deferred, and a later run took it.
    const [changed] = (await db.dataSource.query(
      `INSERT INTO file_versions (instrument_id, path, size, mtime, version, status) VALUES ($1, 'data/e.log', 5, now(), 1, 'verified') RETURNING id`,
      [instrumentId],
    )) as Array<{ id: string }>;
    await db.dataSource.query(`INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason) VALUES ($1, $2, 1, 'deferred', $3)`, [
      seeded.runId,
      changed.id,
      'changed while being harvested; taken by a later run',
    ]);
    const res = await as(app, admin).get(`/api/harvests/${seeded.runId}`).expect(200);
    expect(res.body).toMatchObject({ status: 'running', phase: 'transferring', filesTotal: 3, filesDone: 1, bytesTotal: 15, bytesDone: 5, batchesTotal: 2, batchesDone: 1 });
    expect(res.body).toMatchObject({ filesDeferred: 3, filesInQuietPeriod: 2, filesInFuture: 2, latestFutureMtime: '2031-06-01T00:00:00.000Z' });
    const byStorage = Object.fromEntries(
      (res.body.destinations as Array<{ storageLocationId: string; filesVerified: number; bytesVerified: number; filesTotal: number }>).map((d) => [d.storageLocationId, d]),
    );
    expect(byStorage[seeded.storageLocationId]).toMatchObject({ filesVerified: 1, attemptsFailed: 0, bytesVerified: 5, filesTotal: 3 });
    expect(byStorage[other.id]).toMatchObject({ filesVerified: 0, attemptsFailed: 0, bytesVerified: 0, filesTotal: 0 });
    expect(byStorage[late.id]).toMatchObject({ filesVerified: 2, bytesVerified: 10, filesTotal: 2 });
    // One batch: in the order of their file version ids (PostgreSQL compares uuids as their lower-case hex).
    expect(res.body.failures).toEqual(
      [
        { fileVersionId: failed.id, path: 'data/bad.tif', status: 'failed', reason: 'sha256 mismatch twice' },
        { fileVersionId: postHeld, path: 'data/c.tif', status: 'held', reason: 'held by a post-hook: webhook rejected the batch: HTTP 400; the next run runs the post-hooks again' },
        { fileVersionId: changed.id, path: 'data/e.log', status: 'deferred', reason: 'changed while being harvested; taken by a later run' },
      ].sort((a, b) => (a.fileVersionId < b.fileVersionId ? -1 : 1)),
    );
  });

  it('lists a run\'s failed files with the reason each failed for in that run, also once a later run delivered them', async () => {
    const instrumentId = await instrumentWithDestination();
    const seeded = await seedHarvestedFile(db.dataSource, instrumentId, { runStatus: 'failed' });
    const [later] = (await db.dataSource.query(`INSERT INTO storage_locations (name, type, config) VALUES ($1, 'posix', '{"path": "/tmp"}') RETURNING id, name`, [
      `later-${instrumentId.slice(0, 8)}`,
    ])) as Array<{ id: string; name: string }>;
    await db.dataSource.query(`INSERT INTO instrument_destinations (instrument_id, storage_location_id) VALUES ($1, $2)`, [instrumentId, later.id]);
    const [version] = (await db.dataSource.query(`SELECT id, path FROM file_versions WHERE instrument_id = $1`, [instrumentId])) as Array<{ id: string; path: string }>;
    // As the worker's batch recorded it: verified, but its copy to the destination added later failed.
    const why = `verified, but not delivered to ${later.name}: held by a pre-hook: command checksum-service exited with code 3; the next run tries again`;
    await db.dataSource.query(`UPDATE harvest_runs SET files_failed = 1 WHERE id = $1`, [seeded.runId]);
    await db.dataSource.query(`UPDATE harvest_items SET outcome = 'failed', reason = $2 WHERE run_id = $1`, [seeded.runId, why]);
    await db.dataSource.query(
      `INSERT INTO file_deliveries (file_version_id, storage_location_id, destination_path, status, reason)
       VALUES ($1, $2, $3, 'failed', 'held by a pre-hook: command checksum-service exited with code 3')`,
      [version.id, later.id, version.path],
    );
    const shown = async () => (await as(app, admin).get(`/api/harvests/${seeded.runId}`).expect(200)).body.failures;
    const expected = [{ fileVersionId: version.id, path: version.path, status: 'failed', reason: why }];
    expect(await shown()).toEqual(expected);
    // The file's own page says the same, beside the destination it concerns.
    const deliveries = async () =>
      ((await as(app, admin).get(`/api/files/${version.id}`).expect(200)).body.deliveries as Array<{ storageLocationName: string; status: string; reason: string | null }>).map(
        (d) => [d.storageLocationName, d.status, d.reason],
      );
    expect(await deliveries()).toEqual([
      [later.name, 'failed', 'held by a pre-hook: command checksum-service exited with code 3'],
      [expect.any(String), 'verified', null],
    ]);

    // A later run delivers it: the file's page says so, the earlier run still says why it failed there.
    await db.dataSource.query(`UPDATE file_deliveries SET status = 'verified', reason = NULL, verified_at = now() WHERE file_version_id = $1 AND storage_location_id = $2`, [
      version.id,
      later.id,
    ]);
    expect(await deliveries()).toEqual([
      [later.name, 'verified', null],
      [expect.any(String), 'verified', null],
    ]);
    expect(await shown()).toEqual(expected);
  });

  it('pages through every failed, held and deferred file of a run in the order its batches took them, filtered by status, and only for those who may see the run', async () => {
    const instrumentId = await instrumentWithDestination();
    const seeded = await seedHarvestedFile(db.dataSource, instrumentId, { runStatus: 'failed' });
    // 58 failed, 3 held and 2 deferred, more than the run's page lists (50).
    await db.dataSource.query(
      `WITH v AS (
         INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason)
         SELECT $1, 'f/' || lpad(n::text, 3, '0') || '.raw', 1, now(), 1,
                CASE WHEN n % 21 = 0 THEN 'held' WHEN n % 25 = 0 THEN 'pending' ELSE 'failed' END, 'why ' || n
         FROM generate_series(1, 63) n RETURNING id, status, reason)
       INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason)
       SELECT $2, id, 3 - (substring(reason from 5)::int % 3), CASE WHEN status = 'pending' THEN 'deferred' ELSE status END, reason FROM v`,
      [instrumentId, seeded.runId],
    );
    const detail = (await as(app, admin).get(`/api/harvests/${seeded.runId}`).expect(200)).body;
    expect(detail.failures).toHaveLength(50);
    const all = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?limit=200`).expect(200)).body;
    expect(all).toMatchObject({ total: 63, limit: 200, offset: 0 });
    // Batch, then file version id (PostgreSQL compares uuids as their bytes: as their lower-case hex).
    const items = (await db.dataSource.query(`SELECT file_version_id AS id, batch_no FROM harvest_items WHERE run_id = $1 AND outcome IS NOT NULL`, [seeded.runId])) as Array<{ id: string; batch_no: number }>;
    const batchOf = new Map(items.map((i) => [i.id, i.batch_no]));
    const inOrder = [...items].sort((a, b) => a.batch_no - b.batch_no || (a.id < b.id ? -1 : 1)).map((i) => i.id);
    expect(all.items.map((f: { fileVersionId: string }) => f.fileVersionId)).toEqual(inOrder);
    expect(new Set(all.items.map((f: { fileVersionId: string }) => batchOf.get(f.fileVersionId))).size).toBe(3);
    expect([...all.items.map((f: { path: string }) => f.path)].sort()).toEqual(Array.from({ length: 63 }, (_, i) => `f/${String(i + 1).padStart(3, '0')}.raw`));
    expect(all.items.slice(0, 50)).toEqual(detail.failures);
    const page = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?limit=10&offset=55`).expect(200)).body;
    expect(page.items).toEqual(all.items.slice(55));
    expect(page.total).toBe(63);
    const held = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?status=held`).expect(200)).body;
    expect(held.total).toBe(3);
    expect(held.items).toEqual(all.items.filter((f: { status: string }) => f.status === 'held'));
    expect(held.items.map((f: { path: string; status: string; reason: string }) => [f.path, f.status, f.reason]).sort()).toEqual([
      ['f/021.raw', 'held', 'why 21'],
      ['f/042.raw', 'held', 'why 42'],
      ['f/063.raw', 'held', 'why 63'],
    ]);
    const deferred = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?status=deferred`).expect(200)).body;
    expect(deferred.items).toEqual(all.items.filter((f: { status: string }) => f.status === 'deferred'));
    expect(deferred.items.map((f: { path: string; status: string }) => [f.path, f.status]).sort()).toEqual([
      ['f/025.raw', 'deferred'],
      ['f/050.raw', 'deferred'],
    ]);

    expect((await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?status=lost`).expect(400)).body).toMatchObject({
      code: 'validation_failed',
      field: 'status',
      message: 'status must be one of failed, held, deferred',
    });
    expect((await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?limit=0`).expect(400)).body).toMatchObject({ field: 'limit' });
    // A user without a grant on the instrument does not see that the run exists.
    const outsider = await createCaller(app, db.dataSource, `outsider-${serial}@example.org`, 'user');
    await as(app, outsider).get(`/api/harvests/${seeded.runId}/failures`).expect(404);
    await as(app, admin).get(`/api/harvests/00000000-0000-4000-8000-000000000000/failures`).expect(404);
  });

  it("lists a run's failures in the order its batches took them, not by path, and shows the first 50 of them on the run's page", async () => {
    const instrumentId = await instrumentWithDestination();
    const seeded = await seedHarvestedFile(db.dataSource, instrumentId, { runStatus: 'failed' });
    // 51 failures, taken in the reverse of path order (f/051 in the first batch, f/001 in the last).
    await db.dataSource.query(
      `WITH v AS (
         INSERT INTO file_versions (instrument_id, path, size, mtime, version, status, reason)
         SELECT $1, 'f/' || lpad(n::text, 3, '0') || '.raw', 1, now(), 1, 'failed', 'why ' || n
         FROM generate_series(1, 51) n RETURNING id, path)
       INSERT INTO harvest_items (run_id, file_version_id, batch_no, outcome, reason)
       SELECT $2, id, 52 - substring(path from 3 for 3)::int, 'failed', 'why' FROM v`,
      [instrumentId, seeded.runId],
    );
    const paths = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => `f/${String(from - i).padStart(3, '0')}.raw`);
    const all = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?limit=51`).expect(200)).body;
    expect(all.items.map((f: { path: string }) => f.path)).toEqual(paths(51, 1));
    const detail = (await as(app, admin).get(`/api/harvests/${seeded.runId}`).expect(200)).body;
    expect(detail.failures.map((f: { path: string }) => f.path)).toEqual(paths(51, 2));
    const second = (await as(app, admin).get(`/api/harvests/${seeded.runId}/failures?limit=50&offset=50`).expect(200)).body;
    expect(second.items.map((f: { path: string }) => f.path)).toEqual(['f/001.raw']);
  });

  it('cancels the workflow of a running harvest, and refuses to cancel a finished one', async () => {
    const instrumentId = await instrumentWithDestination();
    const started = await start(instrumentId).expect(201);
    await as(app, admin).post(`/api/harvests/${started.body.runId}/cancel`).expect(202);
    const handle = env.client.workflow.getHandle(started.body.workflowId);
    let status = (await handle.describe()).status.name;
    for (let i = 0; i < 50 && status === 'RUNNING'; i++) {
      // Without a worker the cancellation is requested, not yet acted on.
      const history = await handle.fetchHistory();
      if (history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 100));
      status = (await handle.describe()).status.name;
    }
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    const audit = await as(app, admin).get(`/api/audit?entityType=harvest_run&entityId=${started.body.runId}`).expect(200);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['harvest.cancel_requested', 'harvest.started']);
    expect(logged()).toContainEqual(
      expect.objectContaining({ context: 'harvests', msg: 'harvest cancel requested', runId: started.body.runId, workflowId: started.body.workflowId, userId: admin.id }),
    );

    const finished = await seedHarvestedFile(db.dataSource, instrumentId);
    expect((await as(app, admin).post(`/api/harvests/${finished.runId}/cancel`).expect(409)).body.code).toBe('run_finished');

    // A cancel Temporal refuses (it does not know the workflow) leaves no audit event behind.
    const orphan = await seedHarvestedFile(db.dataSource, await instrumentWithDestination(), { runStatus: 'running' });
    expect((await as(app, admin).post(`/api/harvests/${orphan.runId}/cancel`).expect(409)).body.code).toBe('workflow_gone');
    const orphanAudit = await as(app, admin).get(`/api/audit?entityType=harvest_run&entityId=${orphan.runId}`).expect(200);
    expect(orphanAudit.body.items).toEqual([]);
  });

  it('answers a cancel asked again with 202 and no second audit event: while the run stops, at once, and once it is cancelled', async () => {
    const instrumentId = await instrumentWithDestination();
    const started = await start(instrumentId).expect(201);
    const cancel = () => as(app, admin).post(`/api/harvests/${started.body.runId}/cancel`);
    const cancelEvents = async () =>
      ((await db.dataSource.query(`SELECT action FROM audit_events WHERE entity_id = $1 AND action = 'harvest.cancel_requested'`, [started.body.runId])) as unknown[]).length;
    // Several at once (a client retrying on a timeout): one asks Temporal and is recorded; the
    // others are refused while it asks (409 cancel_in_progress) or, after it, answered as it was.
    const replies = await Promise.all([cancel(), cancel(), cancel()]);
    for (const reply of replies) {
      expect({ status: reply.status, body: reply.body }).toEqual(
        reply.status === 409
          ? { status: 409, body: expect.objectContaining({ code: 'cancel_in_progress', message: 'A cancel of this run is being requested; retry shortly' }) }
          : { status: 202, body: expect.objectContaining({ id: started.body.runId, status: 'pending' }) },
      );
    }
    expect(replies.filter((r) => r.status === 202).length).toBeGreaterThanOrEqual(1);
    expect(await cancelEvents()).toBe(1);
    // Asked again while the run is stopping (no worker here acts on it).
    expect((await cancel().expect(202)).body).toMatchObject({ id: started.body.runId });
    expect(await cancelEvents()).toBe(1);
    // Once the worker has recorded the run as cancelled (its workflow ended), a retry still gets 202.
    await env.client.workflow.getHandle(started.body.workflowId).terminate('as the worker would end it');
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'cancelled', phase = 'finished', finished_at = now() WHERE id = $1`, [started.body.runId]);
    expect((await cancel().expect(202)).body).toMatchObject({ id: started.body.runId, status: 'cancelled' });
    expect(await cancelEvents()).toBe(1);

    // A run cancelled before any cancel of the API (from the Temporal UI): 202, nothing recorded.
    const elsewhere = await seedHarvestedFile(db.dataSource, await instrumentWithDestination(), { runStatus: 'cancelled' });
    expect((await as(app, admin).post(`/api/harvests/${elsewhere.runId}/cancel`).expect(202)).body).toMatchObject({ id: elsewhere.runId, status: 'cancelled' });
    expect(await db.dataSource.query(`SELECT action FROM audit_events WHERE entity_id = $1`, [elsewhere.runId])).toEqual([]);
    // Other ends stay refused.
    for (const status of ['succeeded', 'failed', 'skipped']) {
      const ended = await seedHarvestedFile(db.dataSource, await instrumentWithDestination(), { runStatus: status });
      expect((await as(app, admin).post(`/api/harvests/${ended.runId}/cancel`).expect(409)).body).toMatchObject({ code: 'run_finished', message: `The run has already ended (${status}): there is nothing to cancel` });
    }
  });

  it('refuses a cancel while another request of the run waits for Temporal (409 cancel_in_progress, at once, without asking Temporal); a retry once that one failed asks again', async () => {
    const service = app.get(Client).workflowService;
    const started = await start(await instrumentWithDestination()).expect(201);
    const cancel = () => as(app, admin).post(`/api/harvests/${started.body.runId}/cancel`);
    const cancelEvents = async () =>
      ((await db.dataSource.query(`SELECT action FROM audit_events WHERE entity_id = $1 AND action = 'harvest.cancel_requested'`, [started.body.runId])) as unknown[]).length;
    // Temporal slow to answer, then unreachable: the first request holds the run's lock all that time.
    let asking!: () => void;
    const asked = new Promise<void>((r) => (asking = r));
    const spy = jest.spyOn(service, 'requestCancelWorkflowExecution').mockImplementation(async () => {
      asking();
      await new Promise((r) => setTimeout(r, 1500));
      throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14, details: 'No connection established', metadata: { get: () => [] } });
    });
    /** The reply, and when it came. */
    const answered = async (call: PromiseLike<request.Response>) => {
      const res = await call;
      return { status: res.status, body: res.body as Record<string, unknown>, at: Date.now() };
    };
    let first: Awaited<ReturnType<typeof answered>>;
    let others: Array<Awaited<ReturnType<typeof answered>>>;
    let asks: number;
    try {
      const firstReply = answered(cancel());
      await asked;
      // Waiting, each would hold a pooled connection until the first was done, then ask Temporal in turn.
      others = await Promise.all([answered(cancel()), answered(cancel()), answered(cancel())]);
      first = await firstReply;
      asks = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
    expect({ status: first.status, code: first.body.code }).toEqual({ status: 503, code: 'temporal_unavailable' });
    for (const other of others) {
      expect({ status: other.status, body: other.body }).toEqual({
        status: 409,
        body: expect.objectContaining({ code: 'cancel_in_progress', message: 'A cancel of this run is being requested; retry shortly' }),
      });
      // Answered while the first still waited for Temporal.
      expect(other.at).toBeLessThan(first.at);
    }
    expect(asks).toBe(1);
    expect(await cancelEvents()).toBe(0);
    // Temporal is back: a retry asks it, and is recorded once.
    expect((await cancel().expect(202)).body).toMatchObject({ id: started.body.runId, status: 'pending' });
    expect(await cancelEvents()).toBe(1);
    expect((await cancel().expect(202)).body).toMatchObject({ id: started.body.runId });
    expect(await cancelEvents()).toBe(1);
  });

  /** What a run whose workflow could not start says: closed as failed and why, its audit events, the notification of it. */
  const notStarted = async (runId: string, why: string) => {
    const error = `its workflow could not be started: ${why}; nothing was harvested`;
    const run = (await as(app, admin).get(`/api/harvests/${runId}`).expect(200)).body;
    expect(run).toMatchObject({ status: 'failed', phase: 'finished', error, finishedAt: expect.any(String) });
    const audit = (await as(app, admin).get(`/api/audit?entityType=harvest_run&entityId=${runId}`).expect(200)).body.items;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(['harvest.finished', 'harvest.started']);
    expect(audit[0].after).toMatchObject({ status: 'failed', error });
    const notifications = (await as(app, admin).get('/api/notifications?limit=200').expect(200)).body.items as Array<{ runId: string; message: string }>;
    expect(notifications.filter((n) => n.runId === runId).map((n) => n.message)).toEqual([`Harvest of ${run.instrumentName as string} failed: ${error}`]);
  };

  it('answers 503 naming the run it recorded and closed as failed when Temporal is unreachable; the key can be used again', async () => {
    const offlineLog: string[] = [];
    const offline = await createTestApp(db.url, '127.0.0.1:1', { TEMPORAL_CALL_TIMEOUT_MS: '500' }, new JsonLogger('info', (line) => offlineLog.push(line)));
    try {
      const instrumentId = await instrumentWithDestination();
      const res = await as(offline, admin).post('/api/harvests', { instrumentId }).set('Idempotency-Key', 'while-down').expect(503);
      // The gRPC error names Temporal's address: for the operators' log, not for any caller.
      expect(res.body).toEqual({ statusCode: 503, code: 'temporal_unavailable', message: 'Temporal is unreachable (starting the harvest workflow); try again shortly', runId: expect.any(String) });
      expect(res.headers['retry-after']).toBe('10');
      const warnings = offlineLog.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.level === 'warn' && l.context === 'temporal');
      expect(warnings).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^Temporal is unreachable \(starting the harvest workflow\): .+/) }));
      await notStarted(res.body.runId, 'Temporal could not be reached');
      // The key is free again, and so is the instrument.
      expect((await start(instrumentId, 'while-down').expect(201)).body.replayed).toBe(false);
    } finally {
      await offline.close();
    }
  });

  it("answers 502 temporal_refused with Temporal's reason when Temporal refuses to start or cancel a workflow", async () => {
    // As Temporal answers a call it refuses: a gRPC status, here PERMISSION_DENIED.
    const refusal = () => Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), { code: 7, details: 'Request unauthorized.', metadata: { get: () => [] } });
    const service = app.get(Client).workflowService;
    const instrumentId = await instrumentWithDestination();
    const startSpy = jest.spyOn(service, 'startWorkflowExecution').mockRejectedValueOnce(refusal());
    let refused: request.Response;
    try {
      refused = await start(instrumentId);
    } finally {
      startSpy.mockRestore();
    }
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 502,
      body: { statusCode: 502, code: 'temporal_refused', message: 'Temporal refused the request (starting the harvest workflow): Request unauthorized.', runId: expect.any(String) },
    });
    await notStarted(refused.body.runId, 'Temporal refused it: Request unauthorized.');

    const started = await start(await instrumentWithDestination()).expect(201);
    const cancelSpy = jest.spyOn(service, 'requestCancelWorkflowExecution').mockRejectedValueOnce(refusal());
    try {
      refused = await as(app, admin).post(`/api/harvests/${started.body.runId}/cancel`);
    } finally {
      cancelSpy.mockRestore();
    }
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 502,
      body: { statusCode: 502, code: 'temporal_refused', message: 'Temporal refused the request (cancelling the harvest workflow): Request unauthorized.' },
    });
  });

  it('answers 502 temporal_refused naming the namespace when Temporal does not know it', async () => {
    const elsewhere = await createTestApp(db.url, env.address, { TEMPORAL_NAMESPACE: 'no-such-namespace' }, new JsonLogger('info', (line) => logLines.push(line)));
    try {
      const res = await as(elsewhere, admin).post('/api/harvests', { instrumentId: await instrumentWithDestination() });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 502,
        body: {
          statusCode: 502,
          code: 'temporal_refused',
          message: expect.stringMatching(/^Temporal refused the request \(starting the harvest workflow\): .*no-such-namespace/),
          runId: expect.any(String),
        },
      });
    } finally {
      await elsewhere.close();
    }
  });

  it('closes a run whose workflow never started (its process died in between): the row names its workflow from the start', async () => {
    const instrumentId = await instrumentWithDestination();
    let recorded: { workflow_id: string | null; status: string } | undefined;
    // The process "dies" as the workflow is being started: what the row says then is all there is.
    const spy = jest.spyOn(WorkflowClient.prototype, 'start').mockImplementationOnce(async () => {
      [recorded] = await db.dataSource.query(`SELECT workflow_id, status FROM harvest_runs WHERE instrument_id = $1`, [instrumentId]);
      throw new Error('the API process died here');
    });
    try {
      await start(instrumentId).expect(500);
    } finally {
      spy.mockRestore();
    }
    expect(recorded).toEqual({ workflow_id: expect.stringMatching(/^harvest-/), status: 'pending' });
    // As the row stood when the process died: pending, no workflow behind it.
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'pending', phase = 'queued', error = NULL, finished_at = NULL WHERE instrument_id = $1`, [instrumentId]);
    const [run] = (await db.dataSource.query(`SELECT id FROM harvest_runs WHERE instrument_id = $1`, [instrumentId])) as Array<{ id: string }>;
    expect(await app.get(RunReconcilerService).closeEndedRuns(0)).toContain(run.id);
    expect((await as(app, admin).get(`/api/harvests/${run.id}`).expect(200)).body).toMatchObject({ status: 'failed', error: expect.stringContaining('(NOT_FOUND)') });
  });

  it('closes a run whose workflow was terminated in Temporal, releasing its lease, and leaves running ones alone', async () => {
    const terminated = await instrumentWithDestination();
    const live = await instrumentWithDestination();
    const ended = (await start(terminated).expect(201)).body as { runId: string; workflowId: string };
    const running = (await start(live).expect(201)).body as { runId: string; workflowId: string };
    // As if a worker had begun both runs, then an operator terminated one from the Temporal UI.
    for (const run of [ended, running]) {
      await db.dataSource.query(`UPDATE harvest_runs SET status = 'running' WHERE id = $1`, [run.runId]);
      await db.dataSource.query(`INSERT INTO instrument_leases (instrument_id, run_id) SELECT instrument_id, id FROM harvest_runs WHERE id = $1`, [run.runId]);
    }
    await env.client.workflow.getHandle(ended.workflowId).terminate('stuck, says the operator');

    const reconciler = app.get(RunReconcilerService);
    // (Earlier tests' cancelled workflows, which no worker ever finished, are closed too.)
    const closedIds = await reconciler.closeEndedRuns(0);
    expect(closedIds).toContain(ended.runId);
    expect(closedIds).not.toContain(running.runId);
    const closed = await as(app, admin).get(`/api/harvests/${ended.runId}`).expect(200);
    expect(closed.body).toMatchObject({ status: 'failed', phase: 'finished', error: `its workflow ${ended.workflowId} ended (TERMINATED) without finishing the run` });
    expect(await db.dataSource.query(`SELECT run_id FROM instrument_leases WHERE instrument_id = $1`, [terminated])).toEqual([]);
    expect((await as(app, admin).get(`/api/harvests/${running.runId}`).expect(200)).body).toMatchObject({ status: 'running' });
    expect(await db.dataSource.query(`SELECT run_id FROM instrument_leases WHERE instrument_id = $1`, [live])).toEqual([{ run_id: running.runId }]);
    // A run touched within the quiet period is not looked at; a second pass finds nothing more.
    expect(await reconciler.closeEndedRuns()).toEqual([]);
    expect(await reconciler.closeEndedRuns(0)).toEqual([]);
  });

  it('closes the other runs of a pass when one fails to close, and that one in a later pass', async () => {
    const runs: Array<{ runId: string; workflowId: string }> = [];
    for (let i = 0; i < 2; i++) runs.push((await start(await instrumentWithDestination()).expect(201)).body as { runId: string; workflowId: string });
    const [stuck, other] = runs;
    // The one that fails is the oldest, looked at first.
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'running', updated_at = now() - interval '1 hour' WHERE id = $1`, [stuck.runId]);
    await db.dataSource.query(`UPDATE harvest_runs SET status = 'running' WHERE id = $1`, [other.runId]);
    for (const run of runs) await env.client.workflow.getHandle(run.workflowId).terminate('stuck, says the operator');
    await db.dataSource.query(`CREATE FUNCTION refuse_closing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'this close fails'; END $$`);
    await db.dataSource.query(`CREATE TRIGGER refuse_closing BEFORE UPDATE ON harvest_runs FOR EACH ROW WHEN (OLD.id = '${stuck.runId}') EXECUTE FUNCTION refuse_closing()`);
    const reconciler = app.get(RunReconcilerService);
    try {
      const closedIds = await reconciler.closeEndedRuns(0);
      expect(closedIds).toContain(other.runId);
      expect(closedIds).not.toContain(stuck.runId);
    } finally {
      await db.dataSource.query(`DROP TRIGGER refuse_closing ON harvest_runs`);
      await db.dataSource.query(`DROP FUNCTION refuse_closing()`);
    }
    expect((await as(app, admin).get(`/api/harvests/${stuck.runId}`).expect(200)).body).toMatchObject({ status: 'running' });
    expect((await as(app, admin).get(`/api/harvests/${other.runId}`).expect(200)).body).toMatchObject({ status: 'failed', phase: 'finished' });
    expect(await reconciler.closeEndedRuns(0)).toEqual([stuck.runId]);
  });
});
