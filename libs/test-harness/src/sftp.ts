import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort, spawnService, waitForPort } from '@sheaf/local-infra';
import { obscure } from '@sheaf/rclone';
import { requireTool } from '@sheaf/toolchain';
import { withoutRcloneSettings } from './rclone-env';
import { makeTempDir } from './temp';

/** A running `rclone serve sftp`: an instrument source reached as an rclone connection string. */
export interface SftpServer {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** `:sftp,host=...,port=...,user=...,pass=<obscured>:` followed by `path`. */
  connectionString(path?: string): string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;
/** Starts on another free port when the one chosen was taken before the server bound it. */
const PORT_ATTEMPTS = 3;
const run = promisify(execFile);

/**
 * `rclone serve sftp` on a free loopback port, serving `dir` to one user and password (given
 * through the environment, not argv). Its host keys go to a folder of its own, so servers of
 * parallel tests do not race to create rclone's shared ones. Resolves once a login lists `dir`.
 */
export async function startSftpServer(options: { dir: string; user?: string; password?: string }): Promise<SftpServer> {
  const dir = resolve(options.dir);
  if (!existsSync(dir)) throw new Error(`the SFTP server's folder ${dir} does not exist`);
  const user = options.user ?? 'lab';
  const password = options.password ?? randomBytes(12).toString('base64url');
  const rclone = requireTool('rclone', process.env);
  for (let attempt = 1; ; attempt++) {
    const cache = await makeTempDir('sheaf-sftp-');
    const port = await freePort();
    const tail: string[] = [];
    const service = spawnService({
      name: 'rclone-sftp',
      command: rclone,
      args: ['serve', 'sftp', '--addr', `127.0.0.1:${port}`, '--cache-dir', cache.path, dir],
      env: { ...withoutRcloneSettings(), RCLONE_CONFIG: '/dev/null', RCLONE_USER: user, RCLONE_PASS: password },
      log: (line) => tail.push(line),
    });
    const exited = service.exited.then((code) => {
      throw new Error(`rclone serve sftp exited (${code}) before it was ready:\n${tail.join('\n')}`);
    });
    exited.catch(() => undefined);
    const connectionString = (path = '') => `:sftp,host=127.0.0.1,port=${port},user=${user},pass=${obscure(password)}:${path}`;
    // Ends the login attempts of a start that failed (the server exited meanwhile).
    const failed = new AbortController();
    const stop = async () => {
      failed.abort();
      await service.stop(5_000);
      await cache.cleanup();
    };
    try {
      await Promise.race([waitForPort('127.0.0.1', port, START_TIMEOUT_MS, 'rclone serve sftp'), exited]);
      await Promise.race([loginUntilReady(rclone, connectionString(), tail, failed.signal), exited]);
      return { host: '127.0.0.1', port, user, password, connectionString, stop };
    } catch (err) {
      await stop();
      // Another process took the port between freePort() and the bind: try another.
      if (attempt < PORT_ATTEMPTS && tail.some((line) => /address already in use/i.test(line))) continue;
      throw err;
    }
  }
}

/** Resolves once a login lists the served folder; else fails with the server's output (`tail`), or stops when `signal` fires. */
async function loginUntilReady(rclone: string, connectionString: string, tail: readonly string[], signal: AbortSignal): Promise<void> {
  for (const deadline = Date.now() + START_TIMEOUT_MS; !signal.aborted; await sleep(200)) {
    const probe = await run(rclone, ['lsf', '--low-level-retries', '1', '--retries', '1', connectionString], {
      env: { ...withoutRcloneSettings(), RCLONE_CONFIG: '/dev/null' },
      timeout: 15_000,
    }).then(
      () => undefined,
      (err: { stderr?: string }) => err.stderr ?? String(err),
    );
    if (probe === undefined) return;
    if (Date.now() > deadline) throw new Error(`rclone could not log in to its SFTP server: ${probe}\n${tail.join('\n')}`);
  }
}
