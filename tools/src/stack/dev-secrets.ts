import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** Development-only secrets, generated on first start and kept under .data/ (mode 0600). */
export interface DevSecrets {
  jwtSecret: string;
  /** 32 random bytes, base64: the key for secrets at rest. */
  encryptionKey: string;
}

export async function loadOrCreateDevSecrets(file: string): Promise<DevSecrets> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as DevSecrets;
  const secrets: DevSecrets = {
    jwtSecret: randomBytes(48).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
  // Written beside, then renamed into place: a start stopped mid-write (Ctrl-C, a full disk)
  // leaves no truncated file that every later start would fail to read.
  const partial = `${file}.${process.pid}.partial`;
  try {
    await rm(partial, { force: true });
    await writeFile(partial, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return secrets;
}
