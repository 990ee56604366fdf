import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
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
/** Give heartbeats, cancellation and other activities a turn at least this often. */
const YIELD_EVERY_MS = 20;

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

/** Hashes a file asynchronously, in large reads. */
async function digestLargeFile(path: string, signal: AbortSignal | undefined, buffer: Buffer): Promise<LocalDigest> {
  const handle = await open(path, 'r');
  try {
    const { mtimeMs } = await handle.stat();
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: hash.digest('hex'), size, mtimeMs };
  } finally {
    await handle.close();
  }
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
 * synchronously, in turns of at most ~20 ms; large ones, and every file of a network mount
 * (`blockingReads: false`: a hung read must not stop heartbeats), asynchronously in 1 MiB
 * reads, a few at a time.
 */
export async function digestLocalFiles(
  root: string,
  files: readonly string[],
  options: { concurrency?: number; signal?: AbortSignal; blockingReads?: boolean } = {},
): Promise<Map<string, LocalDigest>> {
  const out = new Map<string, LocalDigest>();
  const blocking = options.blockingReads !== false;
  const large: string[] = blocking ? [] : [...files];
  // One read buffer, reused for every file: a fresh 1 MiB buffer per small file costs more in
  // garbage collection than the hashing itself.
  const buffer = Buffer.allocUnsafe(READ_SIZE);
  if (blocking) {
    await inTurns(files, options.signal, (file) => {
      try {
        const digest = digestSmallFileSync(onDisk(root, file), buffer);
        if (digest) out.set(file, digest);
        else large.push(file);
      } catch {
        // Unreadable or gone: the caller records it as missing.
      }
    });
  }

  let next = 0;
  const lane = async () => {
    const laneBuffer = Buffer.allocUnsafe(READ_SIZE);
    while (next < large.length) {
      const file = large[next++];
      try {
        out.set(file, await digestLargeFile(onDisk(root, file), options.signal, laneBuffer));
      } catch (err) {
        if (options.signal?.aborted) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, large.length) }, lane));
  return out;
}

/**
 * Which of `files` (relative to `root`) exist: checked synchronously in short turns, or
 * asynchronously on a network mount (`blockingReads: false`).
 */
export async function existingLocalFiles(root: string, files: readonly string[], signal?: AbortSignal, blockingReads = true): Promise<Set<string>> {
  if (!blockingReads) {
    const found = await Promise.all(files.map((f) => stat(onDisk(root, f)).then(() => f, () => undefined)));
    return new Set(found.filter((f): f is string => f !== undefined));
  }
  const found = new Set<string>();
  await inTurns(files, signal, (file) => {
    try {
      statSync(onDisk(root, file));
      found.add(file);
    } catch {
      // Missing or unreachable: not there for us.
    }
  });
  return found;
}
