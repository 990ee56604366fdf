import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SpawnServiceOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user and group (e.g. PostgreSQL, which refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Signal that asks the service to stop; SIGKILL follows after the grace period. */
  stopSignal?: NodeJS.Signals;
  /** Receives each output line, already prefixed with the service name. */
  log: (line: string) => void;
}

export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<string>;
  /** The stop signal (SIGTERM by default) to the whole process group, SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Every service group still running, with the signal that stops it. The groups are detached (a
 * terminal's Ctrl-C does not reach them), so when this process exits without stopping them (a
 * Ctrl-C while PostgreSQL was still starting, a crash) they are signalled here, synchronously,
 * instead of holding their ports and data folders until someone kills them by hand.
 */
const liveGroups = new Map<number, NodeJS.Signals>();
let stopsOnExit = false;

function stopGroupsOnExit(): void {
  if (stopsOnExit) return;
  stopsOnExit = true;
  process.on('exit', () => {
    for (const [pid, signal] of liveGroups) {
      try {
        process.kill(-pid, signal);
      } catch {
        // The group is already gone.
      }
    }
  });
}

/**
 * Starts a long-running child in its own process group, so stopping it also stops whatever it
 * started (rclone under a worker, node under next). It does not outlive this process.
 */
export function spawnService(options: SpawnServiceOptions): Service {
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: options.env,
    uid: options.uid,
    gid: options.gid,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
  const pid = child.pid;
  stopGroupsOnExit();
  liveGroups.set(pid, options.stopSignal ?? 'SIGTERM');
  const forward = (stream: NodeJS.ReadableStream | null) => {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) options.log(`[${options.name}] ${line}`);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      liveGroups.delete(pid);
      resolve(signal ?? String(code));
    });
    child.on('error', (err) => {
      running = false;
      liveGroups.delete(pid);
      resolve(`error: ${err.message}`);
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  return {
    name: options.name,
    pid,
    exited,
    async stop(graceMs = 10_000) {
      if (!running) return;
      signalGroup(options.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Children that outlived their leader still belong to the group.
      signalGroup('SIGKILL');
    },
  };
}

/** Polls until something accepts TCP connections on host:port, or until `signal` gives up on it. */
export async function waitForPort(host: string, port: number, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not open ${host}:${port} within ${timeoutMs / 1000} s`);
    await sleep(200, undefined, { signal });
  }
}

/**
 * Waits until `url` answers 200 with a body `expected` accepts: an open port alone may be another
 * program's (a port chosen free can be taken before the service binds it, and the service then
 * fails while the other program answers). Fails with what answered instead after `timeoutMs`.
 */
export async function waitForAnswer(url: string, timeoutMs: number, what: string, expected: (body: string) => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = await response.text();
      if (response.ok && expected(body)) return;
      last = `${response.status}: ${body.slice(0, 200)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url} within ${timeoutMs / 1000} s (last: ${last})`);
    await sleep(200);
  }
}
