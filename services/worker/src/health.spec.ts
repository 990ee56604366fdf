import { connect, createServer } from 'node:net';
import { startWorkerHealthServer, type WorkerHealthServer } from './health';

/** The worker's probes over real HTTP, with the worker's state faked. */
describe("a worker's health probes", () => {
  const servers: WorkerHealthServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function serve(workerState: () => string = () => 'RUNNING', address = '127.0.0.1:0') {
    const server = await startWorkerHealthServer({ address, workerState });
    servers.push(server);
    const get = async (path: string, init?: RequestInit) => {
      const response = await fetch(`http://${server.address}${path}`, init);
      return { status: response.status, body: await response.json() };
    };
    return { server, get };
  }

  it('are alive and ready while the worker polls its task queue', async () => {
    const { get } = await serve();
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { worker: { ok: true } } } });
    expect(await get('/ready?verbose')).toMatchObject({ status: 200 });
  });

  it('are unready, and still alive, while the worker starts or drains', async () => {
    let state = 'STARTING';
    const { get } = await serve(() => state);
    expect(await get('/ready')).toEqual({
      status: 503,
      body: { status: 'unready', checks: { worker: { ok: false, error: 'the worker is STARTING, not polling its task queue' } } },
    });
    state = 'DRAINING';
    expect(await get('/ready')).toMatchObject({ status: 503, body: { checks: { worker: { ok: false, error: 'the worker is DRAINING, not polling its task queue' } } } });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    state = 'RUNNING';
    expect(await get('/ready')).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('listen on an IPv6 address given in brackets', async () => {
    const { server, get } = await serve(undefined, '[::1]:0');
    expect(server.address).toMatch(/^\[::1\]:\d+$/);
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { worker: { ok: true } } } });
  });

  it('answer 404 elsewhere and 405 to other methods', async () => {
    const { get } = await serve();
    expect(await get('/metrics')).toEqual({ status: 404, body: { statusCode: 404, message: 'no /metrics here: GET /health or /ready' } });
    expect(await get('/ready', { method: 'POST' })).toEqual({ status: 405, body: { statusCode: 405, message: 'POST is not allowed: GET /ready' } });
  });

  it('answer a request whose target is no URL with 404, and keep answering', async () => {
    const { server, get } = await serve();
    const port = Number(server.address.split(':')[1]);
    // `new URL` throws on this target, which Node's HTTP parser accepts.
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('GET http://[ HTTP/1.1\r\nHost: worker\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 404 /);
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('refuse to start on a port that is taken, naming the setting', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startWorkerHealthServer({ address: `127.0.0.1:${port}`, workerState: () => 'RUNNING' })).rejects.toThrow(
        `cannot answer health probes on WORKER_HEALTH_ADDRESS 127.0.0.1:${port}: listen EADDRINUSE`,
      );
    } finally {
      taken.close();
    }
  });
});
