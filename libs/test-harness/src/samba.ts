import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnService, type Service } from '@sheaf/local-infra';
import { obscure } from '@sheaf/rclone';
import { requireTool } from '@sheaf/toolchain';
import { onFreePort, serving } from './loopback-server';
import { withoutRcloneSettings } from './rclone-env';
import { makeTempDir } from './temp';

export interface SambaShareOptions {
  /** Directory the share serves. */
  dir: string;
  /** Share name; default `data`. */
  shareName?: string;
  /** SMB user name; default `sheaftest`. */
  user?: string;
  /** Default: a random one (read it from the returned share). */
  password?: string;
  /** Let clients write, rename and delete; default read-only, like an instrument source. */
  writable?: boolean;
  /** Receives smbd's output lines; by default they are kept and shown only when start-up fails. */
  log?: (line: string) => void;
}

/** A running smbd on loopback; give rclone these fields as an `smb` remote. */
export interface SambaShare {
  host: '127.0.0.1';
  port: number;
  share: string;
  user: string;
  password: string;
  /** rclone's default (`WORKGROUP`), also the server's workgroup. */
  domain: string;
  /** Stops smbd and its helpers, then removes the server's private folder. */
  stop(): Promise<void>;
}

/**
 * The one Unix account every test SMB user maps to (smbd needs a Unix account behind each
 * user). Created on first use as a system account without home or shell.
 */
const UNIX_ACCOUNT = 'sheaftest';
const WORKGROUP = 'WORKGROUP';

/** Characters smb.conf would substitute (%) or cut (line breaks, edge spaces) in a value. */
function confValue(what: string, value: string): string {
  if (/[%\r\n]/.test(value) || value !== value.trim()) throw new Error(`${what} cannot go into smb.conf: ${JSON.stringify(value)}`);
  return value;
}

function validate(options: SambaShareOptions): { share: string; user: string; password: string } {
  const share = options.shareName ?? 'data';
  const user = options.user ?? UNIX_ACCOUNT;
  const password = options.password ?? randomBytes(12).toString('base64url');
  if (!/^[A-Za-z0-9_.-]{1,80}$/.test(share) || ['global', 'homes', 'printers', 'ipc$'].includes(share.toLowerCase())) {
    throw new Error(`invalid share name ${JSON.stringify(share)}`);
  }
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(user)) throw new Error(`invalid SMB user name ${JSON.stringify(user)}`);
  if (password === '' || /[\r\n]/.test(password)) throw new Error('the SMB password must be one non-empty line');
  return { share, user, password };
}

/** Samba's tools and useradd live in sbin, which is not always on PATH. */
function systemTool(name: string, install = "Debian's samba package (apt-get install samba)"): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found: install ${install}`);
}

/** Runs a short command; rejects with its output when it fails. */
function run(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return new Promise<{ stdout: string; stderr: string }>((resolvePromise, reject) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`${command} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}): ${(stderr || stdout).trim().slice(-2000)}`));
    });
    // A tool that exits without reading its input must not fail the call with EPIPE.
    child.stdin?.on('error', () => undefined).end(options.input);
  });
}

let unixAccount: Promise<void> | undefined;

/** Creates the system account once; tolerates another test process creating it first. */
function ensureUnixAccount(): Promise<void> {
  unixAccount ??= (async () => {
    const exists = () => run('getent', ['passwd', UNIX_ACCOUNT]).then(() => true, () => false);
    if (await exists()) return;
    try {
      await run(systemTool('useradd', "Debian's passwd package"), ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--comment', 'Sheaf test SMB user', UNIX_ACCOUNT]);
    } catch (err) {
      if (!(await exists())) throw err;
    }
  })();
  return unixAccount;
}


interface ServerPaths {
  root: string;
  conf: string;
  pidDir: string;
}

function smbConf(paths: ServerPaths, dir: string, port: number, share: string, writable: boolean): string {
  const state = (name: string) => confValue('the temporary folder', join(paths.root, name));
  return [
    '[global]',
    '  server role = standalone server',
    `  workgroup = ${WORKGROUP}`,
    '  netbios name = SHEAFTEST',
    `  smb ports = ${port}`,
    '  interfaces = 127.0.0.1',
    '  bind interfaces only = yes',
    '  disable netbios = yes',
    '  server min protocol = SMB2',
    '  map to guest = never',
    '  restrict anonymous = 2',
    // Every file smbd keeps lives under the private folder: several servers run side by side
    // and none touches the system's Samba.
    `  passdb backend = tdbsam:${state('private')}/passdb.tdb`,
    // The SMB user, whatever its name, maps to the one Unix account: tests never add accounts.
    `  username map = ${state('users.map')}`,
    `  private dir = ${state('private')}`,
    `  lock directory = ${state('lock')}`,
    `  state directory = ${state('state')}`,
    `  cache directory = ${state('cache')}`,
    `  pid directory = ${state('pid')}`,
    `  ncalrpc dir = ${state('ncalrpc')}`,
    `  binddns dir = ${state('binddns')}`,
    `  log file = ${state('log')}/smbd.log`,
    // auth_audit:2 logs every refused logon ("status [NT_STATUS_WRONG_PASSWORD]").
    '  log level = 1 auth_audit:2',
    '  enable core files = no',
    '  usershare path =',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    '  idmap config * : backend = tdb',
    '  idmap config * : range = 100000-199999',
    // No extended attributes needed in the shared folder (tmpfs, overlay, ...).
    '  ea support = no',
    '  store dos attributes = no',
    '',
    `[${share}]`,
    `  path = ${confValue('the shared folder', dir)}`,
    `  read only = ${writable ? 'no' : 'yes'}`,
    `  valid users = ${UNIX_ACCOUNT}`,
    // Tests create their files as root in 0700 temporary folders; on a loopback test server,
    // serving them as root beats changing the caller's permissions.
    '  force user = root',
    '  force group = root',
    '',
  ].join('\n');
}

/**
 * smbd starts samba-dcerpcd on demand (share enumeration, for one); it daemonizes into its own
 * session, out of reach of the process-group kill. Its pid file is in our pid directory; the
 * command line must name our config before we signal it, so a recycled pid is left alone. A test
 * server keeps no state worth a graceful stop (SIGTERM takes it ~1.6 s): SIGKILL its group.
 */
async function stopRpcHelpers(paths: ServerPaths): Promise<void> {
  const pidText = await readFile(join(paths.pidDir, 'samba-dcerpcd.pid'), 'utf8').catch(() => '');
  const pid = Number.parseInt(pidText, 10);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes(paths.conf)) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      break;
    } catch {
      // Not a group leader, or already gone.
    }
  }
  // Gone, or a zombie waiting for init: either way it no longer writes into the folder.
  const running = async () => /^\d+ \(.*\) [^Z]/.test(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''));
  for (let waited = 0; waited < 5_000 && (await running()); waited += 20) await sleep(20);
}

/** Live (not zombie) processes started with this server's smb.conf. */
async function processesUsing(conf: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv.some((arg) => arg === conf || arg === `--configfile=${conf}`)) continue;
    if (/^\d+ \(.*\) [^Z]/.test(await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Whatever of this server is still alive after the group kills (a connection's smbd child still
 * exiting, an RPC helper in a session of its own) is killed and waited for, so nothing keeps
 * serving the port or writing into the folder about to be removed.
 */
async function killStragglers(conf: string): Promise<void> {
  for (let waited = 0; waited < 5_000; waited += 50) {
    const left = await processesUsing(conf);
    if (!left.length) return;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(50);
  }
}

/** One `rclone lsf` of the share root with the real credentials: the share serves files. */
async function probe(rclone: string, port: number, share: string, user: string, password: string): Promise<void> {
  await run(rclone, ['lsf', '--max-depth', '1', '--low-level-retries', '1', '--retries', '1', `probe:${share}`], {
    env: {
      ...withoutRcloneSettings(),
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_PROBE_TYPE: 'smb',
      RCLONE_CONFIG_PROBE_HOST: '127.0.0.1',
      RCLONE_CONFIG_PROBE_PORT: String(port),
      RCLONE_CONFIG_PROBE_USER: user,
      RCLONE_CONFIG_PROBE_PASS: obscure(password),
      RCLONE_CONFIG_PROBE_DOMAIN: WORKGROUP,
    },
    timeoutMs: 15_000,
  });
}

/**
 * A real Samba server (Debian's smbd) on a free loopback port, serving `dir` as one share to one
 * user from its own passdb. Needs root (smbd switches to the authenticated user). Resolves once
 * rclone can list the share.
 */
export async function startSambaShare(options: SambaShareOptions): Promise<SambaShare> {
  if (process.getuid?.() !== 0) throw new Error('startSambaShare needs root: smbd serves each session as the Unix user behind it');
  const { share, user, password } = validate(options);
  const dir = resolve(options.dir);
  if (!existsSync(dir)) throw new Error(`the shared folder ${dir} does not exist`);
  const smbd = systemTool('smbd');
  const pdbedit = systemTool('pdbedit');
  const rclone = requireTool('rclone', process.env);
  await ensureUnixAccount();

  const tail: string[] = [];
  const log = (line: string) => {
    tail.push(line);
    if (tail.length > 60) tail.shift();
    options.log?.(line);
  };

  const temp = await makeTempDir('sheaf-smbd-');
  const paths: ServerPaths = { root: temp.path, conf: join(temp.path, 'smb.conf'), pidDir: join(temp.path, 'pid') };
  let service: Service | undefined;
  const stop = async () => {
    await service?.stop(5_000);
    await stopRpcHelpers(paths);
    await killStragglers(paths.conf);
    await temp.cleanup();
  };
  try {
    for (const name of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'binddns', 'log']) {
      await mkdir(join(temp.path, name), { recursive: true });
    }
    await writeFile(join(temp.path, 'users.map'), `${UNIX_ACCOUNT} = ${user}\n`);
    return await onFreePort(async (port, attempt) => {
      tail.length = 0;
      await writeFile(paths.conf, smbConf(paths, dir, port, share, options.writable ?? false));
      if (attempt === 1) {
        await run(pdbedit, ['-s', paths.conf, '-a', '-u', UNIX_ACCOUNT, '-t'], { input: `${password}\n${password}\n` });
      }
      service = spawnService({
        name: 'smbd',
        command: smbd,
        // --no-process-group keeps smbd and its per-connection children in the group that
        // spawnService created, so stop() reaches all of them.
        args: ['--foreground', '--no-process-group', '--debug-stdout', '-s', paths.conf],
        env: withoutRcloneSettings(),
        log,
      });
      try {
        await serving('smbd', service, port, tail, () => probe(rclone, port, share, user, password));
        return { host: '127.0.0.1', port, share, user, password, domain: WORKGROUP, stop };
      } catch (err) {
        await service.stop(2_000);
        throw err;
      }
    });
  } catch (err) {
    await stop();
    throw err;
  }
}
