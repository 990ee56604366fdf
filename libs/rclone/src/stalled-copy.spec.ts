import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rclone, RcloneStalledError } from './rclone';

/**
 * A copy whose rclone makes no progress (a destination on a hung NFS mount: its writes never
 * return) goes on logging its unchanged stats every 2 s; a batch heartbeating meanwhile held its
 * files until the activity's 12-hour limit. Stopped after the stall limit instead, and only then:
 * a copy that moves bytes goes on however long it takes.
 */
describe('Rclone copyFiles that makes no progress', () => {
  let dir: string;
  /** A stand-in for rclone: prints a stats line every 0.1 s (bytes growing by `step`), for `seconds`, then exits 0; writes its pid. */
  const fakeRclone = async (name: string, step: number, seconds: number) => {
    const script = join(dir, name);
    const stats = (n: string) => `'{"level":"notice","msg":"stats","stats":{"bytes":'${n}',"transfers":0,"checks":0,"errors":0}}'`;
    await writeFile(
      script,
      `#!/bin/sh\necho $$ > '${join(dir, `${name}.pid`)}'\ncat > /dev/null\ni=0\nwhile [ $i -lt ${seconds * 10} ]; do echo ${stats(`$((i * ${step}))`)} >&2; sleep 0.1; i=$((i + 1)); done\nexit 0\n`,
    );
    await chmod(script, 0o755);
    return new Rclone(script);
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

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rclone-stalled-test-'));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('goes on while bytes move, past the stall limit', async () => {
    const moving = await fakeRclone('moving', 4096, 3);
    const bytes: number[] = [];
    await moving.copyFiles('/nowhere', '/slow-link', ['a.raw'], { stallLimitMs: 1_000, onProgress: (n) => bytes.push(n) });
    expect(bytes.at(-1)).toBeGreaterThan(100_000);
  }, 20_000);

  it('is cancelled, not stalled, when its caller cancels', async () => {
    const stuck = await fakeRclone('cancelled', 0, 60);
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 300);
    const error = await stuck.copyFiles('/nowhere', '/hung-mount', ['a.raw'], { stallLimitMs: 60_000, signal: cancel.signal }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).not.toBeInstanceOf(RcloneStalledError);
    expect((error as Error).message).toContain('cancelled');
  }, 20_000);

  /**
   * A stand-in for `rclone rcd`: answers core/stats (bytes growing by `step` per look) and answers
   * each job/batch after `answerAfterMs` (never when negative); writes its pid.
   */
  const fakeRcd = async (name: string, step: number, answerAfterMs: number) => {
    const script = join(dir, name);
    await writeFile(
      script,
      `#!/usr/bin/env node
const http = require('node:http');
require('node:fs').writeFileSync(${JSON.stringify(join(dir, `${name}.pid`))}, String(process.pid));
const socket = process.argv[process.argv.indexOf('--rc-addr') + 1];
let bytes = 0;
http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (req.url === '/core/stats') return res.end(JSON.stringify({ bytes: (bytes += ${step}), transfers: 0, checks: 0, errors: 0 }));
    if (req.url === '/job/batch' && ${answerAfterMs} >= 0) {
      const { inputs } = JSON.parse(body);
      return setTimeout(() => res.end(JSON.stringify({ results: inputs.map(() => ({})) })), ${answerAfterMs});
    }
  });
}).listen(socket);
`,
    );
    await chmod(script, 0o755);
    return new Rclone(script);
  };
  const copies = [{ from: 'a.raw', to: 'renamed/a.raw' }];

  it.each([
    ['copy', 'copyFiles', () => fakeRclone('stuck', 0, 60), 'stuck', (r: Rclone) => r.copyFiles('/nowhere', '/hung-mount', ['a.raw'], { stallLimitMs: 1_000 })],
    ['copyfile', 'copyEach (rcd)', () => fakeRcd('stuck-rcd', 0, -1), 'stuck-rcd', (r: Rclone) => r.copyEach('/nowhere', '/hung-mount', copies, { stallLimitMs: 1_000 })],
  ])('rclone %s (%s) is stopped once its counts have not changed for the stall limit, and says so', async (command, _method, fake, name, copy) => {
    const stuck = await fake();
    const started = Date.now();
    const error = await copy(stuck).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RcloneStalledError);
    expect((error as Error).message).toBe(`rclone ${command} made no progress for 1 s (a hung mount or server?): stopped`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await running(name)).toBe(false);
  }, 20_000);

  it('copyEach goes on while its stats move, past the stall limit', async () => {
    const moving = await fakeRcd('moving-rcd', 4096, 2_500);
    expect(await moving.copyEach('/nowhere', '/slow-link', copies, { stallLimitMs: 1_000 })).toEqual([{ outcome: 'copied', durationMs: expect.any(Number) }]);
  }, 20_000);
});
