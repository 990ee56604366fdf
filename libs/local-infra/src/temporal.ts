import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '@sheaf/contracts';
import { freePort } from './ports';
import { spawnService, waitForPort, type Service } from './process';

export interface TemporalDevServerOptions {
  /** Path of the Temporal CLI binary. */
  binary: string;
  /** SQLite file that keeps workflow histories between starts. */
  dbFile: string;
  /**
   * The frontend (gRPC) and UI ports. Left out, free ones are chosen at each start attempt: a
   * port chosen before the server binds it can be taken meanwhile (by another server's internal
   * services, which bind free ports of their own choosing), and a server given a taken port
   * exits ("can't set frontend port ...: address already in use"), however often it is retried.
   */
  port?: number;
  uiPort?: number;
  /**
   * Ports chosen for other services that are not bound yet: the server's HTTP API and metrics
   * ports, which it would pick at random, are chosen here instead, never one of these.
   */
  avoidPorts?: readonly number[];
  namespace: string;
  log: (line: string) => void;
}

export interface TemporalDevServer {
  /** The frontend's `127.0.0.1:port`, and that port: a restart on the same port keeps the address clients were given. */
  readonly address: string;
  readonly port: number;
  readonly uiUrl: string;
  readonly service: Service;
  stop(): Promise<void>;
}

/** Sheaf's search attributes as `temporal server start-dev` flags. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/** A free port that is none of `avoid`. */
async function freePortExcept(avoid: ReadonlySet<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!avoid.has(port)) return port;
  }
}

/** Starts of a dev server that exits before it is ready (e.g. another one took a port it chose). */
const START_ATTEMPTS = 3;
/** Output lines kept for the error of a server that exits before it is ready. */
const TAIL_LINES = 30;

/**
 * The Temporal CLI's dev server with its UI, history persisted in `dbFile`. Its internal
 * services bind free ports of their own choosing, so two servers starting at once (parallel
 * test suites) can collide and one exits: a server that exits before it is ready is started
 * again, twice at most, and its last output goes into the error.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  await mkdir(dirname(options.dbFile), { recursive: true });
  const freshDb = !existsSync(options.dbFile);
  for (let attempt = 1; ; attempt++) {
    const avoid = new Set([...(options.avoidPorts ?? []), ...[options.port, options.uiPort].filter((p) => p !== undefined)]);
    const choose = async () => {
      const port = await freePortExcept(avoid);
      avoid.add(port);
      return port;
    };
    const port = options.port ?? (await choose());
    const uiPort = options.uiPort ?? (await choose());
    const httpPort = await choose();
    const metricsPort = await choose();
    const tail: string[] = [];
    const service = spawnService({
      name: 'temporal',
      command: options.binary,
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(uiPort),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        '--db-filename',
        options.dbFile,
        '--namespace',
        options.namespace,
        '--log-level',
        'warn',
        ...searchAttributeFlags(),
      ],
      log: (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.log(line);
      },
    });
    let exitedEarly = false;
    // Stops waiting for the ports once the server is gone.
    const gone = new AbortController();
    const failed = service.exited.then((code) => {
      exitedEarly = true;
      gone.abort();
      throw new Error(`the Temporal dev server exited (${code}) before it was ready; its last output:\n${tail.join('\n')}`);
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([waitForPort('127.0.0.1', port, 60_000, 'Temporal', gone.signal), failed]);
      await Promise.race([waitForPort('127.0.0.1', uiPort, 60_000, 'Temporal UI', gone.signal), failed]);
    } catch (err) {
      await service.stop(5_000);
      if (!exitedEarly) throw err;
      const early = (await failed.catch((reason: unknown) => reason)) as Error;
      // A half-made database of the failed start is not left behind; an existing one is kept.
      if (freshDb) for (const suffix of ['', '-wal', '-shm']) await rm(`${options.dbFile}${suffix}`, { force: true });
      if (attempt >= START_ATTEMPTS) throw early;
      options.log(`[temporal] ${early.message}\n[temporal] starting it again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      continue;
    }
    return {
      address: `127.0.0.1:${port}`,
      port,
      uiUrl: `http://localhost:${uiPort}`,
      service,
      stop: () => service.stop(15_000),
    };
  }
}
