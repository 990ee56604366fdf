import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOOLS, compareVersions } from './tools';
import { findTool, installTool, requireTool } from './resolve';

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

  it.each([
    ['rclone', 'SHEAF_RCLONE_BIN'],
    ['temporal', 'SHEAF_TEMPORAL_BIN'],
  ] as const)('refuses an override of %s that does not exist, naming %s, rather than take the one on PATH', async (name, variable) => {
    await fakeBinary(dir, 'rclone', 'rclone v1.75.0');
    await fakeBinary(dir, 'temporal', 'temporal version 1.5.0 (Server 1.29.1, UI 2.42.1)');
    const typo = join(dir, 'no-such-dir', name);
    const env = { [variable]: typo, PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') };
    expect(() => findTool(name, env)).toThrow(`${variable}=${typo} does not exist`);
    expect(() => requireTool(name, env)).toThrow(`${variable}=${typo} does not exist`);
    // Unset (or empty): the one on PATH.
    expect(findTool(name, { [variable]: '', PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') })).toMatchObject({ path: join(dir, name), source: 'path' });
  });

  it('says how to install a missing tool', () => {
    expect(() => requireTool('temporal', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') })).toThrow(
      /temporal >= 1\.29\.0 not found.*npm run bootstrap.*go install github\.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/,
    );
  });
});

describe('building a tool with go install', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sheaf-toolchain-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * A `go` on `dir` that records each run's GOFLAGS (and its GOMODCACHE in go-modcaches) and
   * fails (as when the module proxy answers an error) until its `succeedOn`th run, which puts an
   * rclone reporting v1.75.0 into GOBIN. With `hangOn`, that run hangs instead, as on a download
   * the proxy stalls.
   */
  async function fakeGo(succeedOn: number, hangOn?: number): Promise<string> {
    const runs = join(dir, 'go-runs');
    const script = [
      '#!/bin/sh',
      'PATH=/usr/bin:/bin',
      `echo "$GOFLAGS" >> '${runs}'`,
      `echo "$GOMODCACHE" >> '${join(dir, 'go-modcaches')}'`,
      ...(hangOn === undefined ? [] : [`[ "$(wc -l < '${runs}')" -ne ${hangOn} ] || exec sleep 600`]),
      `[ "$(wc -l < '${runs}')" -ge ${succeedOn} ] || exit 1`,
      `printf '#!/bin/sh\\necho rclone v1.75.0\\n' > "$GOBIN/rclone"`,
      'chmod +x "$GOBIN/rclone"',
    ].join('\n');
    await writeFile(join(dir, 'go'), `${script}\n`, { mode: 0o755 });
    return runs;
  }

  it('tries a failed go install again, with the GOFLAGS it was given, -modcacherw and -trimpath, and the module cache in Sheaf\'s cache', async () => {
    const runs = await fakeGo(3);
    const lines: string[] = [];
    const found = await installTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache'), GOFLAGS: '-modcacherw' }, (line) => lines.push(line), { retryDelaysMs: [0, 0] });
    expect(found).toEqual({ path: join(dir, 'cache', 'bin', 'rclone-1.75.0', 'rclone'), version: '1.75.0', source: 'cache' });
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(['-modcacherw -trimpath', '-modcacherw -trimpath', '-modcacherw -trimpath']);
    expect((await readFile(join(dir, 'go-modcaches'), 'utf8')).trim().split('\n')).toEqual(Array(3).fill(join(dir, 'cache', 'go', 'mod')));
    expect(lines.filter((line) => line.includes('trying again'))).toEqual([
      'go install github.com/rclone/rclone exited with 1; trying again in 0 s (attempt 2 of 3)',
      'go install github.com/rclone/rclone exited with 1; trying again in 0 s (attempt 3 of 3)',
    ]);
  });

  it('gives up after the third failed go install, saying how go ended', async () => {
    const runs = await fakeGo(4);
    await expect(installTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') }, () => undefined, { retryDelaysMs: [0, 0] })).rejects.toThrow(
      'go install github.com/rclone/rclone exited with 1',
    );
    expect((await readFile(runs, 'utf8')).trim().split('\n')).toEqual(Array(3).fill('-modcacherw -trimpath'));
  });

  it('stops a go install that runs out of time (a stalled download) and tries again', async () => {
    await fakeGo(2, 1);
    const lines: string[] = [];
    const found = await installTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache'), GOMODCACHE: join(dir, 'own-modcache') }, (line) => lines.push(line), {
      retryDelaysMs: [0, 0],
      attemptTimeoutMs: 1_000,
    });
    expect(found.version).toBe('1.75.0');
    expect(lines.filter((line) => line.includes('trying again'))).toEqual([
      'go install github.com/rclone/rclone did not finish within 1 s (a stalled download?) and was stopped; trying again in 0 s (attempt 2 of 3)',
    ]);
    // A module cache the caller chose is used as it is.
    expect((await readFile(join(dir, 'go-modcaches'), 'utf8')).trim().split('\n')).toEqual(Array(2).fill(join(dir, 'own-modcache')));
  });

  it('does not try again when there is no go to run', async () => {
    const lines: string[] = [];
    await expect(installTool('rclone', { PATH: dir, SHEAF_CACHE_DIR: join(dir, 'cache') }, (line) => lines.push(line), { retryDelaysMs: [0, 0] })).rejects.toThrow(
      /^cannot run go \(Go >= 1\.25 is needed to build rclone\)/,
    );
    expect(lines.filter((line) => line.includes('trying again'))).toEqual([]);
  });
});
