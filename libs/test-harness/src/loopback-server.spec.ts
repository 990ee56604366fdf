import { createServer } from 'node:net';
import { spawnService } from '@sheaf/local-infra';
import { onFreePort, serving } from './loopback-server';

describe('test servers on free loopback ports', () => {
  /** A server that prints `line` and exits, as one does whose port was taken. */
  const failingServer = (line: string, tail: string[]) =>
    spawnService({ name: 'failing', command: process.execPath, args: ['-e', `console.log(${JSON.stringify(line)}); process.exit(1)`], log: (l) => tail.push(l) });

  it('fails at once with the output of a server that exits before it serves, and stops probing it', async () => {
    const tail: string[] = [];
    // Another program holds the port: it is open, the probe fails, and the server exits.
    const holder = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    const port = (holder.address() as { port: number }).port;
    let probes = 0;
    const started = Date.now();
    try {
      await expect(
        serving('the server', failingServer('listen tcp: bind: address already in use', tail), port, tail, async () => {
          probes++;
          throw new Error('not this server');
        }),
      ).rejects.toThrow(/^the server exited \(1\) before it was ready:\n.*address already in use/);
      expect(Date.now() - started).toBeLessThan(10_000);
      const probed = probes;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(probes).toBe(probed);
    } finally {
      holder.close();
    }
  });

  it('starts again on another port when the port was taken, three times at most; other failures end it at once', async () => {
    const ports: number[] = [];
    const taken = () => Promise.reject(new Error('smbd exited (1) before it was ready:\nbind failed: Address already in use'));
    await expect(
      onFreePort((port) => {
        ports.push(port);
        return taken();
      }),
    ).rejects.toThrow(/Address already in use/);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(3);

    let starts = 0;
    await expect(
      onFreePort(() => {
        starts++;
        return Promise.reject(new Error('bad password'));
      }),
    ).rejects.toThrow('bad password');
    expect(starts).toBe(1);
    await expect(onFreePort(async (port, attempt) => (attempt < 2 ? taken() : port))).resolves.toEqual(expect.any(Number));
  });
});
