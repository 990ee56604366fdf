import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, onFreePort } from '@sheaf/test-harness';
import { REPO_ROOT } from '../../src/repo-root';

const STACK = join(REPO_ROOT, 'tools/dist/stack/main.js');
const START_TIMEOUT_MS = 120_000;

/** `npm start`'s program, running. */
export interface RunningStack {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `npm start`'s program with `env` over this process's environment and waits for its "running" banner. */
export async function startStack(env: NodeJS.ProcessEnv): Promise<RunningStack> {
  if (!existsSync(STACK)) throw new Error(`${STACK} is missing: run 'npm run bootstrap' (it builds the stack) first`);
  const child = spawn(process.execPath, [STACK], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!output.includes('Press Ctrl-C to stop.')) {
    if (child.exitCode !== null) throw new Error(`the stack exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGINT');
      throw new Error(`the stack did not come up within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => output, exited };
}

export type StackPorts = Record<'PG_PORT' | 'TEMPORAL_PORT' | 'TEMPORAL_UI_PORT' | 'API_PORT' | 'WEB_PORT', number>;

/**
 * startStack on free ports (given to it in its environment), and those ports. Another program
 * (another suite's Temporal server binds random ports) can take one between freePort() and the
 * stack's bind: then again, on other ports (onFreePort).
 */
export async function startStackOnFreePorts(env: NodeJS.ProcessEnv): Promise<{ stack: RunningStack; ports: StackPorts }> {
  return onFreePort(async (pgPort) => {
    const ports: StackPorts = { PG_PORT: pgPort, TEMPORAL_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort(), API_PORT: await freePort(), WEB_PORT: await freePort() };
    const stack = await startStack({ ...env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) });
    return { stack, ports };
  });
}

/** Ctrl-C (or `signal`: SIGHUP for a closed terminal), then its exit code. */
export async function stopStack(stack: RunningStack, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  stack.child.kill(signal);
  return stack.exited;
}
