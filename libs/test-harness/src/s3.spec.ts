import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { obscure } from '@sheaf/rclone';
import { requireTool } from '@sheaf/toolchain';
import { startS3Server, type S3Server } from './s3';
import { startSambaShare, type SambaShare } from './samba';
import { makeTempDir, type TempDir } from './temp';

const rclone = requireTool('rclone', process.env);

interface RcloneRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** The real rclone with remotes from the environment only; stdout as bytes. */
function runRclone(args: readonly string[], env: Record<string, string>): Promise<RcloneRun> {
  return new Promise((resolve) => {
    execFile(rclone, [...args], { env, encoding: 'buffer', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

function smbEnv(share: SambaShare): Record<string, string> {
  return {
    RCLONE_CONFIG_SRC_TYPE: 'smb',
    RCLONE_CONFIG_SRC_HOST: share.host,
    RCLONE_CONFIG_SRC_PORT: String(share.port),
    RCLONE_CONFIG_SRC_USER: share.user,
    RCLONE_CONFIG_SRC_PASS: obscure(share.password),
    RCLONE_CONFIG_SRC_DOMAIN: share.domain,
  };
}

function s3Env(server: S3Server, secretKey = server.secretKey): Record<string, string> {
  return {
    RCLONE_CONFIG_DST_TYPE: 's3',
    RCLONE_CONFIG_DST_PROVIDER: 'Rclone',
    RCLONE_CONFIG_DST_ENDPOINT: server.endpoint,
    RCLONE_CONFIG_DST_ACCESS_KEY_ID: server.accessKey,
    RCLONE_CONFIG_DST_SECRET_ACCESS_KEY: secretKey,
    RCLONE_CONFIG_DST_FORCE_PATH_STYLE: 'true',
  };
}

function env(...remotes: Array<Record<string, string>>): Record<string, string> {
  return Object.assign({ PATH: process.env.PATH ?? '', RCLONE_CONFIG: '/dev/null' }, ...remotes);
}

describe('startS3Server', () => {
  const FILE = 'Run 7/spectrum ü 1.bin';
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  let source: TempDir;
  let store: TempDir;
  let share: SambaShare;
  let s3: S3Server;

  beforeAll(async () => {
    source = await makeTempDir('sheaf-s3-source-');
    store = await makeTempDir('sheaf-s3-store-');
    await mkdir(dirname(join(source.path, FILE)), { recursive: true });
    await writeFile(join(source.path, FILE), bytes);
    // A quote and a slash in the secret prove the CSV quoting of RCLONE_AUTH_KEY.
    [share, s3] = await Promise.all([
      startSambaShare({ dir: source.path }),
      startS3Server({ dir: store.path, secretKey: `se"cret/${randomBytes(8).toString('hex')}`, buckets: ['archive'] }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([share?.stop(), s3?.stop()]);
    await Promise.all([source?.cleanup(), store?.cleanup()]);
  });

  it('receives a file copied from SMB and serves it back byte-identical', async () => {
    const copied = await runRclone(['copyto', `src:${share.share}/${FILE}`, `dst:archive/${FILE}`], env(smbEnv(share), s3Env(s3)));
    const readBack = await runRclone(['cat', `dst:archive/${FILE}`], env(s3Env(s3)));

    expect(copied.stderr).toBe('');
    expect(copied.code).toBe(0);
    expect(readBack.code).toBe(0);
    expect(readBack.stdout.equals(bytes)).toBe(true);
    // Buckets are the top-level folders of dir.
    expect((await readFile(join(store.path, 'archive', FILE))).equals(bytes)).toBe(true);
  });

  it('refuses a wrong secret key (rclone exits 1)', async () => {
    const result = await runRclone(['lsjson', 'dst:archive'], env(s3Env(s3, `${s3.secretKey}-wrong`)));

    // Exit 1 (uncategorised), like a wrong SMB password: the worker recognises it by the 403 message.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SignatureDoesNotMatch');
  });

  it('keeps the secret key out of the server command line', async () => {
    const port = new URL(s3.endpoint).port;
    const commandLines: string[] = [];
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(`127.0.0.1:${port}`)) commandLines.push(cmdline);
    }

    expect(commandLines).toHaveLength(1);
    expect(commandLines[0]).toContain('serve\0s3');
    expect(commandLines[0]).not.toContain(s3.secretKey);
  });

  it('rejects access keys the server would refuse', async () => {
    await expect(startS3Server({ dir: store.path, accessKey: 'ab' })).rejects.toThrow('at least 3 characters');
  });
});
