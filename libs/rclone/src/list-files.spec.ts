import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone, RcloneError, type ListedFile } from './rclone';

async function collect(listing: AsyncGenerator<ListedFile[]>): Promise<ListedFile[]> {
  const out: ListedFile[] = [];
  for await (const entries of listing) out.push(...entries);
  return out;
}

describe('Rclone.listFiles', () => {
  let dir: string;
  // A temporary folder of this file's own: other suites running meanwhile make listings too.
  const tempDir = () => join(dir, 'tmp');
  const rclone = () => new Rclone(requireTool('rclone', process.env), [], { tempDir: tempDir() });
  const listingTemps = async () => (await readdir(tempDir())).filter((name) => name.startsWith('sheaf-listing-'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-list-test-'));
    await mkdir(tempDir());
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('streams every file of a listing larger than one read, in several pieces, multi-byte names intact, and leaves no temporary file', async () => {
    const root = join(dir, 'big');
    // ~2.5 MiB of listing: entries with three-byte characters straddle the 1 MiB read boundaries.
    const names: string[] = [];
    for (let d = 0; d < 10; d++) {
      await mkdir(join(root, `ファイル-${d}`), { recursive: true });
      for (let f = 0; f < 1000; f++) names.push(`ファイル-${d}/測定データ-${'データ'.repeat(20)}-${f}.raw`);
    }
    await Promise.all(names.map((name, i) => writeFile(join(root, name), String(i))));
    await utimes(join(root, names[0]), new Date('2024-05-06T07:08:09Z'), new Date('2024-05-06T07:08:09Z'));
    const before = await listingTemps();

    let pieces = 0;
    const listed: ListedFile[] = [];
    for await (const entries of rclone().listFiles(root)) {
      pieces += 1;
      listed.push(...entries);
    }
    expect(pieces).toBeGreaterThan(1);

    expect(listed.map((e) => e.Path).sort()).toEqual([...names].sort());
    const first = listed.find((e) => e.Path === names[0]);
    expect(first).toMatchObject({ Size: 1, IsDir: false });
    expect(new Date(first!.ModTime).toISOString()).toBe('2024-05-06T07:08:09.000Z');
    expect(await listingTemps()).toEqual(before);
  });

  it('reads every entry as JSON.parse reads rclone\'s whole listing, whatever the names hold', async () => {
    const root = join(dir, 'odd');
    const names = [
      'plain.dat',
      'a "quoted" name.txt',
      'back\\slash\\dir-like.txt',
      'looks like fields","Size":99,"ModTime":"2001-01-01T00:00:00Z.raw',
      'spaces and ünïcødé ✓.csv',
      'deep/er/still/empty',
    ];
    await mkdir(join(root, 'deep', 'er', 'still'), { recursive: true });
    await Promise.all(names.map((name, i) => writeFile(join(root, name), name === 'deep/er/still/empty' ? '' : 'x'.repeat(i * 1000))));

    const listed = await collect(rclone().listFiles(root));
    const reference = JSON.parse(
      execFileSync(requireTool('rclone', process.env), ['lsjson', '-R', '--files-only', '--no-mimetype', root], { env: { ...process.env, RCLONE_CONFIG: '/dev/null' } }).toString(),
    ) as ListedFile[];
    const fields = (e: ListedFile) => ({ Path: e.Path, Size: e.Size, ModTime: e.ModTime, IsDir: e.IsDir });
    const byPath = (a: ListedFile, b: ListedFile) => (a.Path < b.Path ? -1 : 1);
    expect(listed.map(fields).sort(byPath)).toEqual(reference.map(fields).sort(byPath));
    expect(listed.map((e) => e.Path).sort()).toEqual([...names].sort());
  });

  it('fails with rclone\'s exit code and message when the folder does not exist', async () => {
    const error = await collect(rclone().listFiles(join(dir, 'missing'))).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RcloneError);
    expect(error).toMatchObject({ exitCode: 3, message: expect.stringContaining('directory not found') });
  });

  it('stops rclone when the caller stops reading', async () => {
    const root = join(dir, 'early');
    await mkdir(root, { recursive: true });
    await Promise.all(Array.from({ length: 50 }, (_, i) => writeFile(join(root, `f${i}`), 'x')));
    const before = await listingTemps();
    for await (const entries of rclone().listFiles(root)) {
      expect(entries[0].Path).toMatch(/^f\d+$/);
      break;
    }
    expect(await listingTemps()).toEqual(before);
  });
});
