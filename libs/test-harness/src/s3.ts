import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { spawnService, type Service } from '@sheaf/local-infra';
import { requireTool } from '@sheaf/toolchain';
import { onFreePort, serving } from './loopback-server';
import { withoutRcloneSettings } from './rclone-env';

export interface S3ServerOptions {
  /** Served folder: each top-level folder is a bucket. */
  dir: string;
  /** At least 3 characters (shorter keys are refused as InvalidAccessKeyId); default random. */
  accessKey?: string;
  /** Default random. */
  secretKey?: string;
  /**
   * Buckets (top-level folders) to create before the server starts. Create buckets here or
   * through S3: the server caches directory listings (rclone's VFS, 5 min), so a folder made on
   * disk while it runs stays invisible for a while.
   */
  buckets?: readonly string[];
  /** Receives the server's output lines; by default they are kept and shown only when start-up fails. */
  log?: (line: string) => void;
}

/** A running `rclone serve s3`; give rclone an `s3` remote with provider `Rclone` and path-style access. */
export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

function validate(options: S3ServerOptions): { accessKey: string; secretKey: string } {
  const accessKey = options.accessKey ?? `sheaf${randomBytes(6).toString('hex')}`;
  const secretKey = options.secretKey ?? randomBytes(24).toString('base64url');
  // gofakes3 (behind serve s3) looks keys up by exact match and refuses access keys under 3 characters.
  if (accessKey.length < 3) throw new Error('the S3 access key needs at least 3 characters');
  // `--auth-key` is "access,secret": neither may contain a comma.
  for (const [what, value] of [['access key', accessKey], ['secret key', secretKey]]) {
    if (value === '' || /[,\r\n]/.test(value)) throw new Error(`the S3 ${what} must be one line without commas`);
  }
  for (const bucket of options.buckets ?? []) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new Error(`invalid bucket name ${JSON.stringify(bucket)}`);
  }
  return { accessKey, secretKey };
}

/** One authenticated ListBuckets through the real rclone client. */
async function probe(rclone: string, endpoint: string, accessKey: string, secretKey: string): Promise<void> {
  await run(rclone, ['lsf', '--low-level-retries', '1', '--retries', '1', 'probe:'], {
    env: {
      ...withoutRcloneSettings(),
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_PROBE_TYPE: 's3',
      RCLONE_CONFIG_PROBE_PROVIDER: 'Rclone',
      RCLONE_CONFIG_PROBE_ENDPOINT: endpoint,
      RCLONE_CONFIG_PROBE_ACCESS_KEY_ID: accessKey,
      RCLONE_CONFIG_PROBE_SECRET_ACCESS_KEY: secretKey,
      RCLONE_CONFIG_PROBE_FORCE_PATH_STYLE: 'true',
    },
    timeout: 15_000,
  });
}

/**
 * `rclone serve s3` (the installed rclone, >= 1.74.4) on a free loopback port, serving `dir`
 * with V4 signatures for one key pair. Resolves once an authenticated listing works.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const { accessKey, secretKey } = validate(options);
  const dir = resolve(options.dir);
  if (!existsSync(dir)) throw new Error(`the S3 server's folder ${dir} does not exist`);
  for (const bucket of options.buckets ?? []) await mkdir(join(dir, bucket), { recursive: true });
  const rclone = requireTool('rclone', process.env);

  const tail: string[] = [];
  const log = (line: string) => {
    tail.push(line);
    if (tail.length > 60) tail.shift();
    options.log?.(line);
  };

  return onFreePort(async (port) => {
    tail.length = 0;
    const endpoint = `http://127.0.0.1:${port}`;
    const service: Service = spawnService({
      name: 'rclone-s3',
      command: rclone,
      // `--auth-key` has an environment form, so the secret stays out of argv (and ps). It is a
      // CSV list: the quotes keep "access,secret" one pair.
      args: ['serve', 's3', '--addr', `127.0.0.1:${port}`, dir],
      env: { ...withoutRcloneSettings(), RCLONE_CONFIG: '/dev/null', RCLONE_AUTH_KEY: `"${`${accessKey},${secretKey}`.replaceAll('"', '""')}"` },
      log,
    });
    try {
      await serving('rclone serve s3', service, port, tail, () => probe(rclone, endpoint, accessKey, secretKey));
      return { endpoint, accessKey, secretKey, stop: () => service.stop(5_000) };
    } catch (err) {
      await service.stop(2_000);
      throw err;
    }
  });
}
