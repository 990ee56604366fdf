import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncompleteListingError, Rclone, RcloneStalledError, type ListedFile } from './rclone';

/**
 * A listing whose rclone writes nothing more (a source on a hung mount, an SMB server that stopped
 * answering) held its discovery, heartbeating, until the activity's 3-day limit, each of its five
 * attempts. Stopped after the stall limit instead, and only then: a slow listing that goes on
 * writing, or a caller slow with its pieces, goes on however long it takes.
 */
describe('Rclone listFiles that makes no progress', () => {
  let dir: string;
  const entry = (i: number) => `{"Path":"f${i}.raw","Name":"f${i}.raw","Size":${i},"ModTime":"2026-01-01T00:00:00Z","IsDir":false},`;
  /**
   * A stand-in for `rclone lsjson`: writes its pid, "[", then `count` entries `gap` seconds apart,
   * then sleeps `hang` seconds before the closing "]" and exit 0.
   */
  const fakeRclone = async (name: string, count: number, gap: number, hang: number) => {
    const script = join(dir, name);
    await writeFile(
      script,
      `#!/bin/sh\necho $$ > '${join(dir, `${name}.pid`)}'\necho '['\ni=0\nwhile [ $i -lt ${count} ]; do echo "{\\"Path\\":\\"f$i.raw\\",\\"Name\\":\\"f$i.raw\\",\\"Size\\":$i,\\"ModTime\\":\\"2026-01-01T00:00:00Z\\",\\"IsDir\\":false},"; sleep ${gap}; i=$((i + 1)); done\nsleep ${hang}\necho ']'\nexit 0\n`,
    );
    await chmod(script, 0o755);
    return new Rclone(script, [], { tempDir: dir });
  };
  const running = async (name: string) => {
    const pid = Number(await readFile(join(dir, `${name}.pid`), 'utf8'));
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const collect = async (listing: AsyncGenerator<ListedFile[]>, eachPieceMs = 0) => {
    const paths: string[] = [];
    for await (const pieces of listing) {
      paths.push(...pieces.map((f) => f.Path));
      if (eachPieceMs) await new Promise((resolve) => setTimeout(resolve, eachPieceMs));
    }
    return paths;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-stalled-listing-test-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is stopped as stalled once it has written nothing for the limit, and rclone is stopped', async () => {
    const hung = await fakeRclone('hung', 2, 0, 60);
    const started = Date.now();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const pieces of hung.listFiles('/hung-mount', undefined, 1_000)) seen.push(...pieces.map((f) => f.Path));
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RcloneStalledError);
    expect((error as Error).message).toBe('rclone lsjson made no progress for 1 s (a hung mount or server?): stopped');
    expect(seen).toEqual(['f0.raw', 'f1.raw']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await running('hung')).toBe(false);
  }, 20_000);

  it('goes on past the limit while it writes, and while its caller takes longer than the limit over each piece', async () => {
    const slow = await fakeRclone('slow', 8, 0.4, 0);
    expect(await collect(slow.listFiles('/slow-share', undefined, 1_000))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `f${i}.raw`));
    const steady = await fakeRclone('steady', 10, 0.3, 0);
    // Each piece held 1.5 s by its caller (a database behind), while rclone goes on writing.
    expect(await collect(steady.listFiles('/share', undefined, 1_000), 1_500)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `f${i}.raw`));
  }, 30_000);

  it("reports rclone's own failure, not a stall, when its caller reads the rest of the listing after rclone has exited", async () => {
    // Lists two entries, says a folder could not be read, and exits 1, as rclone does for an unreadable folder.
    const script = join(dir, 'gaps');
    const unreadable = `{"level":"error","msg":"failed to open directory \\"locked\\": permission denied","object":"locked","objectType":"string"}`;
    await writeFile(script, `#!/bin/sh\necho '['\necho '${entry(0)}'\necho '${entry(1)}'\necho ']'\necho '${unreadable}' >&2\nexit 1\n`);
    await chmod(script, 0o755);
    const gaps = new Rclone(script, [], { tempDir: dir });
    // Each piece held 1.5 s (a database behind) past the 1 s limit, with the file long complete.
    const error = await collect(gaps.listFiles('/share', undefined, 1_000), 1_500).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(IncompleteListingError);
    expect((error as IncompleteListingError).message).not.toContain('made no progress');
  }, 20_000);

  it('is cancelled, not stalled, when its caller cancels', async () => {
    const stuck = await fakeRclone('cancelled', 0, 0, 60);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 300);
    const error = await collect(stuck.listFiles('/hung-mount', cancel.signal, 60_000)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).not.toBeInstanceOf(RcloneStalledError);
    expect((error as Error).message).toContain('cancelled');
  }, 20_000);
});
