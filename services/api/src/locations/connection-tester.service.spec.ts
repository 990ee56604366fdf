import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiConfig } from '../config';
import { ConnectionTesterService } from './connection-tester.service';

/** The tests' limit, for the 30 s of the API. */
const LIMIT_MS = 500;

/** The promise's value, or 'no answer' when it has none within `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | 'no answer'> {
  return Promise.race([promise, sleep(ms, 'no answer' as const)]);
}

/**
 * Fills libuv's thread pool with opens of a FIFO that has no writer (each waits in open(2)):
 * from then on no asynchronous file-system call of this process returns, as on a hung network
 * mount. Returns what lets them go.
 */
async function hangFileSystem(dir: string): Promise<() => Promise<void>> {
  const fifo = join(dir, 'no-writer');
  execFileSync('mkfifo', [fifo]);
  const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const opens = Array.from({ length: threads }, () => open(fifo, 'r'));
  const probe = stat(dir);
  const release = async () => {
    // Opened for reading and writing (never blocks on Linux), the FIFO has a writer: every open returns.
    const writer = openSync(fifo, 'r+');
    try {
      for (const handle of await Promise.all(opens)) await handle.close();
    } finally {
      closeSync(writer);
    }
    await probe;
    await rm(fifo);
  };
  // What the tests rest on: a stat now waits for good.
  if ((await within(200, probe)) !== 'no answer') {
    await release();
    throw new Error(`a stat answered with ${threads} threads waiting on a FIFO: the file system is not hung`);
  }
  return release;
}

describe('ConnectionTesterService within its time limit', () => {
  let dir: string;
  let pids: string;
  /** Real rclone. */
  let tester: ConnectionTesterService;
  /** An rclone that never answers, not even SIGTERM (as one stuck on a hung mount). */
  let stuck: ConnectionTesterService;
  let release: (() => Promise<void>) | undefined;

  /** Stuck rclones started, and those of them still running. */
  const stuckRclones = async () => (await readFile(pids, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  const running = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'connection-tester-test-'));
    pids = join(dir, 'rclone-pids');
    const fake = join(dir, 'rclone');
    await writeFile(fake, `#!/bin/sh\n[ "$1" = version ] && { echo 'rclone v1.75.0'; exit 0; }\necho $$ >> '${pids}'\ntrap '' TERM\nexec sleep 600\n`, { mode: 0o755 });
    tester = new ConnectionTesterService({ tools: process.env } as ApiConfig, LIMIT_MS);
    stuck = new ConnectionTesterService({ tools: { SHEAF_RCLONE_BIN: fake, SHEAF_CACHE_DIR: dir, PATH: '' } } as ApiConfig, LIMIT_MS);
  });

  afterEach(async () => {
    await release?.();
    release = undefined;
  });

  afterAll(async () => {
    for (const pid of await stuckRclones()) if (running(pid)) process.kill(pid, 'SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('tests a writable local folder and lists a local source, as before', async () => {
    const folder = join(dir, 'store');
    await mkdir(join(folder, 'grid1'), { recursive: true });
    await writeFile(join(folder, 'grid1', 'image 1.tif'), 'pixels');
    expect(await tester.testDestination({ root: folder, localRoot: folder, remotes: [] })).toEqual({
      ok: true,
      message: `${folder} exists and is writable`,
      durationMs: expect.any(Number),
    });
    expect(await tester.testSource({ root: folder, localRoot: folder, remotes: [] })).toEqual({
      ok: true,
      message: 'listed 1 file(s)',
      durationMs: expect.any(Number),
      sample: [{ path: 'grid1/image 1.tif', size: 6, modTime: expect.any(String) }],
    });
    expect(await readdir(folder)).toEqual(['grid1']);
    const missing = join(dir, 'missing');
    expect(await tester.testDestination({ root: missing, localRoot: missing, remotes: [] })).toMatchObject({ ok: false, message: `${missing} does not exist` });
  });

  it('answers at the limit, naming the folder, when a local storage folder never answers', async () => {
    const folder = join(dir, 'hung-store');
    await mkdir(folder);
    release = await hangFileSystem(dir);
    const answer = await within(LIMIT_MS + 1_500, tester.testDestination({ root: folder, localRoot: folder, remotes: [] }));
    expect(answer).toEqual({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) });
    expect((answer as { durationMs: number }).durationMs).toBeLessThan(LIMIT_MS + 300);
    // The mount comes back: nothing is written after the answer.
    await release();
    release = undefined;
    await sleep(100);
    expect(await readdir(folder)).toEqual([]);
  });

  it('answers at the limit when a local source answers only after it, and lists nothing then', async () => {
    const folder = join(dir, 'slow-source');
    await mkdir(folder);
    await writeFile(join(folder, 'a.raw'), 'x');
    release = await hangFileSystem(dir);
    const answering = within(LIMIT_MS + 1_500, stuck.testSource({ root: folder, localRoot: folder, remotes: [] }));
    // The folder answers after the limit has passed; its listing would never end.
    await sleep(LIMIT_MS + 200);
    await release();
    release = undefined;
    const answer = await answering;
    expect(answer).toEqual({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) });
    expect((answer as { durationMs: number }).durationMs).toBeLessThan(LIMIT_MS + 300);
    await sleep(200);
    expect((await stuckRclones()).filter(running)).toEqual([]);
  });

  it('answers at the limit when rclone listing a remote source never answers, and stops it', async () => {
    const before = (await stuckRclones()).length;
    const started = Date.now();
    const answer = await within(LIMIT_MS + 1_500, stuck.testSource({ root: 'src:share/incoming', remotes: [{ name: 'src', type: 'local' }] }));
    expect(answer).toEqual({ ok: false, message: 'share/incoming did not answer within 0.5 s', durationMs: expect.any(Number) });
    expect(Date.now() - started).toBeLessThan(LIMIT_MS + 300);
    // rclone ignores SIGTERM: it is killed after its grace period.
    const pid = (await stuckRclones())[before];
    expect(pid).toEqual(expect.any(Number));
    for (const deadline = Date.now() + 10_000; running(pid) && Date.now() < deadline; ) await sleep(100);
    expect(running(pid)).toBe(false);
  }, 20_000);
});
