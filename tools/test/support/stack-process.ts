import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

/** Ctrl-C, then its exit code. */
export async function stopStack(stack: RunningStack): Promise<number | null> {
  stack.child.kill('SIGINT');
  return stack.exited;
}
