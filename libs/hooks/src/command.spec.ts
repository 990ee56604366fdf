import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHooks, type HookConfigRow, type HookContext, type HookFile, type HookPhase } from './index';

const ctx: HookContext = { instrument: { id: 'inst-1', name: 'Krios' }, runId: 'run-1' };

function file(id: string): HookFile {
  return { fileVersionId: id, path: `data/${id}.tif`, size: 42, mtime: '2025-01-01T00:00:00.000Z', destinationPath: `data/${id}.tif`, metadata: {}, access: { groups: [], projects: [] } };
}

/** A command hook running `script` with this Node, no shell. */
function nodeHook(script: string, options: { phase?: HookPhase; timeoutMs?: number; args?: string[] } = {}): HookConfigRow {
  return {
    id: 'cmd-1',
    phase: options.phase ?? 'pre',
    kind: 'command',
    priority: 0,
    enabled: true,
    config: { command: [process.execPath, '-e', script, ...(options.args ?? [])], ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
  };
}

/** Alive and not a zombie waiting to be reaped. */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number, withinMs = 5_000): Promise<boolean> {
  for (let i = 0; i < withinMs / 100; i++) {
    if (!(await isRunning(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Starts a grandchild that sleeps forever, writes its pid to argv[1], then sleeps too. */
const SPAWN_SLEEPER_AND_HANG = `
  const { spawn } = require('node:child_process');
  const sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  require('node:fs').writeFileSync(process.argv[1], String(sleeper.pid));
  setInterval(() => {}, 1000);
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sheaf-hooks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('command hook', () => {
  it('feeds the batch on stdin and applies the decisions and metadata it prints', async () => {
    process.env.SHEAF_TEST_WORKER_SECRET = 'must-not-leak';
    const script = `
      let input = '';
      process.stdin.on('data', (chunk) => (input += chunk));
      process.stdin.on('end', () => {
        const batch = JSON.parse(input);
        const [first, ...rest] = batch.files;
        process.stdout.write(JSON.stringify({
          decisions: { [first.fileVersionId]: { action: 'skip', reason: 'seen ' + first.path + ' in ' + batch.runId } },
          metadata: Object.fromEntries(rest.map((f) => [f.fileVersionId, {
            hook: process.env.SHEAF_HOOK_ID + '/' + process.env.SHEAF_HOOK_PHASE,
            leaked: process.env.SHEAF_TEST_WORKER_SECRET ?? 'no',
          }])),
        }));
      });
    `;
    try {
      const result = await runHooks('pre', [nodeHook(script)], [file('a'), file('b')], ctx);
      expect(Object.fromEntries(result.decisions)).toEqual({ a: { action: 'skip', reason: 'seen data/a.tif in run-1' }, b: { action: 'accept' } });
      expect(result.files[1].metadata).toEqual({ hook: 'cmd-1/pre', leaked: 'no' });
    } finally {
      delete process.env.SHEAF_TEST_WORKER_SECRET;
    }
  });

  it('accepts the files when the program exits 0 and prints nothing', async () => {
    const result = await runHooks('post', [nodeHook('process.stdin.resume()', { phase: 'post' })], [file('a')], ctx);
    expect(result.decisions.get('a')).toEqual({ action: 'accept' });
  });

  it('holds every file when the program exits non-zero, quoting its stderr', async () => {
    const result = await runHooks('pre', [nodeHook('console.error("checksum service down"); process.exit(3)')], [file('a'), file('b')], ctx);
    const held = { action: 'hold', reason: expect.stringMatching(/^command node exited with code 3: checksum service down$/) };
    expect(result.decisions).toEqual(new Map([['a', held], ['b', held]]));
  });

  it('holds every file when the program prints something that is not JSON', async () => {
    const result = await runHooks('pre', [nodeHook('process.stdout.write("all good!")')], [file('a')], ctx);
    expect(result.decisions.get('a')).toEqual({ action: 'hold', reason: 'command node printed output that is not JSON: all good!' });
  });

  it('holds every file when the program cannot be started', async () => {
    const hook: HookConfigRow = { ...nodeHook(''), config: { command: [join(dir, 'no-such-program')] } };
    const result = await runHooks('pre', [hook], [file('a')], ctx);
    expect(result.decisions.get('a')).toEqual({
      action: 'hold',
      reason: expect.stringMatching(/^command no-such-program could not be started: failed to run command .*no-such-program.*: No such file or directory$/),
    });
  });

  it('holds every file on timeout and kills the program with everything it started', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const started = Date.now();
    const result = await runHooks('pre', [nodeHook(SPAWN_SLEEPER_AND_HANG, { timeoutMs: 1_000, args: [pidFile] })], [file('a')], ctx);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.decisions.get('a')).toEqual({ action: 'hold', reason: 'command node did not finish within 1000 ms and was killed' });
    expect(await waitUntilGone(Number(await readFile(pidFile, 'utf8')))).toBe(true);
  });

  it('kills a hung program soon after its timeout even when the worker running it was killed', async () => {
    const pidFile = join(dir, 'orphan.pid');
    const hook = { ...nodeHook(''), config: { command: ['/bin/sh', '-c', `echo $$ > '${pidFile}'; exec sleep 120`], timeoutMs: 1_000 } };
    // A worker of its own (compiled hooks), SIGKILLed while its hook hangs: it cannot kill the hook.
    const worker = spawn(
      process.execPath,
      ['-e', `require(${JSON.stringify(join(__dirname, '../dist/index.js'))}).runHooks('pre', [${JSON.stringify(hook)}], [${JSON.stringify(file('a'))}], ${JSON.stringify(ctx)})`],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await readFile(pidFile, 'utf8').catch(() => '')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    worker.kill('SIGKILL');
    const hung = Number(await readFile(pidFile, 'utf8'));
    try {
      expect(await isRunning(hung)).toBe(true);
      // The worker would have killed it at 1 s; timeout(1) does at 1 s + 5 s.
      expect(await waitUntilGone(hung, 15_000)).toBe(true);
    } finally {
      if (await isRunning(hung)) process.kill(hung, 'SIGKILL');
    }
  });

  it('kills the program when the run is cancelled and rejects with the cancellation', async () => {
    const pidFile = join(dir, 'cancel.pid');
    const controller = new AbortController();
    const run = runHooks('pre', [nodeHook(SPAWN_SLEEPER_AND_HANG, { args: [pidFile] })], [file('a')], { ...ctx, signal: controller.signal });
    // Cancel once the program is up (it has written its grandchild's pid).
    for (let i = 0; i < 100 && !(await readFile(pidFile, 'utf8').catch(() => '')); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('harvest cancelled'));
    await expect(run).rejects.toThrow('harvest cancelled');
    expect(await waitUntilGone(Number(await readFile(pidFile, 'utf8')))).toBe(true);
  });
});
