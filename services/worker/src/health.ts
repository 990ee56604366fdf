import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkWithin, type CheckResult, type HealthResponse, type WorkerReadinessResponse } from '@sheaf/contracts';

/** Each readiness check's limit: well inside a probe's own timeout (5 s in the manifests). */
export const CHECK_TIMEOUT_MS = 2_000;

export interface WorkerHealthOptions {
  /** host:port to listen on (WORKER_HEALTH_ADDRESS). */
  address: string;
  /** The Temporal worker's state (`Worker.getState()`): RUNNING while it polls its task queue. */
  workerState: () => string;
  /** Resolves when PostgreSQL answers. */
  database: () => Promise<unknown>;
  /** Resolves when the Temporal server answers, within the deadline given. */
  temporal: (deadline: number) => Promise<unknown>;
}

export interface WorkerHealthServer {
  /** The address it listens on (the port the system chose when asked for port 0). */
  readonly address: string;
  close(): Promise<void>;
}

export async function workerReadiness(options: Omit<WorkerHealthOptions, 'address'>): Promise<WorkerReadinessResponse> {
  const state = options.workerState();
  const worker: CheckResult = state === 'RUNNING' ? { ok: true } : { ok: false, error: `the worker is ${state}, not polling its task queue` };
  const [database, temporal] = await Promise.all([
    checkWithin(CHECK_TIMEOUT_MS, options.database),
    checkWithin(CHECK_TIMEOUT_MS, () => options.temporal(Date.now() + CHECK_TIMEOUT_MS)),
  ]);
  const ready = worker.ok && database.ok && temporal.ok;
  return { status: ready ? 'ready' : 'unready', checks: { worker, database, temporal } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The worker's probes, as the API's: `GET /health` answers while the process's event loop does
 * (liveness; a wedged worker stops answering), `GET /ready` says whether the worker polls its task
 * queue with PostgreSQL and Temporal reachable (readiness; 503 while starting or draining).
 */
export async function startWorkerHealthServer(options: WorkerHealthOptions): Promise<WorkerHealthServer> {
  const separator = options.address.lastIndexOf(':');
  // "[::]:9465" listens on "::".
  const host = options.address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  const port = Number(options.address.slice(separator + 1));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    if (path !== '/health' && path !== '/ready') return send(res, 404, { statusCode: 404, message: `no ${path} here: GET /health or /ready` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { statusCode: 405, message: `${req.method} is not allowed: GET ${path}` });
    }
    if (path === '/health') return send(res, 200, { status: 'ok' } satisfies HealthResponse);
    workerReadiness(options).then(
      (readiness) => send(res, readiness.status === 'ready' ? 200 : 503, readiness),
      (err: unknown) => send(res, 500, { statusCode: 500, message: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot answer health probes on WORKER_HEALTH_ADDRESS ${options.address}: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${options.address.slice(0, separator)}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
