import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { applyAnswer, excerpt, holdAll, MAX_ANSWER_BYTES, parseAnswer, requestBody, type BatchOutcome } from './external';
import { COMMAND_TIMEOUT_MS, type CommandHookConfig } from './schemas';
import type { HookConfigRow, HookContext, HookFile, HookPhase } from './types';

/**
 * Seconds past its timeout after which coreutils timeout(1) kills a hook's process group. The
 * worker kills a hook at its timeout itself; this backstop only acts when the worker cannot (it
 * was SIGKILLed, or ran out of memory), so that no hung hook outlives it for long.
 */
const BACKSTOP_GRACE_S = 5;
/** What timeout(1) says when it could not start the program (exit 126: not executable, 127: not found). */
const BACKSTOP_EXEC_FAILED = /^timeout: (failed to run command [^\n]*)/;

/** Variables a hook program inherits from the worker; everything else (database URL, keys) stays out. */
const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
const STDERR_TAIL_BYTES = 4096;

type Ending =
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }
  | { kind: 'spawn-error'; message: string }
  | { kind: 'timeout' }
  | { kind: 'too-much-output' };

function commandEnv(hook: HookConfigRow, phase: HookPhase, ctx: HookContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of PASSED_ENV) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, SHEAF_RUN_ID: ctx.runId, SHEAF_INSTRUMENT_ID: ctx.instrument.id, SHEAF_HOOK_ID: hook.id, SHEAF_HOOK_PHASE: phase };
}

/**
 * Runs the program in its own process group under timeout(1) (see BACKSTOP_GRACE_S), feeding
 * `input`; resolves when it and its pipes are done.
 */
function execute(argv: readonly string[], input: string, env: NodeJS.ProcessEnv, timeoutMs: number, signal: AbortSignal | undefined): Promise<Ending> {
  return new Promise((resolve, reject) => {
    const backstop = `${Math.ceil(timeoutMs / 1000) + BACKSTOP_GRACE_S}s`;
    const child = spawn('timeout', ['--signal=KILL', backstop, ...argv], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env, windowsHide: true });
    let stopped: Ending | 'aborted' | undefined;
    let settled = false;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);

    // The program and anything it started: a timed-out hook leaves nothing running.
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const stop = (why: Ending | 'aborted') => {
      stopped ??= why;
      killGroup();
      // The output no longer matters, and a descendant that left the group may still hold the pipes.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const onAbort = () => stop('aborted');
    const timer = setTimeout(() => stop({ kind: 'timeout' }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const settle = (ending: Ending) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (stopped === 'aborted') reject(signal?.reason);
      else resolve(stopped ?? ending);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_ANSWER_BYTES) stop({ kind: 'too-much-output' });
      else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES);
    });
    // A program that does not read its input closes the pipe early; its exit status still counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);

    child.on('error', (error) => {
      // timeout(1) itself could not start: there is no process and 'close' may never come.
      if (child.pid === undefined) settle({ kind: 'spawn-error', message: `timeout(1) from coreutils is needed to run command hooks: ${error.message}` });
    });
    // Descendants may still hold the pipes open; they go with the program.
    child.on('exit', killGroup);
    child.on('close', (code: number | null, exitSignal: NodeJS.Signals | null) => {
      const said = stderr.toString('utf8');
      const execFailed = (code === 126 || code === 127) && BACKSTOP_EXEC_FAILED.exec(said);
      if (execFailed) settle({ kind: 'spawn-error', message: execFailed[1] });
      else settle({ kind: 'exit', code, signal: exitSignal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: said });
    });
  });
}

/**
 * Runs a command hook: the batch as JSON on stdin, the answer as JSON on stdout. Fails closed: a
 * program that cannot start, exits non-zero, times out or prints garbage holds every file.
 * Cancellation through `ctx.signal` kills it and rejects with the signal's reason.
 */
export async function runCommand(hook: HookConfigRow, config: CommandHookConfig, phase: HookPhase, files: HookFile[], ctx: HookContext): Promise<BatchOutcome> {
  const program = basename(config.command[0]);
  const timeoutMs = config.timeoutMs ?? COMMAND_TIMEOUT_MS.default;
  const ending = await execute(config.command, requestBody(phase, files, ctx), commandEnv(hook, phase, ctx), timeoutMs, ctx.signal);
  switch (ending.kind) {
    case 'spawn-error':
      return holdAll(files, `command ${program} could not be started: ${ending.message}`);
    case 'timeout':
      return holdAll(files, `command ${program} did not finish within ${timeoutMs} ms and was killed`);
    case 'too-much-output':
      return holdAll(files, `command ${program} wrote more than ${MAX_ANSWER_BYTES} bytes to stdout and was killed`);
    case 'exit': {
      const said = ending.stderr.trim() === '' ? '' : `: ${excerpt(ending.stderr.slice(-200))}`;
      if (ending.signal) return holdAll(files, `command ${program} was killed by ${ending.signal}${said}`);
      if (ending.code !== 0) return holdAll(files, `command ${program} exited with code ${ending.code}${said}`);
      const parsed = parseAnswer(ending.stdout);
      if (!parsed.ok) return holdAll(files, `command ${program} printed output that is not JSON: ${excerpt(ending.stdout)}`);
      return applyAnswer(`command ${program}`, parsed.value, files);
    }
  }
}
