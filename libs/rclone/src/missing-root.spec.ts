import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone, RcloneError } from './rclone';

describe('Rclone.stat, sha256 and deleteFiles', () => {
  let dir: string;
  const rclone = () => new Rclone(requireTool('rclone', process.env));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-stat-test-'));
    await mkdir(join(dir, 'there', 'sub'), { recursive: true });
    await writeFile(join(dir, 'there', 'sub', 'a.txt'), 'hello');
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the named files that are there, and none of those in missing folders', async () => {
    const found = await rclone().stat(join(dir, 'there'), ['sub/a.txt', 'sub/b.txt', 'missing/c.txt']);
    expect([...found.keys()]).toEqual(['sub/a.txt']);
    expect(found.get('sub/a.txt')).toMatchObject({ Size: 5 });
  });

  // A first delivery to an SMB share: its instrument's folder does not exist yet.
  it('reports none when the root folder itself does not exist, instead of failing', async () => {
    expect((await rclone().stat(join(dir, 'not yet', 'instrument'), ['a.txt', 'sub/b.txt'])).size).toBe(0);
  });

  it('hashes the named files that are there, and none when the root folder does not exist', async () => {
    const hashes = await rclone().sha256(join(dir, 'there'), ['sub/a.txt', 'sub/b.txt']);
    expect([...hashes]).toEqual([['sub/a.txt', '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824']]);
    expect((await rclone().sha256(join(dir, 'not yet', 'instrument'), ['a.txt'])).size).toBe(0);
  });

  it('has nothing to delete when the root folder does not exist', async () => {
    await expect(rclone().deleteFiles(join(dir, 'not yet', 'instrument'), ['a.txt'])).resolves.toBeUndefined();
  });

  it('fails when rclone lists some files and fails on another, rather than report that one absent', async () => {
    // A stand-in for rclone that lists one file, then fails on the next (an S3 HEAD that timed out).
    const partial = join(dir, 'partial-rclone');
    await writeFile(
      partial,
      `#!/bin/sh\ncat > /dev/null\necho '['\necho '{"Path":"sub/a.txt","Name":"a.txt","Size":5,"ModTime":"2026-01-02T03:04:05Z","IsDir":false}'\necho ']'\necho 'ERROR : sub/b.txt: i/o timeout' >&2\nexit 1\n`,
    );
    await chmod(partial, 0o755);
    await expect(new Rclone(partial).stat(join(dir, 'there'), ['sub/a.txt', 'sub/b.txt'])).rejects.toThrow(/i\/o timeout/);
  });

  it('still fails when rclone cannot list for another reason', async () => {
    await expect(rclone().stat('nosuchremote:folder', ['a.txt'])).rejects.toBeInstanceOf(RcloneError);
    await expect(rclone().sha256('nosuchremote:folder', ['a.txt'])).rejects.toBeInstanceOf(RcloneError);
    await expect(rclone().deleteFiles('nosuchremote:folder', ['a.txt'])).rejects.toBeInstanceOf(RcloneError);
  });
});
