import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rclone, RcloneError } from './rclone';

/**
 * rclone that exits before reading its list of files (it refused a flag, a remote, a password)
 * breaks the pipe its list is written to. Each call settles with rclone's exit code and last
 * words; none waits for good (a batch did, heartbeating, until its 12-hour limit).
 */
describe('Rclone given a list of files it exits without reading', () => {
  let dir: string;
  let refusing: Rclone;
  // Far more than a pipe holds (64 KiB): the write of the list fails once rclone has gone.
  const files = Array.from({ length: 20_000 }, (_, i) => `scans/2026/plate-${i}.raw`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-early-exit-test-'));
    const script = join(dir, 'rclone');
    await writeFile(script, `#!/bin/sh\necho '{"level":"error","msg":"failed to connect to SMB: NT_STATUS_LOGON_FAILURE"}' >&2\nexit 1\n`);
    await chmod(script, 0o755);
    refusing = new Rclone(script);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['copy', (r: Rclone) => r.copyFiles('/nowhere', '/nowhere-else', files)],
    ['hashsum', (r: Rclone) => r.sha256('/nowhere', files)],
    ['lsjson', (r: Rclone) => r.stat('/nowhere', files)],
    ['delete', (r: Rclone) => r.deleteFiles('/nowhere', files)],
  ])('%s fails with its exit code and what rclone said', async (command, call) => {
    const error = await call(refusing).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RcloneError);
    expect(error).toMatchObject({ exitCode: 1, message: `rclone ${command} failed (exit 1): failed to connect to SMB: NT_STATUS_LOGON_FAILURE` });
  }, 15_000);

  it.each([
    ['copy', (r: Rclone) => r.copyFiles('/nowhere', '/nowhere-else', files)],
    ['hashsum', (r: Rclone) => r.sha256('/nowhere', files)],
  ])('%s settles soon after rclone exits while a process it started holds its output open', async (command, call) => {
    const script = join(dir, `rclone-${command}-leaves-child`);
    const child = join(dir, `${command}-child.pid`);
    await writeFile(script, `#!/bin/sh\nsleep 60 &\necho $! > '${child}'\necho '{"level":"error","msg":"failed to connect to SMB"}' >&2\nexit 1\n`);
    await chmod(script, 0o755);
    try {
      const started = Date.now();
      await expect(call(new Rclone(script))).rejects.toThrow(`rclone ${command} failed (exit 1): failed to connect to SMB`);
      // The pipes get 2 s after rclone's exit; the sleeping process would hold them for 60.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      process.kill(Number(await readFile(child, 'utf8')), 'SIGKILL');
    }
  }, 20_000);

  it.each([
    ['hashsum', `printf '%064d  a.raw\\n' 0`, (r: Rclone) => r.sha256('/nowhere', ['a.raw', 'b.raw'])],
    ['lsjson', `echo '{"Path":"a.raw","Size":1,"ModTime":"2026-01-01T00:00:00Z","IsDir":false}'`, (r: Rclone) => r.stat('/nowhere', ['a.raw', 'b.raw'])],
  ])('%s that succeeds while a process it started holds its stdout open fails instead of answering with part of it', async (command, print, call) => {
    const script = join(dir, `rclone-${command}-succeeds-leaves-child`);
    const child = join(dir, `${command}-ok-child.pid`);
    // The process holds stdout only: rclone's stderr ends when it exits.
    await writeFile(script, `#!/bin/sh\n${print}\nsleep 60 2>/dev/null &\necho $! > '${child}'\nexit 0\n`);
    await chmod(script, 0o755);
    try {
      await expect(call(new Rclone(script))).rejects.toThrow(`rclone ${command} exited, but its output was cut off 2 s later (a process it started held it open?)`);
    } finally {
      process.kill(Number(await readFile(child, 'utf8')), 'SIGKILL');
    }
  }, 20_000);

  it('says rclone could not be started when its binary is not there', async () => {
    const missing = new Rclone(join(dir, 'no-such-rclone'));
    await expect(missing.sha256('/nowhere', files)).rejects.toThrow(`rclone hashsum could not be started: spawn ${join(dir, 'no-such-rclone')} ENOENT`);
    await expect(missing.copyFiles('/nowhere', '/nowhere-else', files)).rejects.toThrow(`rclone copy could not be started: spawn ${join(dir, 'no-such-rclone')} ENOENT`);
  }, 15_000);
});
