import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { IncompleteListingError, Rclone, RcloneError, type ListedFile } from './rclone';

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

  /**
   * An rclone that answers `lsjson` as rclone 1.75 does when a folder cannot be read (seen run as
   * an unprivileged user on a folder of mode 000): the rest of the listing, the folder's error
   * as a JSON log line naming it, and a non-zero exit. The lines are rclone's own.
   */
  async function unreadableFolderRclone(stderrLines: string[], exitCode: number): Promise<Rclone> {
    const script = join(dir, `rclone-${exitCode}-${stderrLines.length}.sh`);
    const entry = '{"Path":"a/x","Name":"x","Size":2,"ModTime":"2026-12-06T23:29:04.030349789Z","IsDir":false}';
    await writeFile(
      script,
      ['#!/bin/sh', `printf '%s\n' '[' '${entry}' ']'`, ...stderrLines.map((line) => `printf '%s\n' '${line}' >&2`), `exit ${exitCode}`].join('\n'),
      { mode: 0o755 },
    );
    return new Rclone(script, [], { tempDir: tempDir() });
  }
  const folderError = (folder: string) =>
    `{"level":"error","msg":"failed to open directory \\"${folder}\\": open /src/${folder}: permission denied","object":"${folder}","objectType":"string","source":"local/local.go:676"}`;
  const notice = '{"level":"notice","msg":"Failed to lsjson with 2 errors: last error was: permission denied","source":"cmd/cmd.go:336"}';

  it('gives what it listed, then names the folders it could not read when that was all that went wrong', async () => {
    const listed: ListedFile[] = [];
    const error = await (async () => {
      const lines = [folderError('b'), '{"level":"error","msg":"error listing: access denied","object":"c/d","objectType":"string"}', notice];
      // The local backend says it of a folder, then the walk says it again: one folder.
      lines.splice(1, 0, '{"level":"error","msg":"error listing: failed to open directory \\"b\\"","object":"b","objectType":"string"}');
      for await (const entries of (await unreadableFolderRclone(lines, 6)).listFiles('/src')) {
        listed.push(...entries);
      }
    })().catch((err: unknown) => err);
    expect(listed.map((f) => f.Path)).toEqual(['a/x']);
    expect(error).toBeInstanceOf(IncompleteListingError);
    expect((error as IncompleteListingError).unlisted).toEqual({
      count: 2,
      first: [
        { folder: 'b', reason: 'failed to open directory "b": open /src/b: permission denied' },
        { folder: 'c/d', reason: 'error listing: access denied' },
      ],
    });
  });

  it('fails as a whole when the root, or anything but a folder, could not be listed, or a folder vanished (exit 3)', async () => {
    const root = '{"level":"error","msg":"failed to open directory \\"\\": open /src: permission denied","object":"","objectType":"string"}';
    const other = '{"level":"error","msg":"connection reset by peer","object":"a/x","objectType":"*smb.Object"}';
    const fatal = '{"level":"critical","msg":"Fatal error: out of memory"}';
    const walkStopped = '{"level":"error","msg":"error listing: callback failed in ListJSON: no space left on device","object":"b","objectType":"string"}';
    const cases: Array<[string[], number]> = [
      [[root, notice], 6],
      [[folderError('b'), other], 1],
      [[folderError('b')], 3],
      // A passing fault (exit 5) is worth listing again; a fatal line or a stopped walk is no gap.
      [[folderError('b')], 5],
      [[folderError('b'), fatal], 1],
      [[walkStopped], 1],
    ];
    for (const [lines, exit] of cases) {
      const error = await collect((await unreadableFolderRclone(lines, exit)).listFiles('/src')).catch((err: unknown) => err);
      expect({ lines, error }).toEqual({ lines, error: expect.any(RcloneError) });
      expect(error).not.toBeInstanceOf(IncompleteListingError);
    }
  });

  it("gives rclone the process's environment without Sheaf's secrets", async () => {
    const script = join(dir, 'rclone-env.sh');
    const seen = join(dir, 'rclone-env.txt');
    await writeFile(script, `#!/bin/sh\nenv > '${seen}'\necho '[]'\n`, { mode: 0o755 });
    const saved = { ...process.env };
    Object.assign(process.env, { SHEAF_ENCRYPTION_KEY: 'key-material', SHEAF_ENCRYPTION_OLD_KEYS: 'old-key-material', DATABASE_URL: 'postgres://u:pw@db/sheaf', JWT_SECRET: 'jwt', RCLONE_BWLIMIT: '10M' });
    try {
      await collect(new Rclone(script, [], { tempDir: tempDir() }).listFiles('/src'));
    } finally {
      for (const name of ['SHEAF_ENCRYPTION_KEY', 'SHEAF_ENCRYPTION_OLD_KEYS', 'DATABASE_URL', 'JWT_SECRET', 'RCLONE_BWLIMIT']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    const env = await readFile(seen, 'utf8');
    expect(env).not.toMatch(/key-material|u:pw|JWT_SECRET/);
    // What rclone needs stays: the PATH, the operator's own rclone settings, and no config file.
    expect(env).toContain(`PATH=${process.env.PATH}`);
    expect(env).toContain('RCLONE_BWLIMIT=10M');
    expect(env).toContain('RCLONE_CONFIG=/dev/null');
  });

  it("gives rclone no ssh-agent: an sftp remote without a password or key would sign in with the host's keys", async () => {
    const script = join(dir, 'rclone-agent.sh');
    const seen = join(dir, 'rclone-agent.txt');
    await writeFile(script, `#!/bin/sh\nenv > '${seen}'\necho '[]'\n`, { mode: 0o755 });
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/tmp/ssh-agent-of-the-host/agent.1';
    try {
      await collect(new Rclone(script, [], { tempDir: tempDir() }).listFiles('/src'));
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
    const env = await readFile(seen, 'utf8');
    expect(env).not.toMatch(/SSH_AUTH_SOCK|ssh-agent-of-the-host/);
    expect(env).toContain(`PATH=${process.env.PATH}`);
  });

  it('stops rclone when the caller stops reading', async () => {
    const root = join(dir, 'early');
    await mkdir(root, { recursive: true });
    await Promise.all(Array.from({ length: 50 }, (_, i) => writeFile(join(root, `f${i}`), 'x')));
    const before = await listingTemps();
    for await (const entries of rclone().listFiles(root)) {
      expect(entries[0].Path).toMatch(/^f\d+$/);
      // Gone by name while still read: a worker killed now leaves nothing in its temporary space.
      expect(await listingTemps()).toEqual(before);
      break;
    }
    expect(await listingTemps()).toEqual(before);
  });
});
