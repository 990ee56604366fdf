/** Test trees for the benchmarks, written quickly with synchronous writes. */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface Generated {
  files: number;
  bytes: number;
  folders: number;
  seconds: number;
}

function leafFolder(root: string, leaf: number, fanout: number): string {
  return join(root, `d${String(Math.floor(leaf / fanout)).padStart(3, '0')}`, `e${String(leaf % fanout).padStart(3, '0')}`);
}

/**
 * `files` files of `size` bytes spread over `folders` leaf folders two levels deep
 * (`dNNN/eNNN/file-NNNNNNN.dat`). Each file starts with its own number, so no two are alike;
 * with `size` <= 32 a file holds only its number (a few bytes).
 */
export function writeTree(root: string, files: number, folders: number, size: number): Generated {
  const started = performance.now();
  const fanout = Math.max(1, Math.ceil(Math.sqrt(folders)));
  const perFolder = Math.ceil(files / folders);
  const body = randomBytes(size);
  let written = 0;
  let bytes = 0;
  for (let leaf = 0; leaf < folders && written < files; leaf++) {
    const dir = leafFolder(root, leaf, fanout);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < perFolder && written < files; i++, written++) {
      const name = `file-${String(written).padStart(7, '0')}.dat`;
      if (size <= 32) {
        // Tiny files: just the number.
        const content = `${written}\n`;
        writeFileSync(join(dir, name), content);
        bytes += content.length;
      } else {
        body.write(`${written}\n`.padEnd(16, ' '), 0, 'latin1');
        writeFileSync(join(dir, name), body);
        bytes += size;
      }
    }
  }
  return { files: written, bytes, folders, seconds: (performance.now() - started) / 1000 };
}

/**
 * `count` files of `size` bytes: a 1 MiB random block repeated, each copy stamped with the file
 * and block number, so the content is neither zeros nor repeating.
 */
export function writeLargeFiles(root: string, count: number, size: number): Generated {
  const started = performance.now();
  mkdirSync(root, { recursive: true });
  const block = randomBytes(1024 * 1024);
  for (let f = 0; f < count; f++) {
    const fd = openSync(join(root, `large-${f}.bin`), 'w');
    try {
      for (let offset = 0, n = 0; offset < size; offset += block.length, n++) {
        block.writeUInt32LE(f, 0);
        block.writeUInt32LE(n, 4);
        writeSync(fd, block, 0, Math.min(block.length, size - offset));
      }
    } finally {
      closeSync(fd);
    }
  }
  return { files: count, bytes: count * size, folders: 1, seconds: (performance.now() - started) / 1000 };
}
