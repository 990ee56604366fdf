import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone } from './rclone';

/**
 * rclone reads these lists one path a line. A path holding a line break (rclone itself spells one
 * in a name ␊) would be read as two: a delete of "x\nother/file" removed other/file.
 */
describe('Rclone given a path with a line break in a list of paths', () => {
  let dir: string;
  let rclone: Rclone;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-file-lists-test-'));
    rclone = new Rclone(requireTool('rclone', process.env));
  });

  beforeEach(async () => {
    await rm(join(dir, 'src'), { recursive: true, force: true });
    await rm(join(dir, 'dst'), { recursive: true, force: true });
    await mkdir(join(dir, 'src', 'other-instrument'), { recursive: true });
    await writeFile(join(dir, 'src', 'other-instrument', 'verified.raw'), 'theirs');
    await mkdir(join(dir, 'dst'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['delete', (root: string, files: string[]) => rclone.deleteFiles(root, files)],
    ['hashsum', (root: string, files: string[]) => rclone.sha256(root, files)],
    ['lsjson', (root: string, files: string[]) => rclone.stat(root, files)],
    ['copy', (root: string, files: string[]) => rclone.copyFiles(root, join(dir, 'dst'), files)],
  ])('%s refuses it, and touches neither path it would have been read as', async (_command, call) => {
    for (const path of ['x\nother-instrument/verified.raw', 'other-instrument/verified.raw\r']) {
      await expect(call(join(dir, 'src'), ['mine.raw', path])).rejects.toThrow(`rclone is given paths one a line, and ${JSON.stringify(path)} holds a line break: refused`);
    }
    expect(await readdir(join(dir, 'src', 'other-instrument'))).toEqual(['verified.raw']);
    expect(await readdir(join(dir, 'dst'))).toEqual([]);
  });
});
