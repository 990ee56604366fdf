import { Client, Connection } from '@temporalio/client';
import { chmod, readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { makeTempDir, type TempDir } from '@sheaf/test-harness';
import { startStackOnFreePorts, stopStack } from './support/stack-process';

async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) out.set(relative(root, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name)));
  }
  return out;
}

async function portOpen(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );
}

describe('the start command (npm start)', () => {
  let dir: TempDir;
  let env: NodeJS.ProcessEnv;
  const password = 'stack-test-password';

  beforeAll(async () => {
    dir = await makeTempDir('sheaf-stack-');
    // As root, PostgreSQL runs as 'postgres', which must be able to enter the data folder.
    await chmod(dir.path, 0o755);
    env = { SHEAF_DATA_DIR: dir.path, SHEAF_ADMIN_PASSWORD: password, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
  });

  afterAll(() => dir?.cleanup());

  it('brings everything up, harvests the demo instrument, stops cleanly on Ctrl-C, and reuses its data on a second start, which a closed terminal (SIGHUP) stops as cleanly', async () => {
    const { stack: first, ports } = await startStackOnFreePorts(env);
    try {
      const api = `http://127.0.0.1:${ports.API_PORT}`;
      // Printed once, by the start that made the account. When a port was taken meanwhile and the
      // stack started again on others (onFreePort), the first try made it: this one says so.
      expect(first.output()).toMatch(new RegExp(`Admin login   admin@sheaf\\.local (/ ${password}|\\(password as first printed)`));

      const ready = await fetch(`${api}/ready`);
      expect(ready.status).toBe(200);
      const login = await fetch(`${api}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@sheaf.local', password }),
      });
      expect(login.status).toBe(200);
      expect((await fetch(`${api}/api/docs`)).status).toBe(200);
      const portal = await fetch(`http://127.0.0.1:${ports.WEB_PORT}/login`);
      expect(portal.status).toBe(200);
      expect(await portal.text()).toContain('Sign in');

      // The demo harvest is a real workflow; the UI lists it.
      const workflowId = /Demo harvest {2}\S+\/workflows\/(\S+)/.exec(first.output())?.[1];
      expect(workflowId).toMatch(/^harvest-demo-instrument-/);
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.TEMPORAL_PORT}` });
      try {
        const result = await new Client({ connection }).workflow.getHandle(workflowId!).result();
        expect(result).toMatchObject({ status: 'succeeded', filesFailed: 0 });
        expect(result.filesDone).toBeGreaterThan(30);
      } finally {
        await connection.close();
      }
      const ui = await fetch(
        `http://127.0.0.1:${ports.TEMPORAL_UI_PORT}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`,
      );
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain(workflowId);

      const source = await files(join(dir.path, 'demo-instrument'));
      const landed = await files(join(dir.path, 'storage', 'demo-instrument'));
      expect([...landed.keys()].sort()).toEqual([...source.keys()].sort());
      for (const [path, content] of source) expect(landed.get(path)?.equals(content)).toBe(true);
    } finally {
      expect(await stopStack(first)).toBe(0);
    }
    expect(first.output()).toContain('stopped PostgreSQL');
    for (const port of [ports.API_PORT, ports.WEB_PORT, ports.TEMPORAL_UI_PORT]) expect(await portOpen(port)).toBe(false);

    // On other ports: it is the data folder that is used again.
    const { stack: second, ports: secondPorts } = await startStackOnFreePorts(env);
    try {
      expect(second.output()).toContain('database schema up to date');
      // The password is printed only when the account is created.
      expect(second.output()).not.toContain(password);
      const login = await fetch(`http://127.0.0.1:${secondPorts.API_PORT}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'admin@sheaf.local', password }),
      });
      expect(login.status).toBe(200);
    } finally {
      // The terminal closed (or ssh dropped): the services, detached from it, must not outlive it.
      expect(await stopStack(second, 'SIGHUP')).toBe(0);
    }
    expect(second.output()).toContain('stopped PostgreSQL');
    for (const port of [secondPorts.API_PORT, secondPorts.WEB_PORT, secondPorts.TEMPORAL_UI_PORT]) expect(await portOpen(port)).toBe(false);
  }, 300_000);
});
