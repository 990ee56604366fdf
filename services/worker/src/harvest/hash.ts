import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** 1 MiB reads: SHA-256 runs at ~1 GB/s per core with them, under half that with 64 KiB. */
const READ_SIZE = 1024 * 1024;

export interface LocalDigest {
  sha256: string;
  size: number;
  mtimeMs: number;
}

/**
 * SHA-256, size and mtime of one local file, read in large chunks. Pass a `buffer` to reuse
 * one across files: a fresh 1 MiB buffer per small file costs more in garbage collection than
 * the hashing itself.
 */
export async function digestLocalFile(path: string, signal?: AbortSignal, buffer: Buffer = Buffer.allocUnsafe(READ_SIZE)): Promise<LocalDigest> {
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

/** Digests of many files under `root`, a few at a time; unreadable files are left out. */
export async function digestLocalFiles(
  root: string,
  files: readonly string[],
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<Map<string, LocalDigest>> {
  const out = new Map<string, LocalDigest>();
  let next = 0;
  const worker = async () => {
    // One read buffer per lane, reused for every file it hashes.
    const buffer = Buffer.allocUnsafe(READ_SIZE);
    while (next < files.length) {
      const file = files[next++];
      try {
        out.set(file, await digestLocalFile(join(root, file), options.signal, buffer));
      } catch (err) {
        if (options.signal?.aborted) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, files.length) }, worker));
  return out;
}
