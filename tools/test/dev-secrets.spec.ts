import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@sheaf/test-harness';
import { loadOrCreateDevSecrets } from '../src/stack/dev-secrets';

// The module object the stack's code calls into, so that one write can be made to fail.
const fsPromises = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');

describe("npm start's development secrets", () => {
  let dir: TempDir;
  const file = () => join(dir.path, 'dev-secrets.json');

  beforeEach(async () => {
    dir = await makeTempDir('sheaf-dev-secrets-');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await dir.cleanup();
  });

  it('are made once, readable by their owner only, and read again by later starts', async () => {
    const made = await loadOrCreateDevSecrets(file());
    expect(made).toEqual({ jwtSecret: expect.stringMatching(/^[\w-]{64}$/), encryptionKey: expect.any(String) });
    expect(Buffer.from(made.encryptionKey, 'base64')).toHaveLength(32);
    expect((await stat(file())).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateDevSecrets(file())).toEqual(made);
    expect(await readdir(dir.path)).toEqual(['dev-secrets.json']);
  });

  it('leave no half-written file behind when the write fails (a full disk, a start stopped mid-write): the next start makes them', async () => {
    const writeFile = fsPromises.writeFile;
    jest.spyOn(fsPromises, 'writeFile').mockImplementationOnce(async (path, data, options) => {
      await writeFile(path, String(data).slice(0, 20), options);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    await expect(loadOrCreateDevSecrets(file())).rejects.toThrow('ENOSPC');
    expect(existsSync(file())).toBe(false);
    expect(await readdir(dir.path)).toEqual([]);

    const made = await loadOrCreateDevSecrets(file());
    expect(await loadOrCreateDevSecrets(file())).toEqual(made);
  });
});
