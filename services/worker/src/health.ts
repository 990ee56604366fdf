import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthResponse, WorkerReadinessResponse } from '@sheaf/contracts';

export interface WorkerHealthOptions {
  /** host:port to listen on (WORKER_HEALTH_ADDRESS). */
  address: string;
  /** The Temporal worker's state (`Worker.getState()`, STARTING before it exists): RUNNING while it polls its task queue. */
  workerState: () => string;
}

export interface WorkerHealthServer {
  /** The address it listens on (the port the system chose when asked for port 0). */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Ready while the worker polls its task queue. Not while PostgreSQL or Temporal is unreachable:
 * every worker shares them, and an outage that marked all workers unready at once would block
 * node drains (the disruption budget) and stall rollouts without helping anyone; a worker
 * that cannot reach either at start-up exits instead.
 */
export function workerReadiness(state: string): WorkerReadinessResponse {
  return state === 'RUNNING'
    ? { status: 'ready', checks: { worker: { ok: true } } }
    : { status: 'unready', checks: { worker: { ok: false, error: `the worker is ${state}, not polling its task queue` } } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The worker's probes: `GET /health` answers while the process's event loop does (liveness: a
 * wedged worker stops answering), `GET /ready` says whether the worker polls its task queue
 * (readiness: 503 while it starts or drains).
 */
export async function startWorkerHealthServer(options: WorkerHealthOptions): Promise<WorkerHealthServer> {
  const separator = options.address.lastIndexOf(':');
  const host = options.address.slice(0, separator);
  const port = Number(options.address.slice(separator + 1));
  // `[::]:9465` listens on `::` (all IPv6 and, where the system allows, IPv4 addresses).
  const listenHost = host.replace(/^\[(.*)\]$/, '$1');
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // The path without parsing the request target as a URL, which throws on some targets that
    // Node's HTTP parser lets through: a probe endpoint must not be a way to crash the worker.
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/health' && path !== '/ready') return send(res, 404, { statusCode: 404, message: `no ${path} here: GET /health or /ready` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, { statusCode: 405, message: `${req.method} is not allowed: GET ${path}` });
    }
    if (path === '/health') return send(res, 200, { status: 'ok' } satisfies HealthResponse);
    const readiness = workerReadiness(options.workerState());
    send(res, readiness.status === 'ready' ? 200 : 503, readiness);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot answer health probes on WORKER_HEALTH_ADDRESS ${options.address}: ${err.message}`)));
    server.listen(port, listenHost, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
