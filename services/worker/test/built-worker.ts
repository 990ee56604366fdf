import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnService, type Service } from '@sheaf/local-infra';

const WORKER = join(resolve(__dirname, '..', '..', '..'), 'services/worker/dist/main.js');

/** Fails a suite that needs the built worker, with how to build it. */
export function requireBuiltWorker(): void {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run 'npm run bootstrap' (it builds the worker) first`);
}

/**
 * The built worker (`services/worker/dist/main.js`) as operators run it, in a process group of
 * its own, with only the environment given (and PATH and HOME); each output line goes to `log`.
 */
export function spawnBuiltWorker(name: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Service {
  return spawnService({ name, command: process.execPath, args: [WORKER], env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, log });
}
