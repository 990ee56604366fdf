import type { StorageType } from '@sheaf/contracts';

import { configToValues, valuesToConfig, type ConfigField } from '@/components/config-fields';
import type { StorageLocationDto } from '@/lib/api-types';

/** Shared by the list, the page and the form of storage locations. */
export const STORAGE_TYPE_LABELS: Record<StorageType, string> = {
  posix: 'POSIX',
  s3: 'S3',
  smb: 'SMB',
  nfs: 'NFS',
};

export const STORAGE_TYPE_HINTS: Record<StorageType, string> = {
  posix: 'A folder on the workers’ file system',
  s3: 'A bucket of Amazon S3 or an S3-compatible store (MinIO, Ceph)',
  smb: 'A Windows/Samba share',
  nfs: 'An NFS export mounted at the same path on every worker',
};

/** Where a location points, in one line: `/srv/archive`, `s3://bucket/prefix`, `//host/share/path`. */
export function describeStorage(location: Pick<StorageLocationDto, 'type' | 'config'>): string {
  const c = location.config as Record<string, string | number | undefined>;
  switch (location.type) {
    case 'posix':
    case 'nfs':
      return String(c.path ?? '');
    case 's3':
      return `s3://${c.bucket ?? ''}${c.prefix ? `/${c.prefix}` : ''}${c.endpoint ? ` at ${c.endpoint}` : ''}`;
    case 'smb':
      return `//${c.host ?? ''}${c.port ? `:${c.port}` : ''}/${c.share ?? ''}${c.path ? `/${c.path}` : ''} as ${c.domain ? `${c.domain}\\` : ''}${c.user ?? ''}`;
  }
}

const PATH_FIELD = (helper: string): ConfigField => ({ key: 'path', label: 'Path', helper });

/** The config fields of each type, as `validateStorageConfig` (libs/contracts) expects them. */
export const CONFIG_FIELDS: Record<StorageType, ConfigField[]> = {
  posix: [PATH_FIELD('Absolute folder on the workers, e.g. /srv/archive')],
  nfs: [PATH_FIELD('Absolute path where the export is mounted on every worker, e.g. /mnt/archive')],
  s3: [
    { key: 'bucket', label: 'Bucket', helper: '3–63 characters: a–z, 0–9, dots and hyphens' },
    { key: 'prefix', label: 'Prefix', helper: 'Optional: a folder inside the bucket', optional: true },
    { key: 'endpoint', label: 'Endpoint', helper: 'Optional: empty for Amazon S3, e.g. https://minio.example.org:9000', optional: true },
    { key: 'region', label: 'Region', helper: 'Optional, e.g. eu-west-1', optional: true },
    { key: 'provider', label: 'Provider', helper: 'Optional: AWS, Minio, Ceph, … (rclone’s S3 provider; Other when empty)', optional: true },
    { key: 'accessKeyId', label: 'Access key ID', helper: 'The key’s public half; the secret key goes below' },
  ],
  smb: [
    { key: 'host', label: 'Host', helper: 'Host name or IP address of the SMB server' },
    { key: 'port', label: 'Port', helper: 'Optional: 445 when empty', optional: true, numeric: true },
    { key: 'share', label: 'Share', helper: 'The share’s name, without slashes' },
    { key: 'path', label: 'Path', helper: 'Optional: a folder inside the share', optional: true },
    { key: 'user', label: 'Username', helper: 'The account that writes to the share' },
    { key: 'domain', label: 'Domain', helper: 'Optional: empty for WORKGROUP', optional: true },
  ],
};

export const SECRET_LABEL: Partial<Record<StorageType, string>> = { s3: 'Secret access key', smb: 'Password' };

/** The form's text values of a stored config. */
export function configValues(location?: Pick<StorageLocationDto, 'config'>): Record<string, string> {
  return configToValues(location?.config);
}

/** The config object for the type, as the API expects it. */
export function buildStorageConfig(type: StorageType, values: Record<string, string>): Record<string, unknown> {
  return valuesToConfig(CONFIG_FIELDS[type], values);
}
