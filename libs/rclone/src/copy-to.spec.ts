import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone } from './rclone';

describe('Rclone.copyTo', () => {
  let dir: string;
  const rclone = () => new Rclone(requireTool('rclone', process.env));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-copyto-test-'));
    await writeFile(join(dir, 'source.raw'), 'new bytes');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('with immutable, copies to a free path and leaves a file that is there alone (rclone copyto alone replaces it)', async () => {
    expect(await rclone().copyTo(join(dir, 'source.raw'), join(dir, 'out', 'free.raw'), { immutable: true })).toBe('copied');
    expect(await readFile(join(dir, 'out', 'free.raw'), 'utf8')).toBe('new bytes');

    await writeFile(join(dir, 'out', 'taken.raw'), 'someone else');
    expect(await rclone().copyTo(join(dir, 'source.raw'), join(dir, 'out', 'taken.raw'), { immutable: true })).toBe('taken');
    expect(await readFile(join(dir, 'out', 'taken.raw'), 'utf8')).toBe('someone else');

    // What the check guards against: rclone's own copyto replaces it.
    expect(await rclone().copyTo(join(dir, 'source.raw'), join(dir, 'out', 'taken.raw'))).toBe('copied');
    expect(await readFile(join(dir, 'out', 'taken.raw'), 'utf8')).toBe('new bytes');
  });
});
