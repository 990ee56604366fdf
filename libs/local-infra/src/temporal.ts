import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { SEARCH_ATTRIBUTE_TYPES } from '@sheaf/contracts';
import { freePort } from './ports';
import { spawnService, waitForPort, type Service } from './process';

export interface TemporalDevServerOptions {
  /** Path of the Temporal CLI binary. */
  binary: string;
  /** SQLite file that keeps workflow histories between starts; left out, they are kept in memory only. */
  dbFile?: string;
  /** Without the Web UI (tests): one port fewer to collide on, and a lighter server. */
  headless?: boolean;
  /** Dynamic config values, e.g. a small `limit.historyCount.suggestContinueAsNew` for a test. */
  dynamicConfig?: Readonly<Record<string, number | string | boolean>>;
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
  /** Told each line of its output (the last lines are kept anyway, as `output`). */
  log?: (line: string) => void;
}

export interface TemporalDevServer {
  /** The frontend's `127.0.0.1:port`, and that port: a restart on the same port keeps the address clients were given. */
  readonly address: string;
  readonly port: number;
  /** Undefined for a headless server. */
  readonly uiUrl: string | undefined;
  readonly service: Service;
  /** Its last lines of output (TAIL_LINES), for a report of its unexpected exit. */
  readonly output: readonly string[];
  stop(): Promise<void>;
}

const execFileAsync = promisify(execFile);

/** Sheaf's search attributes as `temporal server start-dev` flags. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/**
 * Creates Sheaf's search attributes in the namespace, one call each: creating one that exists
 * with its type succeeds, but a call naming one that exists adds none of the others (CLI 1.5).
 */
async function registerSearchAttributes(binary: string, address: string, namespace: string): Promise<void> {
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
    try {
      await execFileAsync(binary, ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--type', type, '--name', name], { timeout: 30_000 });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`could not register the search attribute ${name} (${type}) in the Temporal dev server: ${stderr || String(err)}`);
    }
  }
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
 * The Temporal CLI's dev server with its UI (unless headless), history persisted in `dbFile` (or
 * kept in memory). It is ready once it has printed its banner (and its UI answers). Its internal
 * services bind free ports of their own choosing, so two servers starting at once (parallel
 * test suites) can collide and one exits: a server that exits before it is ready is started
 * again, twice at most, and its last output goes into the error.
 */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const { dbFile } = options;
  if (dbFile) await mkdir(dirname(dbFile), { recursive: true });
  const freshDb = !!dbFile && !existsSync(dbFile);
  for (let attempt = 1; ; attempt++) {
    const avoid = new Set([...(options.avoidPorts ?? []), ...[options.port, options.uiPort].filter((p) => p !== undefined)]);
    const choose = async () => {
      const port = await freePortExcept(avoid);
      avoid.add(port);
      return port;
    };
    const port = options.port ?? (await choose());
    const uiPort = options.headless ? undefined : (options.uiPort ?? (await choose()));
    const httpPort = await choose();
    const metricsPort = await choose();
    const tail: string[] = [];
    // The CLI prints its banner ("Server:  localhost:PORT") once the server has started, its
    // frontend listening. An open port alone is no sign: it may be another program's, which took
    // it before this server could bind it (this server then exits, while the other one answers).
    const gone = new AbortController(); // aborted when the server exits: stops every wait
    let started: () => void = () => undefined;
    const bannered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Temporal dev server did not start within 60 s; its last output:\n${tail.join('\n')}`)), 60_000);
      gone.signal.addEventListener('abort', () => clearTimeout(timer));
      started = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    bannered.catch(() => undefined);
    const banner = new RegExp(`^\\[temporal\\] Server:\\s+\\S+:${port}$`);
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
        ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        ...(dbFile ? ['--db-filename', dbFile] : []),
        '--namespace',
        options.namespace,
        '--log-level',
        'warn',
        ...searchAttributeFlags(),
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
      ],
      log: (line) => {
        if (banner.test(line)) started();
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.log?.(line);
      },
    });
    let exitedEarly = false;
    const failed = service.exited.then((code) => {
      exitedEarly = true;
      gone.abort();
      throw new Error(`the Temporal dev server exited (${code}) before it was ready; its last output:\n${tail.join('\n')}`);
    });
    failed.catch(() => undefined);
    try {
      await Promise.race([bannered, failed]);
      if (uiPort !== undefined) await Promise.race([waitForPort('127.0.0.1', uiPort, 60_000, 'Temporal UI', gone.signal), failed]);
    } catch (err) {
      await service.stop(5_000);
      if (!exitedEarly) throw err;
      const early = (await failed.catch((reason: unknown) => reason)) as Error;
      // A half-made database of the failed start is not left behind; an existing one is kept.
      if (freshDb) for (const suffix of ['', '-wal', '-shm']) await rm(`${dbFile}${suffix}`, { force: true });
      if (attempt >= START_ATTEMPTS) throw early;
      options.log?.(`[temporal] ${early.message}\n[temporal] starting it again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      continue;
    }
    // `--search-attribute` registers them only when the namespace is created: a history kept from
    // an earlier start lacks any attribute added since, and every harvest would fail to set it.
    if (dbFile && !freshDb) await registerSearchAttributes(options.binary, `127.0.0.1:${port}`, options.namespace);
    return {
      address: `127.0.0.1:${port}`,
      port,
      uiUrl: uiPort === undefined ? undefined : `http://localhost:${uiPort}`,
      service,
      output: tail,
      stop: () => service.stop(15_000),
    };
  }
}
