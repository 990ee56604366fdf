import type { InstrumentEntity, ServiceAccountEntity, StorageLocationEntity } from '@sheaf/db';
import { obscure, type RcloneRemote } from '@sheaf/rclone';

/**
 * Where rclone reads or writes, built the way the worker builds it (services/worker
 * harvest/locations.ts): remotes defined only through rclone's environment, passwords obscured,
 * never in argv. The API needs it only for the "test" endpoints.
 */
export interface RcloneLocation {
  /** rclone path of the root (`remote:share/path`, or an absolute local path). */
  root: string;
  /** Set when the root is a local folder. */
  localRoot?: string;
  remotes: RcloneRemote[];
}

function joinRemotePath(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

function smbRemote(name: string, config: Record<string, unknown>, user: string, password: string, domain: string): RcloneRemote {
  const options: Record<string, string> = { host: String(config['host']), user, pass: obscure(password), domain: domain || 'WORKGROUP' };
  if (config['port'] !== undefined) options['port'] = String(config['port']);
  return { name, type: 'smb', options };
}

/** `open` opens a sealed secret; it is called only for types that have one. */
export function storageLocation(storage: StorageLocationEntity, open: (sealed: string) => string): RcloneLocation {
  const config = storage.config;
  const secret = () => {
    if (!storage.secretSealed) throw new Error(`storage location ${storage.name} has no secret stored`);
    return open(storage.secretSealed);
  };
  switch (storage.type) {
    case 'posix':
    case 'nfs':
      return { root: String(config['path']), localRoot: String(config['path']), remotes: [] };
    case 's3': {
      const options: Record<string, string> = {
        provider: typeof config['provider'] === 'string' ? config['provider'] : 'Other',
        access_key_id: String(config['accessKeyId']),
        secret_access_key: secret(),
        force_path_style: 'true',
      };
      if (typeof config['endpoint'] === 'string') options['endpoint'] = config['endpoint'];
      if (typeof config['region'] === 'string') options['region'] = config['region'];
      return { root: `dst:${joinRemotePath(String(config['bucket']), String(config['prefix'] ?? ''))}`, remotes: [{ name: 'dst', type: 's3', options }] };
    }
    case 'smb':
      return {
        root: `dst:${joinRemotePath(String(config['share']), String(config['path'] ?? ''))}`,
        remotes: [smbRemote('dst', config, String(config['user']), secret(), String(config['domain'] ?? ''))],
      };
  }
}

export function instrumentSource(instrument: InstrumentEntity, account: ServiceAccountEntity | null, open: (sealed: string) => string): RcloneLocation {
  const config = instrument.sourceConfig;
  switch (instrument.sourceType) {
    case 'local':
      return { root: String(config['path']), localRoot: String(config['path']), remotes: [] };
    case 'smb': {
      if (!account) throw new Error(`instrument ${instrument.name}: an SMB source needs a service account`);
      return {
        root: `src:${joinRemotePath(String(config['share']), String(config['path'] ?? ''))}`,
        remotes: [smbRemote('src', config, account.username, open(account.passwordSealed), account.domain)],
      };
    }
    case 'rclone':
      return { root: String(config['remote']), remotes: [] };
  }
}
