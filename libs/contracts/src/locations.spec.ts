import { validateSourceConfig, validateStorageConfig } from './locations';

describe('location config validation', () => {
  it('refuses null in an optional field, naming the field, instead of taking it for absent', () => {
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data', port: null })).toEqual([{ field: 'port', message: 'must not be null' }]);
    expect(validateStorageConfig('smb', { host: 'nas', share: 'data', user: 'svc', port: null, domain: null })).toEqual([
      { field: 'port', message: 'must not be null' },
      { field: 'domain', message: 'must not be null' },
    ]);
    expect(validateStorageConfig('s3', { bucket: 'archive', accessKeyId: 'AKIA', endpoint: null })).toEqual([{ field: 'endpoint', message: 'must not be null' }]);
  });

  it('refuses null in a required field as null, and an absent one as required', () => {
    expect(validateSourceConfig('local', { path: null })).toEqual([{ field: 'path', message: 'must not be null' }]);
    expect(validateSourceConfig('local', {})).toEqual([{ field: 'path', message: 'is required' }]);
  });

  it('takes optional fields left out or undefined as absent', () => {
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data' })).toEqual([]);
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data', port: undefined })).toEqual([]);
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data', port: 445 })).toEqual([]);
  });

  it('refuses keys that only the object prototype has as unknown', () => {
    expect(validateSourceConfig('local', JSON.parse('{"path": "/data", "constructor": "x", "__proto__": {"path": "/etc"}}'))).toEqual([
      { field: 'constructor', message: 'unknown property' },
      { field: '__proto__', message: 'unknown property' },
    ]);
  });

  it("refuses a backslash in an SMB path (rclone's SMB encoding makes Instruments\\Krios one folder), and takes '/'", () => {
    const message = "must separate folders with '/', not '\\' (rclone would make 'a\\b' one folder, named a＼b)";
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data', path: 'Instruments\\Krios' })).toEqual([{ field: 'path', message }]);
    expect(validateStorageConfig('smb', { host: 'nas', share: 'data', user: 'svc', path: 'archive\\raw' })).toEqual([{ field: 'path', message }]);
    expect(validateSourceConfig('smb', { host: 'scope-pc', share: 'data', path: 'Instruments/Krios' })).toEqual([]);
    expect(validateStorageConfig('smb', { host: 'nas', share: 'data', user: 'svc', path: 'archive/raw' })).toEqual([]);
    // S3 keys may hold one.
    expect(validateStorageConfig('s3', { bucket: 'archive', accessKeyId: 'AKIA', prefix: 'raw\\x' })).toEqual([]);
  });

  it('refuses a local path as an rclone source (a local folder is a local source)', () => {
    expect(validateSourceConfig('rclone', { remote: '/etc' })).toEqual([{ field: 'remote', message: "must be a remote, not a local path (a local folder is a 'local' source)" }]);
    expect(validateSourceConfig('rclone', { remote: 'archive:raw' })).toEqual([]);
    expect(validateSourceConfig('rclone', { remote: ':sftp,host=scope.lab:data' })).toEqual([]);
  });
});
