import { ApplicationFailure } from '@temporalio/common';
import type { SecretBox } from '@sheaf/crypto';
import type { InstrumentEntity, ServiceAccountEntity, StorageLocationEntity } from '@sheaf/db';
import { obscure, type RcloneRemote } from '@sheaf/rclone';

export const FAILURE_TYPES = {
  invalidConfig: 'InvalidConfig',
  notFound: 'NotFound',
  sourceUnusable: 'SourceUnusable',
  credentialsRejected: 'CredentialsRejected',
} as const;

/** Where rclone reads or writes: a remote defined in its environment, or a local folder. */
export interface Location {
  /** rclone path of the root (`remote:share/path`, or an absolute local path). */
  root: string;
  /** Set when the root is a local folder: hashed with Node rather than through rclone. */
  localRoot?: string;
  remotes: RcloneRemote[];
}

function invalid(message: string): never {
  throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.invalidConfig);
}

function text(config: Record<string, unknown>, key: string, what: string): string {
  const value = config[key];
  if (typeof value !== 'string' || value === '') invalid(`${what}: '${key}' is missing`);
  return value;
}

function joinRemotePath(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

function openSecret(box: SecretBox | undefined, sealed: string | null | undefined, what: string): string {
  if (!sealed) invalid(`${what} has no secret stored`);
  if (!box) invalid(`${what} needs SHEAF_ENCRYPTION_KEY to open its secret`);
  return box.open(sealed);
}

function smbRemote(name: string, config: Record<string, unknown>, user: string, password: string, domain: string): RcloneRemote {
  const options: Record<string, string> = { host: text(config, 'host', 'SMB'), user, pass: obscure(password), domain: domain || 'WORKGROUP' };
  if (config['port'] !== undefined) options['port'] = String(config['port']);
  return { name, type: 'smb', options };
}

/** The instrument's source as rclone sees it. */
export function resolveSource(
  instrument: InstrumentEntity,
  account: ServiceAccountEntity | null,
  box: SecretBox | undefined,
): Location {
  const what = `instrument ${instrument.name}`;
  const config = instrument.sourceConfig;
  switch (instrument.sourceType) {
    case 'local': {
      const path = text(config, 'path', what);
      return { root: path, localRoot: path, remotes: [] };
    }
    case 'smb': {
      if (!account) invalid(`${what}: an SMB source needs a service account`);
      const password = openSecret(box, account.passwordSealed, `service account ${account.name}`);
      return {
        root: `src:${joinRemotePath(text(config, 'share', what), String(config['path'] ?? ''))}`,
        remotes: [smbRemote('src', config, account.username, password, account.domain)],
      };
    }
    case 'rclone':
      // A connection string (`:backend,option=value:path`): no stored secret involved.
      return { root: text(config, 'remote', what), remotes: [] };
  }
}

/** One storage location as rclone sees it; `name` keeps several destinations apart. */
export function resolveDestination(storage: StorageLocationEntity, name: string, box: SecretBox | undefined): Location {
  const what = `storage location ${storage.name}`;
  const config = storage.config;
  switch (storage.type) {
    case 'posix':
    case 'nfs': {
      // NFS is mounted on the workers and written as a POSIX path.
      const path = text(config, 'path', what);
      return { root: path, localRoot: path, remotes: [] };
    }
    case 's3': {
      const options: Record<string, string> = {
        provider: typeof config['provider'] === 'string' ? config['provider'] : 'Other',
        access_key_id: text(config, 'accessKeyId', what),
        secret_access_key: openSecret(box, storage.secretSealed, what),
        force_path_style: 'true',
      };
      if (typeof config['endpoint'] === 'string') options['endpoint'] = config['endpoint'];
      if (typeof config['region'] === 'string') options['region'] = config['region'];
      return {
        root: `${name}:${joinRemotePath(text(config, 'bucket', what), String(config['prefix'] ?? ''))}`,
        remotes: [{ name, type: 's3', options }],
      };
    }
    case 'smb': {
      const password = openSecret(box, storage.secretSealed, what);
      return {
        root: `${name}:${joinRemotePath(text(config, 'share', what), String(config['path'] ?? ''))}`,
        remotes: [smbRemote(name, config, text(config, 'user', what), password, String(config['domain'] ?? ''))],
      };
    }
  }
}
