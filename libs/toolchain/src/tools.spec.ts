import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS, compareVersions } from './tools';
import { findTool, requireTool } from './resolve';

async function fakeBinary(dir: string, name: string, output: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\necho '${output}'\n`);
  await chmod(path, 0o755);
  return path;
}

describe('tool versions', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('1.74.4', '1.74.10')).toBeLessThan(0);
    expect(compareVersions('1.75.0', '1.74.4')).toBeGreaterThan(0);
    expect(compareVersions('1.29.1', '1.29.1')).toBe(0);
  });

  it('reads the server version from a go-installed Temporal CLI and the release from rclone', () => {
    expect(TOOLS.temporal.parseVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)')).toBe('1.29.1');
    expect(TOOLS.rclone.parseVersion('rclone v1.75.0-DEV\n- os/version: debian 12')).toBe('1.75.0');
  });
});

describe('finding tools', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sheaf-toolchain-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a binary on PATH at or above the minimum version', async () => {
    await fakeBinary(dir, 'rclone', 'rclone v1.74.4');
    expect(findTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') })).toEqual({
      path: join(dir, 'rclone'),
      version: '1.74.4',
      source: 'path',
    });
  });

  it("passes over Debian's rclone 1.60.1 on PATH", async () => {
    await fakeBinary(dir, 'rclone', 'rclone v1.60.1-DEV');
    expect(findTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') })).toBeUndefined();
  });

  it('refuses an explicit override that is too old, naming the version', async () => {
    const old = await fakeBinary(dir, 'old-rclone', 'rclone v1.60.1');
    expect(() => findTool('rclone', { SHEAF_RCLONE_BIN: old, PATH: '' })).toThrow(/1\.60\.1.*needs 1\.74\.4/);
  });

  it('says how to install a missing tool', () => {
    expect(() => requireTool('temporal', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') })).toThrow(
      /temporal >= 1\.29\.0 not found.*npm run bootstrap.*go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/,
    );
  });
});
