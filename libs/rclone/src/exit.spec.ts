import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from '@sheaf/toolchain';
import { Rclone } from './rclone';

/** The compiled library, as the worker loads it (`npx tsc -b libs/rclone`). */
const DIST = join(__dirname, '..', 'dist', 'index.js');

async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, withinMs: number): Promise<boolean> {
  for (let i = 0; i < withinMs / 100; i++) {
    if (!(await isRunning(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** A stand-in rclone in `dir` that writes its pid to `pidFile` and sleeps a minute, writing nothing. */
async function quietRclone(dir: string, name: string): Promise<{ quiet: string; pidFile: string }> {
  const quiet = join(dir, `rclone-quiet-${name}`);
  const pidFile = join(dir, `quiet-${name}.pid`);
  await writeFile(quiet, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
  await chmod(quiet, 0o755);
  return { quiet, pidFile };
}

/** The node process exited 1 having started one rclone, and that rclone is gone within 5 s (any left is killed). */
async function expectStopped(code: number | undefined, pids: number[]): Promise<void> {
  try {
    expect(code).toBe(1);
    expect(pids).toHaveLength(1);
    expect(await waitUntilGone(pids[0], 5_000)).toBe(true);
  } finally {
    for (const pid of pids) if (await isRunning(pid)) process.kill(pid, 'SIGKILL');
  }
}

/**
 * A node process of its own: it runs `call` on `new Rclone(binary)` (with `source` and
 * `destination` defined), prints the pids of its children once `ready` holds, and exits without
 * stopping them, by `exit`. Its exit code and the pids it printed.
 */
async function exitingNode(o: { binary: string; source: string; destination: string; call: string; ready: string; exit: string; env?: NodeJS.ProcessEnv }) {
  const script = `
    const { existsSync, readdirSync, readFileSync } = require('node:fs');
    const { Rclone } = require(${JSON.stringify(DIST)});
    const source = ${JSON.stringify(o.source)};
    const destination = ${JSON.stringify(o.destination)};
    new Rclone(${JSON.stringify(o.binary)}).${o.call}.catch(() => undefined);
    const children = () => readdirSync('/proc/self/task').flatMap((t) => readFileSync('/proc/self/task/' + t + '/children', 'utf8').split(' ').filter(Boolean));
    const timer = setInterval(() => {
      if (!(${o.ready})) return;
      clearInterval(timer);
      process.stdout.write(children().join(' ') + '\\n', () => { ${o.exit}; });
    }, 50);`;
  const { code, stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, ...o.env }, timeout: 30_000 }).then(
    (out) => ({ code: 0 as number | undefined, stdout: out.stdout }),
    (err: { code?: number; stdout?: string }) => ({ code: err.code, stdout: err.stdout ?? '' }),
  );
  return { code, pids: stdout.trim().split(' ').filter(Boolean).map(Number) };
}

const EXIT = 'process.exit(1)';
const THROW = 'throw new Error("boom")';
const COPY_EACH = 'copyEach(source, destination, [{ from: "big.raw", to: "big.raw" }])';
const COPY_FILES = 'copyFiles(source, destination, ["big.raw"])';

/**
 * rclone is started without execa's exit handler (it killed the worker at SIGTERM before it could
 * drain), so the library stops its rclone processes itself when node exits: a worker that dies
 * without draining (process.exit in its main, an uncaught exception) leaves no rclone running on
 * its own, copying or deleting outside any container.
 */
describe('Rclone processes of a node process that exits', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-exit-test-'));
    await mkdir(join(dir, 'source'));
    await writeFile(join(dir, 'source', 'big.raw'), Buffer.alloc(32 * 1024 * 1024, 7));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Unstopped, a copying rclone dies too, at its next write to stderr, whose reader has gone
  // (SIGPIPE: the copy's stats every 2 s; rcd once its client's request is dropped), so these pass
  // without the stop as well. Whether the .partial file is removed is a race either way: rclone
  // tidying up after SIGTERM logs, and node may have gone by then.
  it.each([
    ['copyEach (rclone rcd)', 'process.exit(1)', EXIT, COPY_EACH],
    ['copyEach (rclone rcd)', 'an uncaught exception', THROW, COPY_EACH],
    ['copyFiles (rclone copy)', 'process.exit(1)', EXIT, COPY_FILES],
  ])('%s is gone soon after its node process ends at %s', async (_name, _how, exit, call) => {
    const destination = join(dir, `destination-${Date.now()}`);
    // 32 MiB at 1 MiB/s: the copy would go on for half a minute.
    const { code, pids } = await exitingNode({
      binary: requireTool('rclone', process.env),
      source: join(dir, 'source'),
      destination,
      call,
      ready: `existsSync(destination) && readdirSync(destination).some((n) => n.endsWith('.partial'))`,
      exit,
      env: { RCLONE_BWLIMIT: '1M' },
    });
    await expectStopped(code, pids);
  }, 60_000);

  // An rclone that writes nothing to stderr (a listing, writing to its file; a delete) is not
  // ended by the broken pipe: unstopped, it runs to its end. Here one that sleeps a minute; these
  // fail without the stop.
  it.each([
    ['process.exit(1)', EXIT],
    ['an uncaught exception', THROW],
  ])('an rclone that writes nothing is stopped at %s', async (how, exit) => {
    const { quiet, pidFile } = await quietRclone(dir, how.replace(/\W/g, ''));
    const { code, pids } = await exitingNode({
      binary: quiet,
      source: join(dir, 'source'),
      destination: join(dir, 'nowhere'),
      call: 'deleteFiles(destination, ["big.raw"])',
      ready: `existsSync(${JSON.stringify(pidFile)})`,
      exit,
    });
    await expectStopped(code, pids);
  }, 60_000);

  // In this process: what the worker's SIGTERM drain depends on. The Temporal runtime's SIGTERM
  // listener removes itself on the first signal; a listener left by rclone's start (execa's
  // signal-exit with cleanup on) then found itself the last one, killed rclone and raised SIGTERM
  // again, and the worker died at once (exit 143) instead of draining.
  it('adds no SIGTERM, SIGINT or SIGHUP listener while an rclone runs', async () => {
    const { quiet, pidFile } = await quietRclone(dir, 'listeners');
    const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
    const before = signals.map((s) => process.listenerCount(s));
    const stop = new AbortController();
    const deleting = new Rclone(quiet).deleteFiles(join(dir, 'nowhere'), ['big.raw'], stop.signal).catch(() => undefined);
    try {
      for (let i = 0; i < 50 && !(await readFile(pidFile, 'utf8').catch(() => '')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      expect(await isRunning(pid)).toBe(true);
      expect(signals.map((s) => process.listenerCount(s))).toEqual(before);
    } finally {
      stop.abort();
      await deleting;
    }
  }, 30_000);
});
