import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { spawnService } from '@sheaf/local-infra';
import { obscure } from '@sheaf/rclone';
import { requireTool } from '@sheaf/toolchain';
import { withoutRcloneSettings } from './rclone-env';
import { onFreePort, serving } from './loopback-server';
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
  return onFreePort(async (port) => {
    const cache = await makeTempDir('sheaf-sftp-');
    const tail: string[] = [];
    const service = spawnService({
      name: 'rclone-sftp',
      command: rclone,
      args: ['serve', 'sftp', '--addr', `127.0.0.1:${port}`, '--cache-dir', cache.path, dir],
      env: { ...withoutRcloneSettings(), RCLONE_CONFIG: '/dev/null', RCLONE_USER: user, RCLONE_PASS: password },
      log: (line) => tail.push(line),
    });
    const connectionString = (path = '') => `:sftp,host=127.0.0.1,port=${port},user=${user},pass=${obscure(password)}:${path}`;
    const stop = async () => {
      await service.stop(5_000);
      await cache.cleanup();
    };
    try {
      // A login that lists the served folder.
      const login = () =>
        run(rclone, ['lsf', '--low-level-retries', '1', '--retries', '1', connectionString()], {
          env: { ...withoutRcloneSettings(), RCLONE_CONFIG: '/dev/null' },
          timeout: 15_000,
        });
      await serving('rclone serve sftp', service, port, tail, login);
      return { host: '127.0.0.1', port, user, password, connectionString, stop };
    } catch (err) {
      await stop();
      throw err;
    }
  });
}
