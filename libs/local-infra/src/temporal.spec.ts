import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireTool } from '@sheaf/toolchain';
import { startTemporalDevServer } from './temporal';

const execFileAsync = promisify(execFile);

describe('startTemporalDevServer', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temporal-start-test-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * The real CLI behind a script that, for its first `failures` starts, leaves a half-made
   * database and dies as a Go panic does (exit 2) instead.
   */
  async function flakyCli(failures: number): Promise<string> {
    const path = join(dir, `temporal-${failures}.sh`);
    const count = join(dir, `starts-${failures}`);
    await writeFile(
      path,
      `#!/bin/sh
n=$(cat '${count}' 2>/dev/null || echo 0); echo $((n + 1)) > '${count}'
echo "$@" >> '${count}.args'
if [ "$n" -lt ${failures} ]; then
  for a in "$@"; do [ -n "$db" ] && [ "$db" = next ] && db="$a"; [ "$a" = --db-filename ] && db=next; done
  echo 'not a database' > "$db"
  echo "panic: listen tcp 127.0.0.1:$((40000 + n)): bind: address already in use" >&2
  exit 2
fi
exec '${requireTool('temporal', process.env)}' "$@"
`,
      { mode: 0o755 },
    );
    return path;
  }

  const start = async (binary: string, dbFile: string, log: (line: string) => void = () => undefined) =>
    startTemporalDevServer({ binary, dbFile, namespace: 'default', log });

  it('starts again a server that exited before it was ready, without the half-made database', async () => {
    const lines: string[] = [];
    // One made-up failure, not two: the real server's start that follows may itself collide with
    // another suite's server (jest runs two at once) and needs the attempt left for that.
    const server = await start(await flakyCli(1), join(dir, 'once.db'), (line) => lines.push(line));
    try {
      // The UI answers (a fresh connection: a pooled one would outlive the test).
      const status = await new Promise<number | undefined>((resolve, reject) => get(`${server.uiUrl}/`, { agent: false }, (res) => resolve(res.resume().statusCode)).on('error', reject));
      expect(status).toBe(200);
      const restarts = lines.filter((line) => line.includes('starting it again')).length;
      expect(restarts).toBeGreaterThanOrEqual(1);
      // Each start got a frontend port of its own: the port a start failed on may be taken.
      const ports = (await readFile(join(dir, 'starts-1.args'), 'utf8')).trim().split('\n').map((args) => / --port (\d+) /.exec(args)?.[1]);
      expect(ports).toHaveLength(restarts + 1);
      expect(new Set(ports).size).toBe(ports.length);
      expect(server.address).toBe(`127.0.0.1:${ports.at(-1)}`);
    } finally {
      await server.stop();
    }
  });

  it('registers search attributes added since a kept history was made', async () => {
    const dbFile = join(dir, 'older.db');
    // An older Sheaf, whose list had no SheafBytesDone yet: the real CLI without that flag.
    const older = join(dir, 'temporal-older.sh');
    await writeFile(
      older,
      `#!/bin/bash
args=()
for a in "$@"; do
  if [ "$a" = SheafBytesDone=Int ]; then unset 'args[\${#args[@]}-1]'; continue; fi
  args+=("$a")
done
exec '${requireTool('temporal', process.env)}' "\${args[@]}"
`,
      { mode: 0o755 },
    );
    const attributes = async (address: string) =>
      (await execFileAsync(requireTool('temporal', process.env), ['operator', 'search-attribute', 'list', '--address', address, '--namespace', 'default'])).stdout;
    const first = await startTemporalDevServer({ binary: older, dbFile, headless: true, namespace: 'default', log: () => undefined });
    try {
      expect(await attributes(first.address)).not.toContain('SheafBytesDone');
    } finally {
      await first.stop();
    }
    const second = await startTemporalDevServer({ binary: requireTool('temporal', process.env), dbFile, headless: true, namespace: 'default', log: () => undefined });
    try {
      expect(await attributes(second.address)).toMatch(/SheafBytesDone\s+Int/);
    } finally {
      await second.stop();
    }
  });

  it('is not ready while another program answers on its port: it waits for the server itself', async () => {
    // Another program took the port first (as another suite's server can, between the choice of
    // a free port and the bind); the port answers, but this server cannot bind it and exits.
    const other = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(
        startTemporalDevServer({ binary: requireTool('temporal', process.env), port, headless: true, namespace: 'default', log: () => undefined }),
      ).rejects.toThrow(new RegExp(`exited \\(\\d+\\) before it was ready; its last output:\\n[^]*${port}[^]*address already in use`));
    } finally {
      other.close();
    }
  });

  it('runs headless, history in memory, with the dynamic config given', async () => {
    const server = await startTemporalDevServer({
      binary: await flakyCli(0),
      headless: true,
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 },
      namespace: 'default',
      log: () => undefined,
    });
    try {
      expect(server.uiUrl).toBeUndefined();
      const args = await readFile(join(dir, 'starts-0.args'), 'utf8');
      expect(args).toContain('--headless');
      expect(args).not.toContain('--db-filename');
      expect(args).toContain('--dynamic-config-value limit.historyCount.suggestContinueAsNew=40');
    } finally {
      await server.stop();
    }
  });

  it('gives up after three starts, with the server\'s last output in the error', async () => {
    const dbFile = join(dir, 'never.db');
    await expect(start(await flakyCli(3), dbFile)).rejects.toThrow(/exited \(2\) before it was ready; its last output:\n.*panic: listen tcp 127\.0\.0\.1:40002/);
    // The database it was given did not exist before: nothing is left of the failed starts.
    expect(existsSync(dbFile)).toBe(false);
  });
});
