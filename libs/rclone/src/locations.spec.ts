import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@sheaf/toolchain';
import { connectionRemote, LocationConfigError, sourceLocation, storageLocation } from './locations';
import { Rclone } from './rclone';

describe('rclone connection strings as remotes of their own', () => {
  it('takes the backend, the options and the path apart', () => {
    expect(connectionRemote(':sftp,host=scope.lab,port=2222,user=lab,pass=y-JIlTO0gIpRk:data/run 1', 'src', 'x')).toEqual({
      remote: { name: 'src', type: 'sftp', options: { host: 'scope.lab', port: '2222', user: 'lab', pass: 'y-JIlTO0gIpRk' } },
      path: 'data/run 1',
    });
  });

  it('reads quoted values holding colons and commas, doubled quotes, options without a value, and dashes in names', () => {
    expect(connectionRemote(`:s3,endpoint="http://127.0.0.1:9000",note='it''s, fine',force-path-style:bucket/raw`, 'src', 'x')).toEqual({
      remote: { name: 'src', type: 's3', options: { endpoint: 'http://127.0.0.1:9000', note: "it's, fine", force_path_style: 'true' } },
      path: 'bucket/raw',
    });
  });

  it('leaves named remotes and local paths alone', () => {
    expect(connectionRemote('archive:folder', 'src', 'x')).toBeUndefined();
    expect(connectionRemote('/data/instrument', 'src', 'x')).toBeUndefined();
  });

  it('refuses a malformed one, naming the instrument', () => {
    expect(() => connectionRemote(':sftp,host="scope:data', 'src', 'instrument scope')).toThrow(
      new LocationConfigError('instrument scope: the rclone connection string has an unterminated " quote'),
    );
    expect(() => connectionRemote(':sftp,=x:data', 'src', 'instrument scope')).toThrow(/option without a name/);
    expect(() => connectionRemote(':sftp,host=a', 'src', 'instrument scope')).toThrow(/needs ':' before its path/);
  });

  it('gives an instrument source whose root names no option, and that real rclone reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rclone-connection-'));
    try {
      await writeFile(join(dir, 'a.txt'), 'hello');
      const source = sourceLocation({ name: 'scope', type: 'rclone', config: { remote: `:local,copy_links,case_sensitive=true:${dir}` } }, null);
      expect(source.root).toBe(`src:${dir}`);
      expect(source.remotes).toEqual([{ name: 'src', type: 'local', options: { copy_links: 'true', case_sensitive: 'true' } }]);
      const found = await new Rclone(requireTool('rclone', process.env), source.remotes).stat(source.root, ['a.txt']);
      expect(found.get('a.txt')).toMatchObject({ Size: 5 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('SMB remotes', () => {
  const account = { name: 'scopes', username: 'svc', domain: 'LAB', password: () => 'pw' };
  const storage = (config: Record<string, unknown>) => storageLocation({ name: 'nas', type: 'smb', config }, 'dst0', () => 'pw');
  const source = (config: Record<string, unknown>) => sourceLocation({ name: 'scope', type: 'smb', config }, account);

  it('gives rclone no port for a null one stored before the API refused it (rclone dialled "null", port 9)', () => {
    expect(source({ host: 'scope-pc', share: 'data', port: null }).remotes).toEqual([
      { name: 'src', type: 'smb', options: { host: 'scope-pc', user: 'svc', pass: expect.any(String), domain: 'LAB' } },
    ]);
    expect(storage({ host: 'nas', share: 'data', user: 'svc', port: null, path: null, domain: null })).toEqual({
      root: 'dst0:data',
      remotes: [{ name: 'dst0', type: 'smb', options: { host: 'nas', user: 'svc', pass: expect.any(String), domain: 'WORKGROUP' } }],
    });
  });

  it('gives rclone a port that is set', () => {
    expect(source({ host: 'scope-pc', share: 'data', port: 1445 }).remotes[0]?.options).toMatchObject({ port: '1445' });
    expect(storage({ host: 'nas', share: 'data', user: 'svc', port: 1445 }).remotes[0]?.options).toMatchObject({ port: '1445' });
  });
});
