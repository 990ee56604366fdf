/**
 * Storage locations (destinations) and instrument sources: one config shape per type, and one
 * validator for each that the API applies on write and the worker may apply on read. Plain
 * functions, no dependencies: secrets are never part of a config (they are sealed separately).
 */

export const STORAGE_TYPES = ['posix', 's3', 'smb', 'nfs'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

export const SOURCE_TYPES = ['local', 'smb', 'rclone'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** A folder the workers can write (NFS is mounted on the workers and written as a path). */
export interface PathConfig {
  path: string;
}

export interface S3StorageConfig {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region?: string;
  accessKeyId: string;
  /** rclone's S3 provider (`AWS`, `Minio`, `Ceph`, ...); `Other` when absent. */
  provider?: string;
}

export interface SmbStorageConfig {
  host: string;
  port?: number;
  share: string;
  path?: string;
  user: string;
  domain?: string;
}

export interface StorageConfigs {
  posix: PathConfig;
  nfs: PathConfig;
  s3: S3StorageConfig;
  smb: SmbStorageConfig;
}

/** Which storage types keep a secret (S3 secret key, SMB password) beside their config. */
export const STORAGE_TYPES_WITH_SECRET: readonly StorageType[] = ['s3', 'smb'];

export interface SmbSourceConfig {
  host: string;
  port?: number;
  share: string;
  path?: string;
}

/** An rclone path: `remote:path` or a connection string (`:sftp,host=example.org:data`). */
export interface RcloneSourceConfig {
  remote: string;
}

export interface SourceConfigs {
  local: PathConfig;
  smb: SmbSourceConfig;
  rclone: RcloneSourceConfig;
}

/** Source types that need a service account (its password is the SMB credential). */
export const SOURCE_TYPES_WITH_ACCOUNT: readonly SourceType[] = ['smb'];

/** `field` is relative to the config object (`bucket`, `port`); '' is the config itself. */
export interface ConfigProblem {
  field: string;
  message: string;
}

type FieldRule = (value: unknown) => string | undefined;
interface FieldSpec {
  required: boolean;
  rule: FieldRule;
}

const MAX_TEXT = 1024;

function text(max = MAX_TEXT, pattern?: { re: RegExp; message: string }): FieldRule {
  return (value) => {
    if (typeof value !== 'string') return 'must be a string';
    if (value.trim() === '') return 'must not be empty';
    if (value.length > max) return `must be at most ${max} characters`;
    if (/[\0\r\n]/.test(value)) return 'must not contain line breaks or NUL';
    if (pattern && !pattern.re.test(value)) return pattern.message;
    return undefined;
  };
}

const absolutePath: FieldRule = (value) => {
  const problem = text(4096)(value);
  if (problem) return problem;
  const path = value as string;
  if (!path.startsWith('/')) return 'must be an absolute path';
  if (path.split('/').includes('..')) return "must not contain '..'";
  return undefined;
};

const relativePath: FieldRule = (value) => {
  const problem = text(4096)(value);
  if (problem) return problem;
  if ((value as string).split('/').includes('..')) return "must not contain '..'";
  return undefined;
};

/**
 * A folder on an SMB share, folders separated with `/`. rclone's SMB encoding keeps a `\` as a
 * character of the name (written as `＼`, U+FF3C): `Instruments\Krios` would be one folder.
 */
const smbPath: FieldRule = (value) =>
  relativePath(value) ?? ((value as string).includes('\\') ? "must separate folders with '/', not '\\' (rclone would make 'a\\b' one folder, named a＼b)" : undefined);

const host = text(253, { re: /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9A-Fa-f:.]+\]$/, message: 'must be a host name or IP address' });
const share = text(255, { re: /^[^/\\]+$/, message: 'must be a share name without slashes' });
const port: FieldRule = (value) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535 ? undefined : 'must be an integer from 1 to 65535';

const httpUrl: FieldRule = (value) => {
  const problem = text(2048)(value);
  if (problem) return problem;
  try {
    const url = new URL(value as string);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
    if (url.username || url.password) return 'must not contain credentials';
  } catch {
    return 'must be an http:// or https:// URL';
  }
  return undefined;
};

/**
 * The name of a remote an operator defined for rclone (`name:path`): the portal's and the API's
 * field check, and connectionRemote (libs/rclone), which tells it from a local path, use this one.
 */
export const RCLONE_REMOTE_NAME = /[A-Za-z0-9_][A-Za-z0-9_ .+@-]*/;

const rcloneRemotePath = text(2048, {
  re: new RegExp(`^(:[A-Za-z0-9_][A-Za-z0-9_ .,=+"'-]*:|${RCLONE_REMOTE_NAME.source}:)`),
  message: "must be an rclone path such as 'remote:folder' or ':backend,option=value:folder' (options only in a connection string, which starts with ':')",
});
const rcloneRemote: FieldRule = (value) =>
  typeof value === 'string' && value.startsWith('/') ? "must be a remote, not a local path (a local folder is a 'local' source)" : rcloneRemotePath(value);

const field = (rule: FieldRule, required = true): FieldSpec => ({ required, rule });

const STORAGE_FIELDS: Record<StorageType, Record<string, FieldSpec>> = {
  posix: { path: field(absolutePath) },
  nfs: { path: field(absolutePath) },
  s3: {
    bucket: field(text(63, { re: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, message: 'must be a valid bucket name (3-63 of a-z, 0-9, . and -)' })),
    prefix: field(relativePath, false),
    endpoint: field(httpUrl, false),
    region: field(text(64, { re: /^[A-Za-z0-9-]+$/, message: 'must be a region name such as eu-west-1' }), false),
    accessKeyId: field(text(256)),
    provider: field(text(64, { re: /^[A-Za-z0-9]+$/, message: 'must be an rclone S3 provider name such as AWS or Minio' }), false),
  },
  smb: {
    host: field(host),
    port: field(port, false),
    share: field(share),
    path: field(smbPath, false),
    user: field(text(256)),
    domain: field(text(256), false),
  },
};

const SOURCE_FIELDS: Record<SourceType, Record<string, FieldSpec>> = {
  local: { path: field(absolutePath) },
  smb: { host: field(host), port: field(port, false), share: field(share), path: field(smbPath, false) },
  rclone: {
    // Only the start is checked here (quoted option values may hold ':'); the API and the workers
    // parse the whole connection string as rclone does, and refuse backends and options that use
    // their own host (connectionRemote, libs/rclone). A named remote takes no options: rclone would
    // get `remote,pass=…:` as it stands, on its command line and in its errors. A local path is no
    // rclone source (a 'local' source is).
    remote: field(rcloneRemote),
  },
};

function validate(fields: Record<string, FieldSpec>, config: unknown): ConfigProblem[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return [{ field: '', message: 'must be an object' }];
  const record = config as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(record)) {
    // Own keys only: `constructor` or `__proto__` are no fields, though `in` finds them.
    if (!Object.hasOwn(fields, key)) problems.push({ field: key, message: 'unknown property' });
  }
  for (const [key, spec] of Object.entries(fields)) {
    const value = record[key];
    // null is no way to leave a field out (the portal omits an emptied one): stored, it reached
    // rclone as the text "null" (an SMB port of "null" is port 9, "connection refused").
    if (value === null) {
      problems.push({ field: key, message: 'must not be null' });
      continue;
    }
    if (value === undefined) {
      if (spec.required) problems.push({ field: key, message: 'is required' });
      continue;
    }
    const message = spec.rule(value);
    if (message) problems.push({ field: key, message });
  }
  return problems;
}

/** Every problem of a storage location's config, each naming its field. */
export function validateStorageConfig(type: StorageType, config: unknown): ConfigProblem[] {
  const fields = STORAGE_FIELDS[type];
  return fields ? validate(fields, config) : [{ field: '', message: `unknown storage type ${JSON.stringify(type)}` }];
}

/** Every problem of an instrument source's config, each naming its field. */
export function validateSourceConfig(type: SourceType, config: unknown): ConfigProblem[] {
  const fields = SOURCE_FIELDS[type];
  return fields ? validate(fields, config) : [{ field: '', message: `unknown source type ${JSON.stringify(type)}` }];
}

/** Placeholders a destination path template may use (the worker's `destinationPath`). */
export const PATH_TEMPLATE_PLACEHOLDERS = ['instrument', 'path', 'dir', 'name', 'stem', 'ext', 'version'] as const;

/**
 * A line break, tab, NUL or DEL: never in a destination path. rclone is given paths one a line
 * (`--files-from-raw`, also to delete a batch's copies), so a line break would make one path two,
 * and the second could name another instrument's file.
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;

/** Why a destination path template is unusable, or undefined when it is fine. */
export function pathTemplateProblem(template: string): string | undefined {
  if (template.trim() === '') return 'must not be empty';
  if (template.length > 1024) return 'must be at most 1024 characters';
  if (template.startsWith('/')) return 'must be relative to the destination root';
  if (template.split('/').includes('..')) return "must not contain '..'";
  // A line break would split the path in rclone's one-path-a-line file lists (such files are held).
  if (CONTROL_CHARACTER.test(template)) return 'must not contain control characters (line breaks, tabs)';
  for (const match of template.matchAll(/\{([^}]*)\}/g)) {
    if (!(PATH_TEMPLATE_PLACEHOLDERS as readonly string[]).includes(match[1])) {
      return `unknown placeholder {${match[1]}}; use ${PATH_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`;
    }
  }
  if (!/\{(path|name|stem)\}/.test(template)) return 'must contain {path}, {name} or {stem}, or every file lands on the same name';
  return undefined;
}
