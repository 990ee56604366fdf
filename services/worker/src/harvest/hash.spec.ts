import { createHash } from 'node:crypto';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestLocalFiles, existingLocalFiles } from './hash';

describe('local file digests', () => {
  let root: string;
  const contents: Record<string, Buffer> = {
    'empty.dat': Buffer.alloc(0),
    'small.txt': Buffer.from('four kilobytes or so'),
    // Past the 1 MiB limit of the blocking path.
    'large.bin': Buffer.alloc(3 * 1024 * 1024 + 7, 9),
  };
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sheaf-hash-'));
    for (const [name, data] of Object.entries(contents)) await writeFile(join(root, name), data);
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([true, false])('hashes and sizes every readable file the same way with blocking reads %s, leaving out missing ones', async (blockingReads) => {
    const digests = await digestLocalFiles(root, [...Object.keys(contents), 'missing.raw'], { blockingReads });
    expect([...digests.keys()].sort()).toEqual(Object.keys(contents).sort());
    for (const [name, data] of Object.entries(contents)) expect(digests.get(name)).toMatchObject({ sha256: sha256(data), size: data.length });
  });

  it('hashes many large files at once on its threads, and a cancelled hashing stops without spoiling the next', async () => {
    const many = Array.from({ length: 6 }, (_, i) => `large-${i}.bin`);
    const size = 16 * 1024 * 1024;
    for (const [i, name] of many.entries()) await writeFile(join(root, name), Buffer.alloc(size, i));

    const cancel = new AbortController();
    const cancelled = digestLocalFiles(root, many, { signal: cancel.signal });
    // Once the first files are on the threads (hashing 96 MiB takes far longer than a turn).
    setImmediate(() => cancel.abort(new Error('cancelled by the test')));
    await expect(cancelled).rejects.toThrow('cancelled by the test');

    const digests = await digestLocalFiles(root, [...many, 'missing.raw']);
    expect([...digests.keys()].sort()).toEqual(many);
    for (const [i, name] of many.entries()) expect(digests.get(name)).toMatchObject({ sha256: sha256(Buffer.alloc(size, i)), size });
  });

  it.each([true, false])('finds which files exist with blocking reads %s', async (blockingReads) => {
    const long = `${'x'.repeat(300)}.raw`;
    expect(await existingLocalFiles(root, ['small.txt', 'missing.raw', 'nodir/missing.raw', 'small.txt/under-a-file', long, 'large.bin'], undefined, blockingReads)).toEqual(
      new Set(['small.txt', 'large.bin']),
    );
  });

  it.each([true, false])('refuses to guess when a path cannot be checked (a symlink loop) with blocking reads %s', async (blockingReads) => {
    await symlink('loop-b', join(root, 'loop-a')).catch(() => undefined);
    await symlink('loop-a', join(root, 'loop-b')).catch(() => undefined);
    await expect(existingLocalFiles(root, ['small.txt', 'loop-a'], undefined, blockingReads)).rejects.toThrow(/^cannot tell whether loop-a is at .*: ELOOP/);
  });
});
