import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { localName } from '@sheaf/rclone';

/** Where a file of rclone's listing (rclone spells control characters as symbols) is on disk. */
function onDisk(root: string, rclonePath: string): string {
  return join(root, localName(rclonePath));
}

/** 1 MiB reads: SHA-256 runs at ~1 GB/s per core with them, under half that with 64 KiB. */
const READ_SIZE = 1024 * 1024;
/**
 * Files up to this size are read synchronously: for a 4 KiB file the five thread-pool round
 * trips of an asynchronous open/stat/read/read/close cost ten times the hashing (0.76 s per
 * 1,000-file batch of source and copy against under 0.1 s). One read of at most 1 MiB blocks
 * the event loop for about a millisecond.
 */
const SYNC_MAX_SIZE = READ_SIZE;
/** Files of a network mount read (or looked for) at once by one call, asynchronously. */
const NETWORK_READS = 4;
/**
 * libuv's thread pool: UV_THREADPOOL_SIZE, else libuv's 4. The worker sets 16 unless told
 * otherwise (services/worker/src/thread-pool.ts, before the pool's first use); tests and tools that
 * import this module without it get 4.
 */
const POOL_THREADS = poolThreads(process.env.UV_THREADPOOL_SIZE);
/**
 * Of them, those that file-system calls on network mounts may hold at once, across every activity
 * of the worker. A call to an NFS server that stopped answering (a hard mount) never returns and
 * holds its thread for good, cancelled or not; every other asynchronous fs call and dns.lookup of
 * the process (rclone's temporary folders, the listing reader, new PostgreSQL connections) queues
 * behind the pool. Capped so, a mount that hangs however many batches, however often retried,
 * leaves the rest of the worker libuv's default 4 threads (3 when started without the variable).
 */
const NETWORK_FS_THREADS = Math.max(1, POOL_THREADS - 4);
/**
 * How long a file-system call on a network mount may take, from when it is asked (waiting for a
 * place included), before its caller is told the mount did not answer and its batch fails (and is
 * retried). A stat or a 1 MiB read on a healthy mount takes milliseconds, a second on a slow link;
 * 5 minutes leaves room for an NFS server's restart or failover (Linux nfsd's grace period is
 * 90 s). Without it a call that never returned, or one waiting behind hung calls that hold every
 * place, held its batch until the activity's 12-hour limit: heartbeats go on regardless.
 */
const NETWORK_CALL_LIMIT_MS = 5 * 60 * 1000;
/** Give heartbeats, cancellation and other activities a turn at least this often. */
const YIELD_EVERY_MS = 20;

/** The pool's size as libuv reads UV_THREADPOOL_SIZE: 4 when unset; 1 to 1024 otherwise (anything but a number is 1). */
function poolThreads(value: string | undefined): number {
  if (value === undefined) return 4;
  const threads = Number.parseInt(value, 10);
  return Number.isNaN(threads) ? 1 : Math.min(Math.max(threads, 1), 1024);
}

export interface LocalDigest {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/**
 * Runs a short blocking step for each item, giving the event loop a turn (heartbeats,
 * cancellation, other activities) at least every YIELD_EVERY_MS.
 */
async function inTurns<T>(items: readonly T[], signal: AbortSignal | undefined, step: (item: T) => void): Promise<void> {
  let turnStarted = Date.now();
  for (const item of items) {
    if (Date.now() - turnStarted >= YIELD_EVERY_MS) {
      await nextTurn();
      turnStarted = Date.now();
    }
    signal?.throwIfAborted();
    step(item);
  }
}

/**
 * The code of a hashing thread: hashes one file per message in 1 MiB blocking reads (blocking
 * only that thread) and answers with its digest or its error. Plain JavaScript, evaluated, so
 * that it runs the same from the TypeScript sources (tests) and the built worker.
 */
const HASH_THREAD_CODE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readSync } = require('node:fs');
const buffer = Buffer.allocUnsafe(${READ_SIZE});
parentPort.on('message', (path) => {
  let fd;
  try {
    fd = openSync(path, 'r');
    const { mtimeMs } = fstatSync(fd);
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    parentPort.postMessage({ digest: { sha256: hash.digest('hex'), size, mtimeMs } });
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

interface HashJob {
  path: string;
  signal: AbortSignal | undefined;
  resolve: (digest: LocalDigest) => void;
  reject: (err: unknown) => void;
}

/**
 * Large files are hashed on threads, one per core, shared by every activity of the worker: on
 * the main thread SHA-256 of a batch's large files (source and copy) used one core while the
 * others idled (two 1 GiB files: 1.9 s there, 0.9 s on two threads). A cancelled job stops its
 * thread, which is replaced when next needed.
 */
class HashThreads {
  private readonly idle: Worker[] = [];
  private readonly queue: HashJob[] = [];
  private running = 0;

  constructor(private readonly size: number) {}

  digest(path: string, signal: AbortSignal | undefined): Promise<LocalDigest> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      this.queue.push({ path, signal, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.queue.length && this.running < this.size) {
      const job = this.queue.shift() as HashJob;
      if (job.signal?.aborted) {
        job.reject(job.signal.reason);
        continue;
      }
      this.running++;
      this.run(this.idle.pop() ?? this.spawn(), job);
    }
  }

  private spawn(): Worker {
    const thread = new Worker(HASH_THREAD_CODE, { eval: true });
    // A job's own listeners report a failure to it; these keep a failing idle thread from
    // crashing the worker (an unheard 'error' event throws) or from being handed a job.
    thread.on('error', () => undefined);
    thread.once('exit', () => {
      const at = this.idle.indexOf(thread);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return thread;
  }

  private run(thread: Worker, job: HashJob): void {
    const settle = (keep: boolean) => {
      thread.off('message', onMessage).off('error', onError).off('exit', onExit);
      job.signal?.removeEventListener('abort', onAbort);
      this.running--;
      if (keep) {
        // An idle thread must not keep the worker process alive.
        thread.unref();
        this.idle.push(thread);
      } else {
        void thread.terminate();
      }
      this.next();
    };
    const onMessage = (answer: { digest?: LocalDigest; error?: string }) => {
      settle(true);
      if (answer.digest) job.resolve(answer.digest);
      else job.reject(new Error(answer.error ?? 'hashing failed'));
    };
    const onError = (err: unknown) => {
      settle(false);
      job.reject(err);
    };
    const onExit = (code: number) => onError(new Error(`hashing thread exited with code ${code}`));
    const onAbort = () => onError(job.signal?.reason);
    thread.on('message', onMessage).on('error', onError).on('exit', onExit);
    job.signal?.addEventListener('abort', onAbort, { once: true });
    thread.ref();
    thread.postMessage(job.path);
  }
}

/**
 * Threads that hash large local files at once. A thread stays once started, about 10 MB each; Node
 * 20 counts the host's CPUs, not a container's limit, so a worker on a 64-core node would keep 64.
 */
const HASH_THREADS = Math.min(availableParallelism(), 8);

const hashThreads = new HashThreads(HASH_THREADS);

/** A network mount that did not answer a call in time (a plain Error to Temporal: retried). */
class NoAnswer extends Error {}

/**
 * File-system calls on network mounts, NETWORK_FS_THREADS at a time across the worker. A caller
 * whose signal aborts, or whose call has not answered within `limitMs` of being asked, is answered
 * at once (the signal's reason, a NoAnswer), whether its call waits or runs: a hung call's thread
 * cannot be freed, but nothing waits on it. Its place is freed only when the call returns (if
 * ever), so hung calls never hold more than their share of the pool.
 */
class NetworkFsCalls {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly size: number,
    public limitMs: number,
  ) {}

  /** `call` on `path` (named in a NoAnswer); `limitMs` Infinity for a call no caller waits on. */
  run<T>(path: string, signal: AbortSignal | undefined, call: () => Promise<T>, limitMs = this.limitMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let started = false;
      let deadline: NodeJS.Timeout | undefined;
      /** The caller has its answer: nothing of it is kept but a started call's place. */
      const answered = () => {
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        const at = this.waiting.indexOf(start);
        if (at >= 0) this.waiting.splice(at, 1);
      };
      const start = () => {
        started = true;
        this.running++;
        let calling: Promise<T>;
        try {
          calling = call();
        } catch (err) {
          calling = Promise.reject(err);
        }
        // After an abort or the deadline, resolve and reject do nothing: the caller has its answer.
        void calling.then(resolve, reject).finally(() => {
          answered();
          this.running--;
          this.next();
        });
      };
      const onAbort = () => {
        answered();
        reject(signal?.reason);
      };
      const onDeadline = () => {
        answered();
        const late = `${path} on a network mount did not answer within ${limitMs / 1000} s`;
        reject(
          new NoAnswer(
            started
              ? late
              : `${late}: the call never started, as all ${this.size} places for network file-system calls of this worker are held by calls that have not returned`,
          ),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(limitMs)) {
        deadline = setTimeout(onDeadline, limitMs);
        // A caller's deadline must not keep the worker process alive.
        deadline.unref();
      }
      this.waiting.push(start);
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.size && this.waiting.length) (this.waiting.shift() as () => void)();
  }
}

const networkFs = new NetworkFsCalls(NETWORK_FS_THREADS, NETWORK_CALL_LIMIT_MS);

/** For tests only: the limit of network file-system calls asked from now on (by default 5 minutes). */
export function setNetworkCallLimitForTests(ms = NETWORK_CALL_LIMIT_MS): void {
  networkFs.limitMs = ms;
}

/**
 * Closes a file of a network mount whose caller has gone (cancelled, or a call of it did not
 * answer): once `after` settles, if ever. No caller waits on the close, so it has no deadline:
 * given up, it would leave the file open for good.
 */
function closeLater(path: string, handle: FileHandle, after: Promise<unknown>): void {
  void after
    .catch(() => undefined)
    .then(() => networkFs.run(path, undefined, () => handle.close(), Infinity))
    .catch(() => undefined);
}

/**
 * Hashes a file of a network mount asynchronously, in large reads. Each open, stat, read and close
 * settles when the signal aborts, even one the server never answers, or with a NoAnswer when it
 * has not answered within the limit.
 */
async function digestLargeFile(path: string, signal: AbortSignal | undefined, buffer: Buffer): Promise<LocalDigest> {
  let lastCall: Promise<unknown> = Promise.resolve();
  const call = <T>(fsCall: () => Promise<T>): Promise<T> =>
    networkFs.run(path, signal, () => {
      const calling = fsCall();
      lastCall = calling;
      return calling;
    });
  let opening: Promise<FileHandle> | undefined;
  let handle: FileHandle;
  try {
    handle = await call(() => (opening = open(path, 'r')));
  } catch (err) {
    // Cancelled, or no answer, while opening: a file that opens later is closed then.
    void opening?.then((opened) => closeLater(path, opened, Promise.resolve()), () => undefined);
    throw err;
  }
  let noAnswer = false;
  try {
    const { mtimeMs } = await call(() => handle.stat());
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await call(() => handle.read(buffer, 0, buffer.length, null));
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: hash.digest('hex'), size, mtimeMs };
  } catch (err) {
    noAnswer = err instanceof NoAnswer;
    throw err;
  } finally {
    // A FileHandle closes only once its pending calls return: a close now would wait on a hung
    // read while holding a second thread's place.
    if (signal?.aborted || noAnswer) closeLater(path, handle, lastCall);
    else {
      await call(() => handle.close()).catch((err: unknown) => {
        // The close never got a place (hung calls hold them all) or no answer: closed later.
        closeLater(path, handle, lastCall);
        throw err;
      });
    }
  }
}

/** Runs `step` for each item, `lanes` at a time; the first failure stops the lanes and is thrown. */
async function inLanes<T>(items: readonly T[], lanes: number, step: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      try {
        await step(items[next++]);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

/**
 * A small file in one blocking read; undefined when it turns out to be large (then the caller
 * hashes it asynchronously). Reads until end of file, so a file that grew is hashed whole.
 */
function digestSmallFileSync(path: string, buffer: Buffer): LocalDigest | undefined {
  const fd = openSync(path, 'r');
  try {
    const { size: statSize, mtimeMs } = fstatSync(fd);
    if (statSize > SYNC_MAX_SIZE) return undefined;
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: hash.digest('hex'), size, mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Digests of many files under `root`; unreadable files are left out. Small files are read
 * synchronously, in turns of at most ~20 ms, and large ones on the hashing threads. Every file
 * of a network mount (`blockingReads: false`: a hung read must not stop heartbeats) is read
 * asynchronously in 1 MiB reads, a few at a time.
 */
export async function digestLocalFiles(
  root: string,
  files: readonly string[],
  options: { signal?: AbortSignal; blockingReads?: boolean } = {},
): Promise<Map<string, LocalDigest>> {
  const out = new Map<string, LocalDigest>();
  // Unreadable or gone: left out, the caller records it as missing. Only a cancellation, or a
  // network mount that did not answer (the file may well be there), ends it all.
  const missing = (err: unknown) => {
    if (options.signal?.aborted || err instanceof NoAnswer) throw err;
  };
  if (options.blockingReads === false) {
    // One buffer per lane: a file's reads are one after the other.
    const buffers: Buffer[] = [];
    await inLanes(files, NETWORK_READS, async (file) => {
      const buffer = buffers.pop() ?? Buffer.allocUnsafe(READ_SIZE);
      await digestLargeFile(onDisk(root, file), options.signal, buffer).then((digest) => void out.set(file, digest), missing);
      buffers.push(buffer);
    });
    return out;
  }

  const large: string[] = [];
  // One read buffer, reused for every file: a fresh 1 MiB buffer per small file costs more in
  // garbage collection than the hashing itself.
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  await inTurns(files, options.signal, (file) => {
    try {
      const digest = digestSmallFileSync(onDisk(root, file), buffer);
      if (digest) out.set(file, digest);
      else large.push(file);
    } catch {
      // Unreadable or gone: the caller records it as missing.
    }
  });
  await Promise.all(large.map((file) => hashThreads.digest(onDisk(root, file), options.signal).then((digest) => void out.set(file, digest), missing)));
  return out;
}

/** Errors that say a path holds nothing (a name too long cannot be there either). */
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

/**
 * A stat error that does not say the path is empty (EIO, ESTALE, EACCES, a symlink loop): the
 * batch stops and is retried rather than guess. A file taken for absent could later be taken for
 * the batch's own copy, and replaced.
 */
function absentOrThrow(err: unknown, root: string, file: string): undefined {
  if (ABSENT_CODES.has((err as NodeJS.ErrnoException).code ?? '')) return undefined;
  throw new Error(`cannot tell whether ${file} is at ${root}: ${(err as Error).message}`);
}

/**
 * Which of `files` (relative to `root`) exist: checked synchronously in short turns, or
 * asynchronously on a network mount (`blockingReads: false`), a few at a time, settling when the
 * signal aborts even if a stat never returns. Throws when it cannot tell for one.
 */
export async function existingLocalFiles(root: string, files: readonly string[], signal?: AbortSignal, blockingReads = true): Promise<Set<string>> {
  const found = new Set<string>();
  if (!blockingReads) {
    await inLanes(files, NETWORK_READS, async (file) => {
      try {
        const path = onDisk(root, file);
        await networkFs.run(path, signal, () => stat(path));
        found.add(file);
      } catch (err) {
        signal?.throwIfAborted();
        absentOrThrow(err, root, file);
      }
    });
    return found;
  }
  await inTurns(files, signal, (file) => {
    try {
      statSync(onDisk(root, file));
      found.add(file);
    } catch (err) {
      absentOrThrow(err, root, file);
    }
  });
  return found;
}

const execFileAsync = promisify(execFile);

/**
 * Flushes the file system that holds `root` to stable storage: one syncfs(2), by coreutils'
 * `sync --file-system` (execFile, so looked up on PATH), in a process of its own, so a call that
 * never returns (a hung NFS server) holds no thread of the worker. Whatever was written there
 * and not yet on disk is written and waited for, and a writeback error of the file system that
 * no one was told of yet fails it (Linux 5.8 and later; one that another syncfs, a concurrent
 * batch's, reported first is not reported again). rclone's local backend never fsyncs a copy: without
 * this, a host crash or power loss after the verdict is committed can leave a copy empty or gone
 * (delayed allocation, then a rename) under a verified delivery with its ARK.
 *
 * On a network mount (`networkMount`), bounded like every file-system call there: no answer
 * within the limit (NETWORK_CALL_LIMIT_MS, 5 minutes) is a NoAnswer (the process is killed if it
 * can be; nothing waits on it). The signal ends the wait too, with its reason.
 */
export async function flushFileSystem(root: string, options: { signal?: AbortSignal; networkMount?: boolean } = {}): Promise<void> {
  const limitMs = networkFs.limitMs;
  const limit = options.networkMount ? AbortSignal.timeout(limitMs) : undefined;
  const signals = [options.signal, limit].filter((s): s is AbortSignal => s !== undefined);
  const syncing = execFileAsync('sync', ['--file-system', '--', root], {
    signal: signals.length ? AbortSignal.any(signals) : undefined,
    killSignal: 'SIGKILL',
    // This module's environment, not child_process's own copy of it (the same in the worker).
    env: process.env,
  });
  try {
    await syncing;
  } catch (err) {
    // A sync stuck in the kernel (uninterruptible) outlives its kill: it must not keep the worker alive.
    syncing.child.unref();
    options.signal?.throwIfAborted();
    if (limit?.aborted) throw new NoAnswer(`${root} on a network mount did not answer within ${limitMs / 1000} s`);
    const said = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(said || (err as Error).message);
  }
}
