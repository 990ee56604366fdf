import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SEARCH_ATTRIBUTE_TYPES } from '@sheaf/contracts';
import { spawnService, waitForPort, type Service } from './process';

export interface TemporalDevServerOptions {
  /** Path of the Temporal CLI binary. */
  binary: string;
  /** SQLite file that keeps workflow histories between starts. */
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  log: (line: string) => void;
}

export interface TemporalDevServer {
  readonly address: string;
  readonly uiUrl: string;
  readonly service: Service;
  stop(): Promise<void>;
}

/** Sheaf's search attributes as `temporal server start-dev` flags. */
export function searchAttributeFlags(): string[] {
  return Object.entries(SEARCH_ATTRIBUTE_TYPES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}

/** The Temporal CLI's dev server with its UI, history persisted in `dbFile`. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  await mkdir(dirname(options.dbFile), { recursive: true });
  const service = spawnService({
    name: 'temporal',
    command: options.binary,
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--ui-port',
      String(options.uiPort),
      '--db-filename',
      options.dbFile,
      '--namespace',
      options.namespace,
      '--log-level',
      'warn',
      ...searchAttributeFlags(),
    ],
    log: options.log,
  });
  const failed = service.exited.then((code) => {
    throw new Error(`the Temporal dev server exited (${code}) before it was ready; see the [temporal] lines above`);
  });
  await Promise.race([waitForPort('127.0.0.1', options.port, 60_000, 'Temporal'), failed]);
  await Promise.race([waitForPort('127.0.0.1', options.uiPort, 60_000, 'Temporal UI'), failed]);
  failed.catch(() => undefined);
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://localhost:${options.uiPort}`,
    service,
    stop: () => service.stop(15_000),
  };
}
