import { createServer } from 'node:net';
import { startWorkerHealthServer, type WorkerHealthOptions, type WorkerHealthServer } from './health';

/** The worker's probes over real HTTP, with the worker, PostgreSQL and Temporal faked. */
describe("a worker's health probes", () => {
  const servers: WorkerHealthServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(overrides: Partial<WorkerHealthOptions> = {}): Promise<(path: string, init?: RequestInit) => Promise<{ status: number; body: unknown }>> {
    const server = await startWorkerHealthServer({
      address: '127.0.0.1:0',
      workerState: () => 'RUNNING',
      database: async () => [{ '?column?': 1 }],
      temporal: async () => ({}),
      ...overrides,
    });
    servers.push(server);
    return async (path, init) => {
      const response = await fetch(`http://${server.address}${path}`, init);
      return { status: response.status, body: await response.json() };
    };
  }

  it('are ready while the worker polls with PostgreSQL and Temporal answering', async () => {
    const get = await serve();
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/ready')).toEqual({
      status: 200,
      body: { status: 'ready', checks: { worker: { ok: true }, database: { ok: true }, temporal: { ok: true } } },
    });
  });

  it('are unready, and still alive, while the worker starts or drains', async () => {
    let state = 'INITIALIZED';
    const get = await serve({ workerState: () => state });
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { status: 'unready', checks: { worker: { ok: false, error: 'the worker is INITIALIZED, not polling its task queue' }, database: { ok: true }, temporal: { ok: true } } },
    });
    state = 'DRAINING';
    expect(await get('/ready')).toMatchObject({ status: 503, body: { checks: { worker: { ok: false, error: 'the worker is DRAINING, not polling its task queue' } } } });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    state = 'RUNNING';
    expect(await get('/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('say which dependency refuses or hangs', async () => {
    const get = await serve({
      database: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')),
      temporal: () => new Promise(() => undefined),
    });
    expect(await get('/ready')).toEqual({
      status: 503,
      body: {
        status: 'unready',
        checks: { worker: { ok: true }, database: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:5432' }, temporal: { ok: false, error: 'no answer within 2000 ms' } },
      },
    });
  });

  it('give Temporal a deadline within the check', async () => {
    const deadlines: number[] = [];
    const get = await serve({ temporal: async (deadline) => deadlines.push(deadline) });
    const before = Date.now();
    await get('/ready');
    expect(deadlines).toHaveLength(1);
    expect(deadlines[0] - before).toBeGreaterThanOrEqual(1_900);
    expect(deadlines[0] - before).toBeLessThanOrEqual(2_500);
  });

  it('answer 404 elsewhere and 405 to other methods', async () => {
    const get = await serve();
    expect(await get('/metrics')).toEqual({ status: 404, body: { statusCode: 404, message: 'no /metrics here: GET /health or /ready' } });
    expect(await get('/ready', { method: 'POST' })).toEqual({ status: 405, body: { statusCode: 405, message: 'POST is not allowed: GET /ready' } });
  });

  it('refuse to start on a port that is taken, naming the setting', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(serve({ address: `127.0.0.1:${port}` })).rejects.toThrow(`cannot answer health probes on WORKER_HEALTH_ADDRESS 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      taken.close();
    }
  });
});
