import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RcClient } from './rc';

describe('RcClient.ready', () => {
  let dir: string;
  let server: Server | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rc-client-test-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A socket file no one listens on, as between a daemon's bind and its listen: a killed listener leaves one. */
  async function socketNoOneListensOn(socket: string): Promise<void> {
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`]);
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    await stat(socket);
  }

  it('waits until someone listens on the socket, not only until its file is there', async () => {
    const socket = join(dir, 'rc.sock');
    await socketNoOneListensOn(socket);
    const client = new RcClient(socket, 1);
    let listening = false;
    const ready = client.ready(() => false).then(() => listening);

    await sleep(200);
    await unlink(socket);
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
    listening = true;

    expect(await ready).toBe(true);
    await expect(client.call('rc/noop', {})).resolves.toEqual({ ok: true });
    client.close();
  });

  it('gives up when the daemon is gone before it listened', async () => {
    const client = new RcClient(join(dir, 'never.sock'), 1);
    await expect(client.ready(() => true)).rejects.toThrow('rclone rcd exited before it listened');
    client.close();
  });
});
