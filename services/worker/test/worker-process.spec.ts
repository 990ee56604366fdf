import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HookEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import { freePort, startTemporalDevServer, type Service, type TemporalDevServer } from '@sheaf/local-infra';
import { createTestDatabase, makeTempDir, temporalCliPath, type TempDir, type TestDatabase } from '@sheaf/test-harness';
import { requireBuiltWorker, spawnBuiltWorker } from './built-worker';

/** What a worker's probe answers (/health: status only). */
type ProbeBody = { status: string; checks: { worker: { ok: boolean; error?: string } } };

/** One output line of the worker, parsed. */
type LogLine = Record<string, unknown> & { time: string; level: string; context: string; msg: string };

/**
 * The worker process as operators run it (the built `main.js`): what it says on stdout, and what
 * Prometheus scrapes from it.
 */
describe('a worker process logs JSON lines with run and workflow ids, serves Prometheus metrics and answers health probes', () => {
  let db: TestDatabase;
  let dir: TempDir;
  let temporal: TemporalDevServer;
  let connection: Connection;
  let worker: Service;
  let metricsUrl: string;
  let healthAddress: string;
  // Every line the worker wrote, stdout and stderr, with spawnService's "[worker] " prefix.
  const lines: string[] = [];

  beforeAll(async () => {
    requireBuiltWorker();
    [db, dir] = await Promise.all([createTestDatabase(), makeTempDir()]);
    temporal = await startTemporalDevServer({ binary: temporalCliPath(), headless: true, namespace: 'default', log: () => undefined });
    connection = await Connection.connect({ address: temporal.address });
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    metricsUrl = `http://${metricsAddress}/metrics`;
    healthAddress = `127.0.0.1:${await freePort()}`;
    worker = spawnBuiltWorker(
      'worker',
      {
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: 'observed',
        HARVEST_BATCH_FILES: '2',
        LOG_LEVEL: 'info',
        WORKER_METRICS_ADDRESS: metricsAddress,
        WORKER_HEALTH_ADDRESS: healthAddress,
      },
      (line) => lines.push(line),
    );
  });

  afterAll(async () => {
    await worker?.stop(30_000);
    await connection?.close();
    await temporal?.stop();
    await db?.drop();
    await dir?.cleanup();
  });

  function parsed(from: readonly string[] = lines): LogLine[] {
    return from.map((line) => {
      const text = line.replace(/^\[\w+\] /, '');
      try {
        return JSON.parse(text) as LogLine;
      } catch {
        throw new Error(`the worker wrote a line that is not JSON: ${text}`);
      }
    });
  }

  /** A GET of one of a worker's probes: its status and JSON body, or undefined while nothing answers there. */
  async function probe(address: string, path: '/health' | '/ready'): Promise<{ status: number; body: ProbeBody } | undefined> {
    const response = await fetch(`http://${address}${path}`).catch(() => undefined);
    return response && { status: response.status, body: (await response.json()) as ProbeBody };
  }

  /** Reads until `done` holds of what was read, or `ms` have passed; the last thing read. */
  async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
    let value = await read();
    for (const deadline = Date.now() + ms; !done(value) && Date.now() < deadline; value = await read()) await sleep(50);
    return value;
  }

  /** An instrument of `files` small files, with one posix destination; returns its id. */
  async function instrumentOf(name: string, files: number): Promise<string> {
    const source = join(dir.path, name, 'source');
    await mkdir(join(source, 'run'), { recursive: true });
    for (let i = 0; i < files; i++) await writeFile(join(source, 'run', `${i}.raw`), `file ${i}`);
    await chmod(dir.path, 0o755);
    await chmod(join(dir.path, name), 0o755);
    const instrument = await db.dataSource.getRepository(InstrumentEntity).save({ name, sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 0 });
    const storage = await db.dataSource.getRepository(StorageLocationEntity).save({ name, type: 'posix', config: { path: join(dir.path, name, 'storage') } });
    await db.dataSource.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id });
    return instrument.id;
  }

  /** Harvests the instrument with the worker; its result, and the worker's lines once the run is closed. */
  async function harvest(instrumentId: string) {
    const client = new Client({ connection });
    const run = await startHarvest({ dataSource: db.dataSource, client, taskQueue: 'observed', instrumentId, trigger: 'api' });
    const result = await client.workflow.getHandle(run.workflowId).result();
    // The lines of the last activities may reach us after the workflow's result does.
    const closed = (line: string) => line.includes('"run closed"') && line.includes(run.runId);
    for (const deadline = Date.now() + 10_000; !lines.some(closed) && Date.now() < deadline; ) await sleep(50);
    return { run, result, logs: parsed() };
  }

  it('after a harvest: JSON lines for the discovery, each batch and the run, and the queue lag and activity durations', async () => {
    const { run, result, logs } = await harvest(await instrumentOf('observed', 5));
    expect(result).toMatchObject({ status: 'succeeded', filesDone: 5, filesFailed: 0 });

    for (const line of logs) {
      expect(Date.parse(line.time)).not.toBeNaN();
      expect(['info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
      expect(line).not.toHaveProperty('taskToken');
    }
    // The worker's own state changes, from the SDK.
    expect(logs).toContainEqual(expect.objectContaining({ context: 'worker', msg: 'Worker state changed', state: 'RUNNING', taskQueue: 'observed' }));
    // An activity's lines name the harvest run, its workflow and the activity.
    const ofRun = { context: 'activity', runId: run.runId, workflowId: run.workflowId, workflowRunId: run.temporalRunId };
    expect(logs).toContainEqual(
      expect.objectContaining({ ...ofRun, activityType: 'discover', msg: 'discovered and planned', filesListed: 5, filesTaken: 5, batches: 3, durationMs: expect.any(Number) }),
    );
    const batches = logs.filter((line) => line.msg === 'batch done' && line.runId === run.runId);
    expect(batches.map((line) => line.batchNo).sort()).toEqual([0, 1, 2]);
    for (const line of batches) expect(line).toMatchObject({ ...ofRun, activityType: 'processBatch', failed: 0, held: 0, deferred: 0 });
    expect(batches.reduce((sum, line) => sum + Number(line.filesVerified), 0)).toBe(5);
    expect(logs).toContainEqual(expect.objectContaining({ ...ofRun, activityType: 'finishRun', msg: 'run closed', status: 'succeeded' }));

    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    const metrics = await response.text();
    const count = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
    // Queue lag: how long tasks waited on the task queue for a worker, in seconds. Every activity
    // of the run (begin, discover, three batches, finish) and its workflow tasks.
    expect(count(/^temporal_activity_schedule_to_start_latency_count\{[^}]*task_queue="observed"[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(6);
    expect(count(/^temporal_workflow_task_schedule_to_start_latency_count\{[^}]*task_queue="observed"[^}]*\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^temporal_activity_schedule_to_start_latency_bucket\{[^}]*le="0\.1"[^}]*\} \d+$/m);
    // How long the batches took.
    expect(count(/^temporal_activity_execution_latency_count\{activity_type="processBatch"[^}]*\} (\d+)$/m)).toBe(3);
  });

  it('is alive, and ready once it polls its task queue', async () => {
    // The worker may still be starting when the probes first reach it: ready within a few seconds.
    expect(await waitFor(() => probe(healthAddress, '/ready'), (r) => r?.status === 200)).toEqual({ status: 200, body: { status: 'ready', checks: { worker: { ok: true } } } });
    expect(await probe(healthAddress, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers /ready with 503 and /health with 200 while it drains on SIGTERM, and finishes the batch it runs before it exits', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const drainingLines: string[] = [];
    const draining = spawnBuiltWorker(
      'draining',
      { DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'draining', LOG_LEVEL: 'info', WORKER_HEALTH_ADDRESS: address },
      (line) => drainingLines.push(line),
    );
    try {
      const instrumentId = await instrumentOf('draining', 1);
      // A pre-hook that says it started, takes 3 s and fails (holding the file): SIGTERM comes while it runs.
      const started = join(dir.path, 'draining', 'hook-started');
      await db.dataSource.getRepository(HookEntity).save({
        name: 'slow lookup',
        phase: 'pre',
        kind: 'command',
        config: { command: ['/bin/sh', '-c', `touch '${started}'; sleep 3; exit 3`] },
        instrumentId,
        priority: 10,
        enabled: true,
      });
      expect(await waitFor(() => probe(address, '/ready'), (r) => r?.status === 200)).toMatchObject({ status: 200 });
      const client = new Client({ connection });
      const run = await startHarvest({ dataSource: db.dataSource, client, taskQueue: 'draining', instrumentId, trigger: 'api' });
      expect(await waitFor(async () => existsSync(started), Boolean)).toBe(true);

      // The hook runs now. SIGTERM to the worker alone, as to node under tini; the SDK drains.
      process.kill(draining.pid, 'SIGTERM');
      const unready = await waitFor(() => probe(address, '/ready'), (r) => r?.status === 503, 5_000);
      expect(unready).toEqual({ status: 503, body: { status: 'unready', checks: { worker: { ok: false, error: expect.any(String) } } } });
      expect(unready?.body.checks.worker.error).toMatch(/^the worker is (STOPPING|DRAINING), not polling its task queue$/);
      // Alive all the while: /health answers 200 until the server closes as the process ends.
      const exited = draining.exited.then(() => true);
      const health: number[] = [];
      while (!(await Promise.race([exited, sleep(100).then(() => false)]))) {
        const answer = await probe(address, '/health');
        if (answer) health.push(answer.status);
      }
      expect(health.length).toBeGreaterThan(5);
      expect(new Set(health)).toEqual(new Set([200]));
      expect(await draining.exited).toBe('0');
      // It finished its batch before exiting: the file is held by the hook, not lost to the shutdown.
      const batches = parsed(drainingLines).filter((line) => line.msg === 'batch done' && line.runId === run.runId);
      expect(batches).toEqual([expect.objectContaining({ batchNo: 0, held: 1 })]);
      await client.workflow.getHandle(run.workflowId).terminate('test over: no worker polls its task queue');
    } finally {
      await draining.stop(30_000);
    }
  });

  it('exits 0 once drained, though something it started keeps the event loop alive (a hung NFS call in the thread pool)', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    // A stand-in for a call to an NFS server that stopped answering, which never lets the loop go.
    const keepAlive = join(dir.path, 'keep-alive.js');
    await writeFile(keepAlive, 'setInterval(() => undefined, 1 << 30);\n');
    const stuck = spawnBuiltWorker(
      'stuck',
      { DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'stuck', LOG_LEVEL: 'info', WORKER_HEALTH_ADDRESS: address, NODE_OPTIONS: `--require ${keepAlive}` },
      () => undefined,
    );
    try {
      expect(await waitFor(() => probe(address, '/ready'), (r) => r?.status === 200)).toMatchObject({ status: 200 });
      process.kill(stuck.pid, 'SIGTERM');
      const exit = await Promise.race([stuck.exited, sleep(20_000).then(() => 'still running 20 s after SIGTERM')]);
      expect(exit).toBe('0');
    } finally {
      await stuck.stop(1_000);
    }
  });

  it("logs a failed discovery once, with the harvest run and the instrument, in place of the SDK's line", async () => {
    const instrumentId = await instrumentOf('gone', 1);
    await rm(join(dir.path, 'gone', 'source'), { recursive: true });
    const client = new Client({ connection });
    const run = await startHarvest({ dataSource: db.dataSource, client, taskQueue: 'observed', instrumentId, trigger: 'api' });
    // The source is gone: the discovery fails for good, and so does the workflow.
    await expect(client.workflow.getHandle(run.workflowId).result()).rejects.toThrow('Workflow execution failed');
    const closed = (line: string) => line.includes('"run closed"') && line.includes(run.runId);
    for (const deadline = Date.now() + 10_000; !lines.some(closed) && Date.now() < deadline; ) await sleep(50);
    const failures = parsed().filter((line) => line.activityType === 'discover' && line.level !== 'debug' && /failed/.test(line.msg));
    expect(failures).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'activity',
        msg: 'discovery failed',
        runId: run.runId,
        instrument: 'gone',
        workflowId: run.workflowId,
        error: { message: expect.stringContaining('directory not found'), stack: expect.any(String) },
      }),
    ]);
  });

  it("logs a failed beginRun once, with its harvest run, in place of the SDK's line", async () => {
    // A workflow whose run row does not exist (deleted by hand, or a bad start): beginRun fails for good.
    const runId = randomUUID();
    const client = new Client({ connection });
    const handle = await client.workflow.start('harvest', { taskQueue: 'observed', workflowId: `harvest-no-row-${runId}`, args: [{ runId }] });
    await expect(handle.result()).rejects.toThrow('Workflow execution failed');
    const failed = (line: LogLine) => line.activityType === 'beginRun' && line.level !== 'debug' && /failed/.test(String(line.msg));
    for (const deadline = Date.now() + 10_000; !parsed().some(failed) && Date.now() < deadline; ) await sleep(50);
    await sleep(500);
    expect(parsed().filter(failed)).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'activity',
        msg: 'beginRun failed',
        runId,
        workflowId: handle.workflowId,
        error: expect.objectContaining({ message: `harvest run ${runId} does not exist` }),
      }),
    ]);
  });

  it('warns of a batch that left files failed or held', async () => {
    const instrumentId = await instrumentOf('held', 2);
    await db.dataSource.getRepository(HookEntity).save({
      name: 'checksum service down',
      phase: 'pre',
      kind: 'command',
      config: { command: [process.execPath, '-e', 'process.exit(3)'] },
      instrumentId,
      priority: 10,
      enabled: true,
    });
    const { run, result, logs } = await harvest(instrumentId);
    expect(result).toMatchObject({ status: 'succeeded', filesDone: 0, filesHeld: 2 });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'batch done', runId: run.runId, batchNo: 0, filesVerified: 0, held: 2 }));
  });
});

describe('a worker that cannot start', () => {
  it('writes one JSON line naming PostgreSQL and its port, never the password, and exits non-zero', async () => {
    requireBuiltWorker();
    const lines: string[] = [];
    const worker = spawnBuiltWorker('unreachable', { DATABASE_URL: 'postgres://sheaf:not-to-be-shown@localhost:1/x', TEMPORAL_ADDRESS: '127.0.0.1:1' }, (line) => lines.push(line));
    try {
      expect(await Promise.race([worker.exited, sleep(60_000).then(() => 'still running')])).toBe('1');
      for (const deadline = Date.now() + 2_000; !lines.length && Date.now() < deadline; ) await sleep(20);
      expect(lines).toHaveLength(1);
      const line = lines[0].replace(/^\[\w+\] /, '');
      expect(line).not.toContain('not-to-be-shown');
      expect(JSON.parse(line)).toMatchObject({
        level: 'error',
        context: 'worker',
        msg: expect.stringMatching(/^worker stopped: cannot connect to PostgreSQL at localhost:1 \(DATABASE_URL\): \S/),
        step: 'cannot connect to PostgreSQL at localhost:1 (DATABASE_URL)',
        error: { message: expect.stringContaining('ECONNREFUSED'), code: 'ECONNREFUSED', stack: expect.any(String) },
      });
    } finally {
      await worker.stop(1_000);
    }
  });
});
