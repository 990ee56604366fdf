import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { Rclone, RcloneError } from './rclone';

describe('Rclone copy cancelled through its signal', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-cancel-test-'));
  });

  afterAll(async () => {
    delete process.env.RCLONE_BWLIMIT;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stops the copy and leaves no .partial file at the destination', async () => {
    const source = join(dir, 'source');
    const destination = join(dir, 'destination');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'big.raw'), Buffer.alloc(32 * 1024 * 1024, 7));
    // 32 MiB at 1 MiB/s: the copy would take half a minute.
    process.env.RCLONE_BWLIMIT = '1M';
    const controller = new AbortController();
    const copying = new Rclone(requireTool('rclone', process.env)).copyFiles(source, destination, ['big.raw'], { signal: controller.signal });
    const outcome = copying.then(
      () => 'finished',
      (err: unknown) => err,
    );
    const partialWritten = async () => (await readdir(destination).catch(() => [] as string[])).some((name) => name.endsWith('.partial'));
    while (!(await partialWritten())) await new Promise((resolve) => setTimeout(resolve, 50));

    controller.abort();

    const result = await outcome;
    expect(result).toBeInstanceOf(RcloneError);
    expect((result as RcloneError).message).toBe('rclone copy cancelled');
    expect(await readdir(destination)).toEqual([]);
  });

  it('copies nothing when it was cancelled before rclone started', async () => {
    const source = join(dir, 'source-2');
    const destination = join(dir, 'destination-2');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'big.raw'), Buffer.alloc(4 * 1024 * 1024, 7));
    process.env.RCLONE_BWLIMIT = '1M';
    const controller = new AbortController();
    controller.abort();
    const copying = new Rclone(requireTool('rclone', process.env)).copyFiles(source, destination, ['big.raw'], { signal: controller.signal });
    await expect(copying).rejects.toThrow('rclone copy cancelled');
    expect(await readdir(destination).catch(() => [])).toEqual([]);
  });
});
