import { RCLONE_REMOTE_NAME } from '@sheaf/contracts';
import { obscure } from './obscure';
import type { RcloneRemote } from './rclone';

/**
 * Where rclone reads or writes: a remote defined only through rclone's environment (passwords
 * obscured, never in argv or a file), or a local folder. One construction for the worker's
 * harvests and the API's "test" endpoints.
 */
export interface Location {
  /** rclone path of the root (`remote:share/path`, or an absolute local path). */
  root: string;
  /** Set when the root is a local folder (hashed with Node rather than through rclone). */
  localRoot?: string;
  /**
   * The local folder is a network mount (an NFS storage location; the worker sets it too for a
   * local folder on any other file system but a local disk's: services/worker/src/harvest/mounts.ts):
   * a read may hang, so it is never read blocking.
   */
  networkMount?: boolean;
  remotes: RcloneRemote[];
  /**
   * The rclone path of the root's bucket (`dst:archive`), for S3: rclone is told never to create a
   * bucket (`no_check_bucket`), so that a typo in its name fails instead of making an empty bucket
   * that then receives the files. A connection test checks it exists before writing.
   */
  bucket?: string;
}

/** A stored configuration rclone cannot use: retrying does not help. */
export class LocationConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocationConfigError';
  }
}

export interface SourceSettings {
  /** For messages: `instrument <name>`. */
  name: string;
  type: 'local' | 'smb' | 'rclone';
  config: Record<string, unknown>;
}

export interface StorageSettings {
  name: string;
  type: 'posix' | 's3' | 'smb' | 'nfs';
  config: Record<string, unknown>;
}

export interface SmbAccount {
  name: string;
  username: string;
  domain: string;
  /** Opens the sealed password; called only when needed. */
  password: () => string;
}

function text(config: Record<string, unknown>, key: string, what: string): string {
  const value = config[key];
  if (typeof value !== 'string' || value === '') throw new LocationConfigError(`${what}: '${key}' is missing`);
  return value;
}

function joinRemotePath(...parts: string[]): string {
  return parts
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

/**
 * The backends an instrument's rclone source may use: network transfers that reach the instrument's
 * files, none of which runs a program or reads a file of the host rclone runs on by itself. Not
 * `local` (a path on the API host and the workers: a `local` source is for that, mounted on
 * purpose), nor wrappers of another remote (`alias`, `union`, `combine`, `crypt`, `chunker`,
 * `hasher`, `cache`, `compress`), whose upstream may be a local path, nor `memory`.
 */
export const RCLONE_SOURCE_BACKENDS = ['sftp', 'smb', 'ftp', 'webdav', 'http', 's3', 'azureblob', 'gcs', 'swift', 'b2'] as const;

/**
 * Options of those backends that make rclone use the host it runs on (the API host for a "test",
 * a worker for a harvest) rather than the remote: run a program there (a program it runs can read
 * /proc/<pid>/environ of Sheaf's own processes, with their secrets), read one of its files, or
 * sign in with the host's own credentials. Names are compared in lower case with `_` for `-`, as
 * rclone reads them from its environment (`RCLONE_CONFIG_SRC_KEY_FILE`). Each gives the reason.
 */
function refusedOption(name: string, value: string): string | undefined {
  if (name === 'type') return 'would change the backend';
  if (name === 'ssh' || name.includes('command')) return 'runs a program';
  if (/_(file|path)$/.test(name) || name.startsWith('config')) return 'reads a file of the host rclone runs on';
  if (/^(profile|msi_.*|kerberos_ccache)$/.test(name)) return "signs in with the host's own credentials";
  // Switches, refused only when on: `rclone config` writes `env_auth = false` in every s3 remote.
  if (/^(env_auth|use_msi|use_az|key_use_agent|use_kerberos)$/.test(name) && goBoolTrue(value)) return "signs in with the host's own credentials";
  if (name === 'unix_socket') return 'connects to a socket of the host rclone runs on';
  // Addresses spoken to over HTTP only: sftp's, ftp's and smb's `host` cannot fetch a metadata
  // answer, and instruments cabled straight to a PC often have self-assigned 169.254 addresses.
  if (/^(url|endpoint|auth)$|_(url|endpoint)$/.test(name) && cloudMetadata(value)) {
    return "reaches the cloud metadata service, which hands out the host's own credentials";
  }
  return undefined;
}

/**
 * Whether rclone reads a boolean option as true: it parses them with Go's strconv.ParseBool (1, t,
 * T, TRUE, true, True; checked with rclone 1.75). Any other text but the false ones (0, f, F,
 * FALSE, false, False, or none) makes rclone refuse the remote, so counting it as true refuses
 * nothing rclone would run.
 */
function goBoolTrue(value: string): boolean {
  return !['', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value);
}

/**
 * Whether a URL, host or `host:port` names a cloud's metadata service, which gives whoever asks
 * from the VM its credentials (what env_auth is refused for): link-local addresses (169.254.0.0/16,
 * where AWS, GCP, Azure and others answer, fe80::/10), AWS's fd00:ec2::254, and GCP's names for
 * it. Read as a URL, so that other spellings of an address (`0xa9fea9fe`, `169.254.43518`,
 * `[::ffff:169.254.169.254]`) count too. A DNS name that resolves to such an address is not caught
 * (docs/deploy.md: network policy keeps the pods from the metadata service).
 */
function cloudMetadata(written: string): boolean {
  // An IPv6 zone (fe80::a9fe:a9fe%eth0, %25eth0 in a URL) is refused by the URL parser, yet it is
  // what makes a link-local address reachable: dropped, the address is what counts.
  const value = written.replace(/%(?:25)?[\w.~-]+(?=\])/, '').replace(/^([0-9A-Fa-f:.]+)%[\w.~-]+$/, '$1');
  // A host alone may be a bare IPv6 address (fd00:ec2::254).
  const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : /:.*:/.test(value) && !value.startsWith('[') ? `http://[${value}]` : `http://${value}`;
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/\.$/, '');
  if (host === 'metadata' || host === 'metadata.google.internal') return true;
  if (/^169\.254\.\d+\.\d+$/.test(host)) return true;
  if (!host.startsWith('[')) return false;
  // The URL parser writes an IPv6 address compressed, lower case, an IPv4 tail in hex.
  const ip = host.slice(1, -1);
  return ip === 'fd00:ec2::254' || /^fe[89ab][0-9a-f]:/.test(ip) || /^::ffff:a9fe:[0-9a-f]{1,4}$/.test(ip);
}

/** Remote names Sheaf gives its own remotes: a source named so would read another remote (a destination). */
const SHEAF_REMOTE_NAME = /^(src|dst\d*)$/i;

/**
 * An instrument's rclone source: either an on-the-fly remote (`:backend,option=value,...:path`)
 * as a remote of its own, so that its options, passwords among them, reach rclone through the
 * environment instead of a command line that any user of the host can read (`ps`); or a named
 * remote (`name:path`), which only the operator can define (`RCLONE_CONFIG_<NAME>_*` in the
 * environment of the API and the workers: rclone is given no config file), and which is then
 * undefined here. Values follow rclone's connection strings: one holding `,` or `:` is quoted with
 * `"` or `'`, a quote inside doubled; an option without a value is `true` (as in rclone).
 *
 * Refused, as a LocationConfigError naming the rule (the API answers 400 on the field, a worker
 * fails the run without retrying): a backend not in RCLONE_SOURCE_BACKENDS, an option that uses
 * the host rclone runs on (refusedOption), a local path (anything but `name:` or `:backend:`), and
 * a named remote called as one of Sheaf's own (`src`, `dst`, `dst0`, ...).
 */
export function connectionRemote(connection: string, name: string, what: string): { remote: RcloneRemote; path: string } | undefined {
  const backend = /^:([A-Za-z0-9_]+)/.exec(connection);
  if (!backend) {
    // Never quoted in a message: a connection string written without its ':' may hold a password.
    const named = new RegExp(`^(${RCLONE_REMOTE_NAME.source})([:,])`).exec(connection);
    if (named?.[2] === ',') throw new LocationConfigError(`${what}: a named remote takes no options (options only in a connection string, which starts with ':')`);
    if (!named) throw new LocationConfigError(`${what}: a local path is refused (rclone reads it on its own host): give a remote ('remote:folder' or ':backend,option=value:folder'), or make a local folder a 'local' source`);
    if (SHEAF_REMOTE_NAME.test(named[1])) throw new LocationConfigError(`${what}: the remote name ${named[1]} is one of Sheaf's own (src, dst, dst0, ...): refused`);
    return undefined;
  }
  const bad = (why: string) => new LocationConfigError(`${what}: the rclone connection string ${why}`);
  if (!(RCLONE_SOURCE_BACKENDS as readonly string[]).includes(backend[1])) {
    throw bad(`uses the backend ${backend[1]}, which is refused: use one of ${RCLONE_SOURCE_BACKENDS.join(', ')}`);
  }
  const options: Record<string, string> = {};
  let at = backend[0].length;
  while (connection[at] === ',') {
    const key = /^[A-Za-z0-9_-]+/.exec(connection.slice(at + 1));
    if (!key) throw bad(`has an option without a name at character ${at + 2}`);
    const option = key[0].replaceAll('-', '_').toLowerCase();
    at += 1 + key[0].length;
    let value = 'true';
    if (connection[at] === '=') {
      at += 1;
      const quote = connection[at];
      if (quote === '"' || quote === "'") {
        value = '';
        for (at += 1; ; at += 1) {
          if (at >= connection.length) throw bad(`has an unterminated ${quote} quote`);
          if (connection[at] !== quote) value += connection[at];
          else if (connection[at + 1] === quote) value += connection[++at];
          else break;
        }
        at += 1;
      } else {
        value = /^[^,:]*/.exec(connection.slice(at))![0];
        at += value.length;
      }
    }
    const refused = refusedOption(option, value);
    if (refused) throw bad(`has the option ${option}, which ${refused}: refused`);
    options[option] = value;
  }
  if (connection[at] !== ':') throw bad(`needs ':' before its path at character ${at + 1}`);
  return { remote: { name, type: backend[1], options }, path: connection.slice(at + 1) };
}

function smbRemote(name: string, config: Record<string, unknown>, user: string, password: string, domain: string, what: string): RcloneRemote {
  const options: Record<string, string> = { host: text(config, 'host', what), user, pass: obscure(password), domain: domain || 'WORKGROUP' };
  // A null stored before the API refused it means no port, not the text "null" (rclone: port 9).
  if (config['port'] != null) options['port'] = String(config['port']);
  return { name, type: 'smb', options };
}

/** An instrument's source; the remote is called `src`. */
export function sourceLocation(source: SourceSettings, account: SmbAccount | null): Location {
  const what = `instrument ${source.name}`;
  switch (source.type) {
    case 'local': {
      const path = text(source.config, 'path', what);
      return { root: path, localRoot: path, remotes: [] };
    }
    case 'smb': {
      if (!account) throw new LocationConfigError(`${what}: an SMB source needs a service account`);
      return {
        root: `src:${joinRemotePath(text(source.config, 'share', what), String(source.config['path'] ?? ''))}`,
        remotes: [smbRemote('src', source.config, account.username, account.password(), account.domain, what)],
      };
    }
    case 'rclone': {
      const remote = text(source.config, 'remote', what);
      const connection = connectionRemote(remote, 'src', what);
      return connection ? { root: `src:${connection.path}`, remotes: [connection.remote] } : { root: remote, remotes: [] };
    }
  }
}

/** A storage location; `remoteName` keeps several destinations of one copy apart. */
export function storageLocation(storage: StorageSettings, remoteName: string, secret: () => string): Location {
  const what = `storage location ${storage.name}`;
  const config = storage.config;
  switch (storage.type) {
    case 'posix':
    case 'nfs': {
      // NFS is mounted on the workers and written as a POSIX path.
      const path = text(config, 'path', what);
      return { root: path, localRoot: path, networkMount: storage.type === 'nfs', remotes: [] };
    }
    case 's3': {
      const options: Record<string, string> = {
        provider: typeof config['provider'] === 'string' ? config['provider'] : 'Other',
        access_key_id: text(config, 'accessKeyId', what),
        secret_access_key: secret(),
        // Path style is rclone's default; for the providers that need virtual-host style (AWS,
        // Alibaba, TencentCOS, Netease, ...) rclone 1.75 uses it whatever this says (seen with
        // --dump headers). An IP-address endpoint is always path style.
        force_path_style: 'true',
        // Never create the bucket (rclone does, on its first write, without this).
        no_check_bucket: 'true',
      };
      if (typeof config['endpoint'] === 'string') options['endpoint'] = config['endpoint'];
      if (typeof config['region'] === 'string') options['region'] = config['region'];
      const bucket = text(config, 'bucket', what);
      return {
        root: `${remoteName}:${joinRemotePath(bucket, String(config['prefix'] ?? ''))}`,
        remotes: [{ name: remoteName, type: 's3', options }],
        bucket: `${remoteName}:${bucket}`,
      };
    }
    case 'smb':
      return {
        root: `${remoteName}:${joinRemotePath(text(config, 'share', what), String(config['path'] ?? ''))}`,
        remotes: [smbRemote(remoteName, config, text(config, 'user', what), secret(), String(config['domain'] ?? ''), what)],
      };
  }
}
