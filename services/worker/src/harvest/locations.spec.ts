import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '@sheaf/crypto';
import type { InstrumentEntity, ServiceAccountEntity, StorageLocationEntity } from '@sheaf/db';
import { digestLocalFiles } from './hash';
import { resolveDestination, resolveSource } from './locations';
import { setFileSystemCallsForTests } from './mounts';

describe("an instrument's source as the worker reads it from the catalogue", () => {
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));
  const account = { name: 'scopes', username: 'svc', domain: 'LAB', passwordSealed: box.seal('pw') } as ServiceAccountEntity;
  const smb = (sourceConfig: Record<string, unknown>) => ({ name: 'krios-1', sourceType: 'smb', sourceConfig }) as InstrumentEntity;

  it('takes a key stored as null (before the API refused null) for unset, as the connection test does, instead of failing every harvest', () => {
    const source = resolveSource(smb({ host: 'scope-pc', share: 'data', port: null }), account, box);
    expect(source.remotes).toEqual([{ name: 'src', type: 'smb', options: { host: 'scope-pc', user: 'svc', pass: expect.any(String), domain: 'LAB' } }]);
  });

  it('still stops at a stored config that breaks a rule, naming the field', () => {
    expect(() => resolveSource(smb({ host: 'scope-pc', port: 445 }), account, box)).toThrow(/^instrument krios-1: its source config share /);
  });

  describe('an rclone connection string, stored sealed (source_config holds ***)', () => {
    const remote = ':sftp,host=scope.lab,user=svc,pass=c2VjcmV0:data/raw';
    const rclone = (sourceConfig: Record<string, unknown>, sourceRemoteSealed: string | null) =>
      ({ name: 'krios-1', sourceType: 'rclone', sourceConfig, sourceRemoteSealed }) as InstrumentEntity;

    it('is opened with the key, and rclone gets the real string', () => {
      const source = resolveSource(rclone({ remote: '***' }, box.seal(remote)), null, box);
      expect(source.remotes).toEqual([{ name: 'src', type: 'sftp', options: { host: 'scope.lab', user: 'svc', pass: 'c2VjcmV0' } }]);
      expect(source.root).toBe('src:data/raw');
    });

    it('is read as it stands where an older release stored it in clear', () => {
      expect(resolveSource(rclone({ remote }, null), null, box).remotes).toEqual(resolveSource(rclone({ remote: '***' }, box.seal(remote)), null, box).remotes);
    });

    it('fails the run, naming the instrument, without a key, with another key, or with nothing sealed', () => {
      expect(() => resolveSource(rclone({ remote: '***' }, box.seal(remote)), null, undefined)).toThrow('the rclone connection string of instrument krios-1 needs SHEAF_ENCRYPTION_KEY to open its secret');
      const other = SecretBox.fromBase64(randomBytes(32).toString('base64'));
      expect(() => resolveSource(rclone({ remote: '***' }, other.seal(remote)), null, box)).toThrow(/^the rclone connection string of instrument krios-1: /);
      expect(() => resolveSource(rclone({ remote: '***' }, null), null, box)).toThrow('the rclone connection string of instrument krios-1 has no secret stored');
    });
  });
});

/**
 * Whether a local folder's files may be read blocking: a hung read on a network or FUSE mount
 * would stop the whole worker's event loop (heartbeats, cancellation, /health). The batch reads
 * blocking only where networkMount is not set (batch.ts).
 */
describe('a local folder the worker reads, by the file system it is on', () => {
  const local = (path: string): InstrumentEntity => ({ name: 'krios-1', sourceType: 'local', sourceConfig: { path } }) as Partial<InstrumentEntity> as InstrumentEntity;
  const storage = (type: string, config: Record<string, unknown>) => ({ name: 'archive', type, config, secretSealed: null }) as StorageLocationEntity;
  /** The system's mount table with one more mount on top. */
  const mounted = (mountPoint: string, type: string) => `${readFileSync('/proc/self/mountinfo', 'utf8')}9999 1 0:999 / ${mountPoint} rw,relatime - ${type} server:/export rw\n`;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sheaf-locations-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => setFileSystemCallsForTests());

  it('a local source on a network or FUSE mount is a network mount; one on the local disk is not', () => {
    expect(resolveSource(local(dir), null, undefined).networkMount).toBeFalsy();
    for (const type of ['nfs4', 'cifs', 'fuse.sshfs']) {
      setFileSystemCallsForTests({ mountinfo: () => mounted(dir, type) });
      expect(resolveSource(local(dir), null, undefined)).toMatchObject({ root: dir, localRoot: dir, networkMount: true });
      expect(resolveSource(local(join(dir, 'raw')), null, undefined).networkMount).toBe(true);
    }
  });

  it('the files of a local source on a network mount are read without stopping the event loop, however long a read hangs', async () => {
    // A file whose open hangs for 1.5 s, as one of a hard NFS mount's whose server stopped answering
    // does: a FIFO, opened for reading, waits for a writer.
    const fifo = join(dir, 'hung.raw');
    execFileSync('mkfifo', [fifo]);
    setFileSystemCallsForTests({ mountinfo: () => mounted(dir, 'nfs4') });
    const source = resolveSource(local(dir), null, undefined);
    const writer = spawn('sh', ['-c', `sleep 1.5; : > '${fifo}'`]);
    let last = Date.now();
    let longestStop = 0;
    const ticking = setInterval(() => {
      longestStop = Math.max(longestStop, Date.now() - last);
      last = Date.now();
    }, 10);
    try {
      // As batch.ts hashes a local folder.
      const digests = await digestLocalFiles(dir, ['hung.raw'], { blockingReads: !source.networkMount });
      longestStop = Math.max(longestStop, Date.now() - last);
      expect([...digests.keys()]).toEqual(['hung.raw']);
    } finally {
      clearInterval(ticking);
      writer.kill();
      await rm(fifo, { force: true });
    }
    // Read blocking, the event loop stood still for the whole 1.5 s (1510 ms before local sources were looked at).
    expect(longestStop).toBeLessThan(500);
  });

  it('a POSIX storage location on a share is one too; an NFS one is without looking; S3 has no local folder', () => {
    expect(resolveDestination(storage('posix', { path: dir }), 'dst0', undefined).networkMount).toBeFalsy();
    setFileSystemCallsForTests({ mountinfo: () => mounted(dir, 'cifs') });
    expect(resolveDestination(storage('posix', { path: dir }), 'dst0', undefined)).toMatchObject({ localRoot: dir, networkMount: true });
    const asked = jest.fn(() => mounted(dir, 'ext4'));
    setFileSystemCallsForTests({ mountinfo: asked });
    expect(resolveDestination(storage('nfs', { path: dir }), 'dst0', undefined).networkMount).toBe(true);
    const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));
    const s3 = { ...storage('s3', { bucket: 'b', accessKeyId: 'k' }), secretSealed: box.seal('s') } as StorageLocationEntity;
    expect(resolveDestination(s3, 'dst0', box).networkMount).toBeUndefined();
    expect(asked).not.toHaveBeenCalled();
  });

  it('a folder whose file system cannot be told is read as a network mount', () => {
    setFileSystemCallsForTests({
      mountinfo: () => {
        throw new Error('EACCES: permission denied');
      },
    });
    expect(resolveSource(local(dir), null, undefined).networkMount).toBe(true);
  });
});
