import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rclone, storageLocation } from '@sheaf/rclone';
import { startS3Server } from '@sheaf/test-harness';
import { requireTool } from '@sheaf/toolchain';
import type { ApiConfig } from '../config';
import { ConnectionTesterService } from './connection-tester.service';

/** The tests' limit, for the 30 s of the API. */
const LIMIT_MS = 500;
/**
 * How long the tests wait for an answer at the limit: room for a loaded machine (CI runs every
 * spec at once on 2 cores), and still short of the old code, which gave none at all for a hung
 * folder, and one after 5.5 s (the limit and rclone's grace) for an rclone that ignores SIGTERM.
 */
const ANSWER_MS = LIMIT_MS + 2_000;

/** The promise's value, or 'no answer' when it has none within `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T | 'no answer'> {
  // Unreferenced: a wait that is no longer needed does not hold jest's exit.
  return Promise.race([promise, sleep(ms, 'no answer' as const, { ref: false })]);
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
  /** Real rclone with time to spare: for answers that are not about the limit (rclone's start alone can pass 0.5 s on a busy machine). */
  let patient: ConnectionTesterService;
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
    patient = new ConnectionTesterService({ tools: process.env } as ApiConfig, 60_000);
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
    expect(await patient.testDestination({ root: folder, localRoot: folder, remotes: [] })).toEqual({
      ok: true,
      message: `${folder} exists and is writable`,
      durationMs: expect.any(Number),
    });
    expect(await patient.testSource({ root: folder, localRoot: folder, remotes: [] })).toEqual({
      ok: true,
      message: 'listed 1 file(s)',
      durationMs: expect.any(Number),
      sample: [{ path: 'grid1/image 1.tif', size: 6, modTime: expect.any(String) }],
    });
    expect(await readdir(folder)).toEqual(['grid1']);
    const missing = join(dir, 'missing');
    expect(await patient.testDestination({ root: missing, localRoot: missing, remotes: [] })).toMatchObject({ ok: false, message: `${missing} does not exist` });
  });

  it('answers at the limit, naming the folder, when a local storage folder never answers', async () => {
    const folder = join(dir, 'hung-store');
    await mkdir(folder);
    const before = await stat(folder, { bigint: true });
    release = await hangFileSystem(dir);
    const answer = await within(ANSWER_MS, tester.testDestination({ root: folder, localRoot: folder, remotes: [] }));
    expect(answer).toEqual({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) });
    // The mount comes back and the check's stat returns: nothing is written after the answer (a
    // probe written and removed would leave the folder's times changed).
    await release();
    release = undefined;
    await sleep(300);
    const after = await stat(folder, { bigint: true });
    expect({ mtime: after.mtimeNs, ctime: after.ctimeNs }).toEqual({ mtime: before.mtimeNs, ctime: before.ctimeNs });
  });

  it('answers at the limit when a local source answers only after it, and lists nothing then', async () => {
    const folder = join(dir, 'slow-source');
    await mkdir(folder);
    await writeFile(join(folder, 'a.raw'), 'x');
    const listings = jest.spyOn(Rclone.prototype, 'listFiles');
    try {
      release = await hangFileSystem(dir);
      const answering = within(ANSWER_MS, stuck.testSource({ root: folder, localRoot: folder, remotes: [] }));
      // The folder answers after the limit has passed; its listing would never end.
      await sleep(LIMIT_MS + 200);
      await release();
      release = undefined;
      const answer = await answering;
      expect(answer).toEqual({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) });
      await sleep(200);
      expect(listings).not.toHaveBeenCalled();
    } finally {
      listings.mockRestore();
    }
  });

  it('answers at the limit when rclone listing a remote source never answers, and stops it', async () => {
    const before = (await stuckRclones()).length;
    const answer = await within(ANSWER_MS, stuck.testSource({ root: 'src:share/incoming', remotes: [{ name: 'src', type: 'local' }] }));
    expect(answer).toEqual({ ok: false, message: 'share/incoming did not answer within 0.5 s', durationMs: expect.any(Number) });
    // rclone ignores SIGTERM: it is killed after its grace period.
    const pid = (await stuckRclones())[before];
    expect(pid).toEqual(expect.any(Number));
    for (const deadline = Date.now() + 10_000; running(pid) && Date.now() < deadline; ) await sleep(100);
    expect(running(pid)).toBe(false);
  }, 20_000);

  it('keeps at most 2 checks of local folders waiting on the file system: a further one fails at once, touching nothing', async () => {
    const hung = [join(dir, 'hung-a'), join(dir, 'hung-b')];
    const third = join(dir, 'third');
    const later = join(dir, 'later');
    for (const folder of [...hung, third, later]) await mkdir(folder);
    const before = await stat(third, { bigint: true });
    release = await hangFileSystem(dir);
    // Two checks answer at the limit; their stats still wait (each keeps a thread of the pool).
    const answers = await within(ANSWER_MS, Promise.all(hung.map((folder) => tester.testDestination({ root: folder, localRoot: folder, remotes: [] }))));
    expect(answers).toEqual(hung.map((folder) => ({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) })));
    // A third, of a storage folder or a source, does not wait for the limit.
    const refused = {
      ok: false,
      message: `${third} was not checked: earlier checks of ${hung[0]} and ${hung[1]} have not finished (is a network mount not answering?)`,
      durationMs: expect.any(Number),
    };
    const destination = await within(ANSWER_MS, tester.testDestination({ root: third, localRoot: third, remotes: [] }));
    expect(destination).toEqual(refused);
    expect((destination as { durationMs: number }).durationMs).toBeLessThan(LIMIT_MS);
    expect(await within(ANSWER_MS, tester.testSource({ root: third, localRoot: third, remotes: [] }))).toEqual(refused);
    // The mount answers again (within the third check's limit): the hung stats return, and checks
    // go on. The third check wrote nothing then.
    await release();
    release = undefined;
    let again = await tester.testDestination({ root: later, localRoot: later, remotes: [] });
    for (const deadline = Date.now() + 5_000; !again.ok && Date.now() < deadline; ) {
      await sleep(50);
      again = await tester.testDestination({ root: later, localRoot: later, remotes: [] });
    }
    expect(again).toEqual({ ok: true, message: `${later} exists and is writable`, durationMs: expect.any(Number) });
    await sleep(300);
    const after = await stat(third, { bigint: true });
    expect({ mtime: after.mtimeNs, ctime: after.ctimeNs }).toEqual({ mtime: before.mtimeNs, ctime: before.ctimeNs });
  });
});

describe('ConnectionTesterService writing to a remote', () => {
  let dir: string;
  /** Real rclone, for what the stand-ins leave to it. */
  let real: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'connection-tester-write-'));
    real = requireTool('rclone', process.env);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A folder reached as the remote `dst` (rclone's local backend stands in for a server). */
  const remoteFolder = async (name: string) => {
    const folder = join(dir, name);
    await mkdir(folder);
    return { folder, location: { root: `dst:${folder}`, remotes: [{ name: 'dst', type: 'local' }] } };
  };

  /** A tester whose rclone runs `cases` (shell `case` branches on the command) and is real rclone otherwise. */
  const testerWith = async (name: string, cases: string, limitMs = LIMIT_MS) => {
    const wrapper = join(dir, `rclone-${name}`);
    await writeFile(wrapper, `#!/bin/sh\ncase "$1" in\n${cases}\nesac\nexec '${real}' "$@"\n`, { mode: 0o755 });
    return new ConnectionTesterService({ tools: { SHEAF_RCLONE_BIN: wrapper, SHEAF_CACHE_DIR: dir, PATH: '' } } as ApiConfig, limitMs);
  };

  it('says a location is writable when its probe file cannot be removed (object lock, no delete right), naming the file', async () => {
    const { folder, location } = await remoteFolder('locked');
    const tester = await testerWith('locked', `deletefile) echo 'AccessDenied: the object is under a retention lock' >&2; exit 1;;`);
    const answer = await tester.testDestination(location);
    const [probe] = await readdir(folder);
    expect(probe).toMatch(/^\.sheaf-write-test-[0-9a-f]{12}$/);
    expect(answer).toEqual({
      ok: true,
      message: `${folder} is writable, but the probe file ${probe} could not be removed: rclone deletefile failed (exit 1): AccessDenied: the object is under a retention lock`,
      durationMs: expect.any(Number),
    });
  });

  it('removes the probe file and says writable when the removal ends after the test limit, the upload before it', async () => {
    const { folder, location } = await remoteFolder('slow-delete');
    const go = join(dir, 'slow-delete-go');
    // The removal waits until the test lets it go: after the limit has passed.
    const tester = await testerWith('slow-delete', `deletefile) while [ ! -e '${go}' ]; do sleep 0.05; done;;`, 1_000);
    const answering = tester.testDestination(location);
    for (const deadline = Date.now() + 5_000; (await readdir(folder)).length === 0 && Date.now() < deadline; ) await sleep(20);
    expect(await readdir(folder)).toHaveLength(1);
    await sleep(1_200);
    await writeFile(go, '');
    expect(await within(5_000, answering)).toEqual({ ok: true, message: `${folder} is reachable and writable`, durationMs: expect.any(Number) });
    expect(await readdir(folder)).toEqual([]);
  });

  it('removes, after answering, a probe file whose upload the limit cut short', async () => {
    const { folder, location } = await remoteFolder('slow-upload');
    // The file lands at once, but "rclone" does not exit before the limit.
    const tester = await testerWith('slow-upload', `copyto) cp "$2" "\${3#dst:}"; exec sleep 30;;`);
    const answer = await within(ANSWER_MS, tester.testDestination(location));
    expect(answer).toEqual({ ok: false, message: `${folder} did not answer within 0.5 s`, durationMs: expect.any(Number) });
    for (const deadline = Date.now() + 5_000; (await readdir(folder)).length > 0 && Date.now() < deadline; ) await sleep(50);
    expect(await readdir(folder)).toEqual([]);
  });

  it('says writable when the limit passes after the upload, while its local copy is being removed (and does not wait for that removal)', async () => {
    const { folder, location } = await remoteFolder('slow-cleanup');
    const go = join(dir, 'slow-cleanup-go');
    // The upload lands at once; "rclone" exits when the test lets it go, with the file system hung.
    const tester = await testerWith('slow-cleanup', `copyto) cp "$2" "\${3#dst:}"; while [ ! -e '${go}' ]; do sleep 0.05; done; exit 0;;`, 3_000);
    const started = Date.now();
    const answering = tester.testDestination(location);
    for (const deadline = Date.now() + 2_000; (await readdir(folder)).length === 0 && Date.now() < deadline; ) await sleep(20);
    expect(await readdir(folder)).toHaveLength(1);
    // The removal of the probe's local copy now waits on the file system, past the limit, and
    // the answer comes while it still does (nothing bounds that removal any more).
    const release = await hangFileSystem(dir);
    let answer: unknown;
    try {
      closeSync(openSync(go, 'w'));
      await sleep(started + 3_500 - Date.now());
      answer = await within(5_000, answering);
    } finally {
      await release();
    }
    expect(answer).toEqual({ ok: true, message: `${folder} is reachable and writable`, durationMs: expect.any(Number) });
  });

  it("writes when the bucket check is refused (a key that may list only the location's prefix), not only when it passes", async () => {
    const { folder, location } = await remoteFolder('prefix-only');
    const tester = await testerWith('prefix-only', `lsjson) echo 'AccessDenied: Access Denied, status code: 403' >&2; exit 1;;`);
    expect(await tester.testDestination({ ...location, bucket: location.root })).toEqual({
      ok: true,
      message: `${folder} is reachable and writable`,
      durationMs: expect.any(Number),
    });
  });

  it('says an S3 bucket does not exist instead of creating it (a typo), and writes to one that does', async () => {
    const store = join(dir, 's3-store');
    await mkdir(store);
    const s3 = await startS3Server({ dir: store, buckets: ['archive'] });
    try {
      const tester = new ConnectionTesterService({ tools: process.env } as ApiConfig);
      const location = (bucket: string) =>
        storageLocation({ name: 'objects', type: 's3', config: { bucket, prefix: 'raw', endpoint: s3.endpoint, accessKeyId: s3.accessKey, provider: 'Rclone' } }, 'dst', () => s3.secretKey);
      expect(await tester.testDestination(location('archvie'))).toEqual({
        ok: false,
        message: 'the bucket archvie does not exist (Sheaf does not create buckets)',
        durationMs: expect.any(Number),
      });
      expect(await tester.testDestination(location('archive'))).toEqual({ ok: true, message: 'archive/raw is reachable and writable', durationMs: expect.any(Number) });
      // No bucket made for the typo, no probe left in the other.
      expect(await readdir(store)).toEqual(['archive']);
      expect((await readdir(store, { recursive: true })).filter((path) => path.includes('.sheaf-write-test-'))).toEqual([]);
    } finally {
      await s3.stop();
    }
  }, 60_000);
});
