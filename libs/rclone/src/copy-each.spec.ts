import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { isNotFound, Rclone, RcloneError } from './rclone';

describe('Rclone.copyEach', () => {
  let dir: string;
  let source: string;
  // A temporary folder of this file's own: other suites running meanwhile start daemons too.
  const rclone = () => new Rclone(requireTool('rclone', process.env), [], { tempDir: join(dir, 'tmp') });
  /** The rclone daemons this suite started that still run (each listens in a folder of the suite's own). */
  const daemonsLeft = () =>
    execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(' rcd ') && line.includes(join(dir, 'tmp')));
  /** The folders of the daemons' sockets still there. */
  const socketFoldersLeft = async () => (await readdir(join(dir, 'tmp'))).filter((name) => name.startsWith('sheaf-rc-'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-copyeach-test-'));
    await mkdir(join(dir, 'tmp'));
    source = join(dir, 'source');
    await mkdir(join(source, 'run 1'), { recursive: true });
    await mkdir(join(source, 'run 2'));
    for (let i = 0; i < 20; i++) await writeFile(join(source, `run ${1 + (i % 2)}`, `frame-${i}.tif`), `frame ${i} ${'x'.repeat(i * 100)}`);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies each file to a name of its own, byte-identical, and reports each in order', async () => {
    const out = join(dir, 'flat');
    const files = Array.from({ length: 20 }, (_, i) => ({ from: `run ${1 + (i % 2)}/frame-${i}.tif`, to: `inst/f-${i}.v2.tif` }));
    const results = await rclone().copyEach(source, out, files, { transfers: 4, immutable: true, ignoreChecksum: true });
    expect(results.map((r) => r.outcome)).toEqual(files.map(() => 'copied'));
    for (const f of files) expect(await readFile(join(out, f.to), 'utf8')).toBe(await readFile(join(source, f.from), 'utf8'));
    expect((await readdir(join(out, 'inst'))).length).toBe(20);
    // The rclone it started is gone, and so is its socket's folder.
    expect(daemonsLeft()).toEqual([]);
    expect(await socketFoldersLeft()).toEqual([]);
  });

  it('with immutable, leaves a file that is there alone (rclone copyfile alone replaces it)', async () => {
    const out = join(dir, 'taken');
    await mkdir(out);
    await writeFile(join(out, 'b.tif'), 'someone else');
    const files = [
      { from: 'run 1/frame-0.tif', to: 'a.tif' },
      { from: 'run 1/frame-2.tif', to: 'b.tif' },
    ];
    expect((await rclone().copyEach(source, out, files, { immutable: true })).map((r) => r.outcome)).toEqual(['copied', 'taken']);
    expect(await readFile(join(out, 'b.tif'), 'utf8')).toBe('someone else');

    // What the look guards against: rclone's own copyfile replaces it.
    expect((await rclone().copyEach(source, out, files.slice(1))).map((r) => r.outcome)).toEqual(['copied']);
    expect(await readFile(join(out, 'b.tif'), 'utf8')).toBe(await readFile(join(source, 'run 1/frame-2.tif'), 'utf8'));
  });

  it('with immutable, does not take a folder at the path for a file: the copy fails, saying why', async () => {
    const out = join(dir, 'folder-there');
    await mkdir(join(out, 'b.tif'), { recursive: true });
    await writeFile(join(out, 'b.tif', 'inside'), 'kept');
    const results = await rclone().copyEach(
      source,
      out,
      [
        { from: 'run 1/frame-0.tif', to: 'a.tif' },
        { from: 'run 1/frame-2.tif', to: 'b.tif' },
      ],
      { immutable: true },
    );
    expect(results.map((r) => r.outcome)).toEqual(['copied', 'failed']);
    expect(results[1].error?.message).toBe('rclone copyfile run 1/frame-2.tif failed: is a directory not a file');
    expect(await readFile(join(out, 'b.tif', 'inside'), 'utf8')).toBe('kept');
  });

  it('copies files bound for one path one after the other: the first takes it, the others find it taken', async () => {
    const out = join(dir, 'one-path');
    // Names that differ only in case are one path on a share that ignores case.
    const files = Array.from({ length: 8 }, (_, i) => ({ from: `run ${1 + (i % 2)}/frame-${i}.tif`, to: i % 2 ? 'raw/X.tif' : 'raw/x.tif' }));
    const results = await rclone().copyEach(source, out, files, { transfers: 4, immutable: true });
    expect(results.map((r) => r.outcome)).toEqual(['copied', 'copied', 'taken', 'taken', 'taken', 'taken', 'taken', 'taken']);
    expect(await readFile(join(out, 'raw/x.tif'), 'utf8')).toBe(await readFile(join(source, 'run 1/frame-0.tif'), 'utf8'));
    expect(await readFile(join(out, 'raw/X.tif'), 'utf8')).toBe(await readFile(join(source, 'run 2/frame-1.tif'), 'utf8'));
  });

  it('fails a file that is not at the source with "not found", and copies the others', async () => {
    const out = join(dir, 'gone');
    const results = await rclone().copyEach(source, out, [
      { from: 'run 1/moved-away.tif', to: 'x.tif' },
      { from: 'run 1/frame-4.tif', to: 'y.tif' },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['failed', 'copied']);
    expect(results[0].error).toBeInstanceOf(RcloneError);
    expect(isNotFound(results[0].error)).toBe(true);
    expect(results[0].error?.message).toMatch(/run 1\/moved-away\.tif.*not found/);
  });

  it('stops at a failure its caller calls fatal, and throws it', async () => {
    const out = join(dir, 'fatal');
    const files = [{ from: 'nope.tif', to: 'nope.tif' }, ...Array.from({ length: 10 }, (_, i) => ({ from: `run 1/frame-${2 * i}.tif`, to: `${i}.tif` }))];
    await expect(rclone().copyEach(source, out, files, { transfers: 1, fatal: () => true })).rejects.toThrow(/nope\.tif failed: object not found/);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sends no more copies once a request held a fatal failure: 250 files go to rclone a request', async () => {
    const out = join(dir, 'fatal-later');
    // A request of 1 file (one per transfer), then requests of 250; the missing file opens the second.
    const files = [
      { from: 'run 1/frame-0.tif', to: 'first.tif' },
      { from: 'nope.tif', to: 'nope.tif' },
      ...Array.from({ length: 600 }, (_, i) => ({ from: 'run 1/frame-2.tif', to: `${i}.tif` })),
    ];
    await expect(rclone().copyEach(source, out, files, { transfers: 1, fatal: (err) => isNotFound(err) })).rejects.toThrow(/nope\.tif failed: object not found/);
    // The first request's file and the 249 others of the missing file's request; none of the rest.
    expect((await readdir(out)).length).toBe(250);
    expect(daemonsLeft()).toEqual([]);
  });

  it('fails every copy with a reason when the destination cannot be reached, without stopping', async () => {
    const results = await rclone().copyEach(source, 'nosuchremote:folder', [{ from: 'run 1/frame-0.tif', to: 'a.tif' }], { immutable: true });
    expect(results[0]).toMatchObject({ outcome: 'failed' });
    expect(results[0].error?.message).toMatch(/nosuchremote/);
  });

  it('copies nothing when cancelled before it starts, and stops rclone when cancelled midway', async () => {
    const out = join(dir, 'cancelled');
    const before = new AbortController();
    before.abort();
    await expect(rclone().copyEach(source, out, [{ from: 'run 1/frame-0.tif', to: 'a.tif' }], { signal: before.signal })).rejects.toThrow(/cancelled/);
    await expect(readdir(out)).rejects.toMatchObject({ code: 'ENOENT' });

    // rclone takes its flags from the environment as well: at 8 MiB/s the 160 MiB take 20 s, so
    // the copies are still going when the cancel comes, however fast the disk.
    await mkdir(join(source, 'big'));
    for (let i = 0; i < 20; i++) await writeFile(join(source, 'big', `${i}.raw`), Buffer.alloc(8 * 1024 * 1024, i));
    const bwlimit = process.env.RCLONE_BWLIMIT;
    process.env.RCLONE_BWLIMIT = '8M';
    try {
      const midway = new AbortController();
      const copying = rclone().copyEach(source, out, Array.from({ length: 20 }, (_, i) => ({ from: `big/${i}.raw`, to: `${i}.raw` })), { transfers: 2, signal: midway.signal });
      const outcome = copying.then(
        () => 'finished',
        (err: Error) => err.message,
      );
      // The first 2 files go in a request of their own, the other 18 in one more: cancelled in the
      // middle of that one, it stops too.
      while ((await readdir(out).catch(() => [])).length < 4) await new Promise((resolve) => setTimeout(resolve, 2));
      midway.abort();
      expect(await outcome).toMatch(/cancelled/);
      expect((await readdir(out)).length).toBeLessThan(20);
      expect(daemonsLeft()).toEqual([]);
      expect(await socketFoldersLeft()).toEqual([]);
    } finally {
      if (bwlimit === undefined) delete process.env.RCLONE_BWLIMIT;
      else process.env.RCLONE_BWLIMIT = bwlimit;
    }
  });
});
