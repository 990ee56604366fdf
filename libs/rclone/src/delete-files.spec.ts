import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone } from './rclone';

describe('Rclone.deleteFiles', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-delete-test-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('deletes exactly the named files, ignores names that are not there, and leaves everything else', async () => {
    const files = ['keep.txt', 'gone.txt', 'a folder/gone too.dat', 'a folder/keep too.dat', 'deep/er/gone.bin'];
    for (const file of files) {
      await mkdir(join(dir, file, '..'), { recursive: true });
      await writeFile(join(dir, file), file);
    }

    await new Rclone(requireTool('rclone', process.env)).deleteFiles(dir, ['gone.txt', 'a folder/gone too.dat', 'deep/er/gone.bin', 'never/was.txt']);

    const left = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
    expect(left.sort()).toEqual(['a folder/keep too.dat', 'keep.txt']);
  });
});
