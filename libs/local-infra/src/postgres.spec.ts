import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from './postgres';

describe('startEmbeddedPostgres', () => {
  it("says why PostgreSQL could not start in its own error, even when its log lines are not shown (npm start's are not)", async () => {
    // Something else holds the port: it accepts connections and never answers them.
    const sockets = new Set<Socket>();
    const taken = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const { port } = taken.address() as { port: number };
    const parent = await mkdtemp(join(tmpdir(), 'sheaf-pg-spec-'));
    // As root, PostgreSQL runs as 'postgres', which must be able to enter the data folder's parent.
    await chmod(parent, 0o755);
    try {
      await expect(startEmbeddedPostgres({ dataDir: join(parent, 'data'), port, persistent: false, database: 'probe', log: () => undefined })).rejects.toThrow(
        /PostgreSQL exited \(\d+\) during start-up:[\s\S]*(could not bind|Address already in use)/,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => taken.close(r));
      await rm(parent, { recursive: true, force: true });
    }
  });
});
