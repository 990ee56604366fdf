import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { spawnService, waitForPort } from './process';

/** Running, as opposed to gone or a zombie waiting for a reaper (an orphan here may have none). */
function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('spawnService', () => {
  it('stops the whole process group, including what the service started', async () => {
    const lines: string[] = [];
    // The shell starts a grandchild and reports its pid, then waits.
    const service = spawnService({
      name: 'probe',
      command: 'sh',
      args: ['-c', 'sleep 300 & echo "child $!"; wait'],
      log: (line) => lines.push(line),
    });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (lines.length) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const grandchild = Number(/child (\d+)/.exec(lines[0])?.[1]);
    expect(lines[0]).toMatch(/^\[probe\] child \d+$/);
    expect(alive(grandchild)).toBe(true);

    await service.stop(2_000);

    expect(alive(service.pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(grandchild)).toBe(false);
  });

  it('does not outlive the process that started it when that process exits without stopping it', async () => {
    // A process that starts a service and exits at once, as `npm start` does on a Ctrl-C while PostgreSQL is still starting.
    const script = `
      const { spawnService } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'process.js'))});
      const service = spawnService({ name: 'left', command: 'sleep', args: ['300'], log: () => {} });
      console.log(service.pid);
      process.exit(0);`;
    const pid = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim());
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(pid)).toBe(false);
  });
});

describe('waitForPort', () => {
  it('resolves once the port accepts connections and fails with a clear message otherwise', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    await expect(waitForPort('127.0.0.1', port, 1_000, 'probe')).resolves.toBeUndefined();
    await new Promise((r) => server.close(r));
    await expect(waitForPort('127.0.0.1', port, 500, 'probe')).rejects.toThrow(`probe did not open 127.0.0.1:${port} within 0.5 s`);
  });
});
