import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readlinkSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { digestLocalFiles, existingLocalFiles, setNetworkCallLimitForTests } from './hash';

/**
 * A file of an NFS server that stopped answering (a hard mount), played by a FIFO: opened for
 * reading, it waits for a writer; with a writer, a read waits for data. Either call holds one of
 * libuv's threads until the test lets it go.
 */
describe('local file digests on a hung network mount', () => {
  /** libuv's thread pool in this process, as hash.ts reads it. */
  const POOL = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10) || 4;
  /** The places of network file-system calls, as hash.ts counts them. */
  const PLACES = Math.max(1, POOL - 4);
  let root: string;
  const fifos: string[] = [];
  const writers: number[] = [];

  const hung = (name: string): string => {
    const path = join(root, name);
    execFileSync('mkfifo', [path]);
    fifos.push(path);
    return name;
  };
  /** A hung file whose writer has written a little and waits: the first read returns it, the next waits. */
  const hungRead = (name: string): string => {
    const writer = openSync(join(root, hung(name)), constants.O_RDWR | constants.O_NONBLOCK);
    writers.push(writer);
    writeSync(writer, 'some bytes');
    return name;
  };

  /** Settles with `promise`, or rejects if it is still pending after `ms`. */
  const within = <T>(ms: number, promise: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
    });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  };

  /**
   * Lets every hung call go, from the main thread (the pool may have no thread left): opened for
   * reading and writing (Linux does not block that), a FIFO wakes the opens waiting on it; gone by
   * name, no later open finds it; closed, with the test's writers, its reads see end of file.
   */
  const releaseAll = () => {
    for (const fd of writers.splice(0)) closeSync(fd);
    for (const path of [...fifos]) release(path);
  };
  /** Lets the opens waiting on one FIFO go. */
  const release = (path: string) => {
    fifos.splice(fifos.indexOf(path), 1);
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    unlinkSync(path);
    closeSync(fd);
  };

  /** Files of this process open under `root`: a cancelled hashing closes its file once its call returns. */
  const openUnderRoot = () =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(root);
      } catch {
        return false;
      }
    });
  // Up to 10 s: a released call's close runs on libuv's pool, which a loaded CI machine (two
  // suites on two cores) left busy for more than 1 s.
  const noneOpenUnderRoot = async () => {
    for (let i = 0; i < 1000 && openUnderRoot().length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openUnderRoot()).toEqual([]);
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sheaf-hung-'));
    await writeFile(join(root, 'small.txt'), 'here');
  });

  afterEach(async () => {
    releaseAll();
    try {
      // Every hung call returned and its file closed: the next test has every place.
      await noneOpenUnderRoot();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('a hashing whose open never returns settles with the reason when its signal aborts', async () => {
    const cancel = new AbortController();
    const hashing = digestLocalFiles(root, ['small.txt', hung('hung.raw')], { signal: cancel.signal, blockingReads: false });
    setTimeout(() => cancel.abort(new Error('cancelled by the test')), 50);
    await expect(within(1000, hashing)).rejects.toThrow('cancelled by the test');
  });

  it('a hashing whose read never returns settles with the reason when its signal aborts, not after the read', async () => {
    const name = hungRead('hung.raw');
    const cancel = new AbortController();
    const hashing = digestLocalFiles(root, [name], { signal: cancel.signal, blockingReads: false });
    setTimeout(() => cancel.abort(new Error('cancelled by the test')), 50);
    await expect(within(1000, hashing)).rejects.toThrow('cancelled by the test');
  });

  it('existence checks waiting behind hung calls for a thread settle with the reason when their signal aborts', async () => {
    // Every thread of the pool taken by a call that does not return.
    const stuck = Array.from({ length: POOL }, (_, i) => open(join(root, hung(`stuck-${i}.raw`)), 'r'));
    const cancel = new AbortController();
    const checking = existingLocalFiles(root, ['small.txt', 'missing.raw'], cancel.signal, false);
    setTimeout(() => cancel.abort(new Error('cancelled by the test')), 50);
    await expect(within(1000, checking)).rejects.toThrow('cancelled by the test');
    releaseAll();
    await Promise.all(stuck.map((opening) => opening.then((handle) => handle.close())));
    // With threads again, the same check answers.
    expect(await existingLocalFiles(root, ['small.txt', 'missing.raw'], undefined, false)).toEqual(new Set(['small.txt']));
  });

  describe('with a limit of 0.3 s on each network file-system call', () => {
    const LIMIT_MS = 300;
    const noAnswer = (name: string) => `${join(root, name)} on a network mount did not answer within 0.3 s`;
    beforeEach(() => setNetworkCallLimitForTests(LIMIT_MS));
    afterEach(() => {
      jest.restoreAllMocks();
      setNetworkCallLimitForTests();
    });

    it('a hashing whose open never returns rejects at the limit naming the file, not leaving it out as missing', async () => {
      const started = Date.now();
      const hashing = digestLocalFiles(root, ['small.txt', hung('hung.raw')], { blockingReads: false });
      await expect(within(2000, hashing)).rejects.toThrow(noAnswer('hung.raw'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(LIMIT_MS - 5);
    });

    it('a hashing whose read never returns rejects at the limit, and its file is closed once the read returns', async () => {
      // A limit of its own, 1 s: the bound below allows a stalled event loop a second.
      setNetworkCallLimitForTests(1000);
      const name = hungRead('hung.raw');
      const started = Date.now();
      const hashing = digestLocalFiles(root, [name], { blockingReads: false });
      const error = await within(5000, hashing).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(error?.message).toBe(`${join(root, name)} on a network mount did not answer within 1 s`);
      // At the read's limit, not after a close that waits on the read to a limit of its own.
      expect(Date.now() - started).toBeLessThan(2000);
      // A plain Error: Temporal retries the batch.
      expect(error?.name).toBe('Error');
      // The test's writer and the hashing's file, which its hung read keeps open.
      expect(openUnderRoot()).toHaveLength(2);
    });

    it('a check waiting behind hung calls that hold every place rejects at its limit; a later one gets the place a returning call frees', async () => {
      // Every place held by an open that does not return; their callers give up at the limit, the opens hold on.
      const holders = Array.from({ length: PLACES }, (_, i) => hung(`holder-${i}.raw`));
      const answer = (hashing: Promise<unknown>) => hashing.then(() => undefined, (err: Error) => err.message);
      const holding = holders.map((name) => answer(digestLocalFiles(root, [name], { blockingReads: false })));
      // Waiting for a place behind them, each with a file that would hang too: its entry, left behind, would take the freed place.
      const queued = Array.from({ length: PLACES }, (_, i) => answer(digestLocalFiles(root, [hung(`queued-${i}.raw`)], { blockingReads: false })));
      const checking = existingLocalFiles(root, ['small.txt'], undefined, false);
      await expect(within(2000, checking)).rejects.toThrow(
        `${noAnswer('small.txt')}: the call never started, as all ${PLACES} places for network file-system calls of this worker are held by calls that have not returned`,
      );
      expect(await Promise.all(holding)).toEqual(holders.map(noAnswer));
      for (const message of await Promise.all(queued)) expect(message).toContain('the call never started');
      // One open returns: its place goes to the next caller, not to a caller that has given up
      // (under the usual limit: a stalled event loop must not make this call too late).
      setNetworkCallLimitForTests();
      release(join(root, holders[0]));
      expect(await within(2000, existingLocalFiles(root, ['small.txt', 'missing.raw'], undefined, false))).toEqual(new Set(['small.txt']));
    });

    it('clears each deadline when its call settles, and no deadline keeps the process alive', async () => {
      // A limit no other timer has, long enough that no call here reaches it.
      const limit = 10_007;
      setNetworkCallLimitForTests(limit);
      const timeouts = jest.spyOn(global, 'setTimeout');
      const clears = jest.spyOn(global, 'clearTimeout');
      await writeFile(join(root, 'large.bin'), Buffer.alloc(3 * 1024 * 1024 + 7, 9));
      expect([...(await digestLocalFiles(root, ['small.txt', 'large.bin', 'missing.raw'], { blockingReads: false })).keys()].sort()).toEqual([
        'large.bin',
        'small.txt',
      ]);
      expect(await existingLocalFiles(root, ['small.txt', 'missing.raw'], undefined, false)).toEqual(new Set(['small.txt']));
      // A caller that is cancelled while its open hangs.
      const cancel = new AbortController();
      const hashing = digestLocalFiles(root, [hung('hung.raw')], { signal: cancel.signal, blockingReads: false });
      cancel.abort(new Error('cancelled by the test'));
      await expect(hashing).rejects.toThrow('cancelled by the test');
      const deadlines = timeouts.mock.calls.flatMap(([, ms], i) => (ms === limit ? [timeouts.mock.results[i].value as NodeJS.Timeout] : []));
      // Each open, stat, read and close of large.bin and small.txt, missing.raw's open, two stats, the cancelled open.
      expect(deadlines.length).toBeGreaterThanOrEqual(13);
      const cleared = new Set(clears.mock.calls.map(([timer]) => timer));
      for (const deadline of deadlines) {
        expect(cleared.has(deadline)).toBe(true);
        expect(deadline.hasRef()).toBe(false);
      }
    });
  });

  /**
   * In a process of its own, started with the pool size under test: hashing of `calls` batches of
   * four hung files each (a full window of batches on one hung mount), then a stat of '/' that
   * needs a free thread of the pool. hash.ts is compiled for it from its source; @sheaf/rclone's
   * localName (a no-op for these names) is stood in for, so that no build is needed. The process is
   * killed afterwards: its hung threads would keep it from exiting.
   */
  const unrelatedStat = async (pool: string | undefined, calls: number): Promise<string> => {
    const dir = join(root, 'child');
    await mkdir(join(dir, 'node_modules', '@sheaf', 'rclone'), { recursive: true });
    await writeFile(join(dir, 'node_modules', '@sheaf', 'rclone', 'index.js'), 'exports.localName = (path) => path;\n');
    const files = Array.from({ length: calls }, (_, c) => Array.from({ length: 4 }, (_, i) => hung(`window-${c}-${i}.raw`)));
    const script = `
      const { readFileSync, writeFileSync } = require('node:fs');
      const { stat } = require('node:fs/promises');
      const ts = require(${JSON.stringify(require.resolve('typescript'))});
      const source = readFileSync(${JSON.stringify(resolve(__dirname, 'hash.ts'))}, 'utf8');
      const compiled = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(${JSON.stringify(join(dir, 'hash.js'))}, compiled.outputText);
      const { digestLocalFiles } = require(${JSON.stringify(join(dir, 'hash.js'))});
      for (const batch of ${JSON.stringify(files)}) digestLocalFiles(${JSON.stringify(root)}, batch, { blockingReads: false }).catch(() => undefined);
      const late = setTimeout(() => console.log('pending'), 1500);
      stat('/').then(() => { clearTimeout(late); console.log('settled'); }, (err) => console.log(String(err)));
    `;
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    if (pool !== undefined) env.UV_THREADPOOL_SIZE = pool;
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return await new Promise<string>((resolveLine, reject) => {
        child.stdout.once('data', (chunk: Buffer) => resolveLine(chunk.toString().trim()));
        child.once('exit', (code) => reject(new Error(`the child exited (${code}) without answering: ${stderr}`)));
      });
    } finally {
      child.kill('SIGKILL');
    }
  };

  // Without the variable, libuv's 4 threads and one batch (its 4 lanes took all 4); with the
  // worker image's 16, a full window of 4 batches (16 lanes took all 16).
  it.each([
    { label: 'unset', pool: undefined, calls: 1 },
    { label: '16', pool: '16', calls: 4 },
  ])('UV_THREADPOOL_SIZE $label, $calls batch(es) of files hung on a mount: an unrelated stat of the same process settles', async ({ pool, calls }) => {
    expect(await unrelatedStat(pool, calls)).toBe('settled');
  });
});
