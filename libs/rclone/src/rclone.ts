import execa from 'execa';
import { createInterface } from 'node:readline';

/**
 * A remote defined only through rclone's environment (`RCLONE_CONFIG_<NAME>_<OPTION>`), so
 * credentials never appear in argv or a config file.
 */
export interface RcloneRemote {
  /** Remote name as used in paths (`name:path`); letters, digits and underscores. */
  name: string;
  /** rclone backend type: local, smb, s3, ... */
  type: string;
  /** Backend options; secret values must already be obscured where rclone expects it. */
  options?: Record<string, string>;
}

/** One entry of `rclone lsjson`. */
export interface ListedFile {
  Path: string;
  Size: number;
  ModTime: string;
  IsDir: boolean;
}

export class RcloneError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'RcloneError';
  }
}

function remoteEnv(remotes: readonly RcloneRemote[]): Record<string, string> {
  const env: Record<string, string> = { RCLONE_CONFIG: '/dev/null' };
  for (const remote of remotes) {
    if (!/^[A-Za-z0-9_]+$/.test(remote.name)) throw new Error(`invalid rclone remote name ${remote.name}`);
    const prefix = `RCLONE_CONFIG_${remote.name.toUpperCase()}_`;
    env[`${prefix}TYPE`] = remote.type;
    for (const [key, value] of Object.entries(remote.options ?? {})) env[`${prefix}${key.toUpperCase()}`] = value;
  }
  return env;
}

/** Keeps the last lines of stderr for error messages without holding all of it. */
function tail(lines: string[], line: string, keep = 20): void {
  lines.push(line);
  if (lines.length > keep) lines.shift();
}

export class Rclone {
  constructor(
    private readonly binary: string,
    private readonly remotes: readonly RcloneRemote[] = [],
  ) {}

  private start(args: readonly string[], signal?: AbortSignal, input?: string) {
    const child = execa(this.binary, [...args], {
      env: remoteEnv(this.remotes),
      extendEnv: true,
      buffer: false,
      // Its own process group: cancelling kills rclone and anything it started.
      detached: true,
      input,
      stdin: input === undefined ? 'ignore' : undefined,
    });
    const stderr: string[] = [];
    if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => tail(stderr, line));
    const kill = () => {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    };
    signal?.addEventListener('abort', kill, { once: true });
    const done = child.then(
      () => signal?.removeEventListener('abort', kill),
      (err: execa.ExecaError) => {
        signal?.removeEventListener('abort', kill);
        if (signal?.aborted) throw new RcloneError(`rclone ${args[0]} cancelled`, err.exitCode, stderr.join('\n'));
        throw new RcloneError(
          `rclone ${args[0]} failed (exit ${err.exitCode ?? err.signal}): ${stderr.slice(-3).join(' | ') || err.shortMessage}`,
          err.exitCode,
          stderr.join('\n'),
        );
      },
    );
    return { child, done };
  }

  /**
   * Streams `rclone lsjson -R --files-only` one entry at a time: a listing of a million files is
   * never held in memory.
   */
  async *listFiles(path: string, signal?: AbortSignal): AsyncGenerator<ListedFile> {
    const { child, done } = this.start(['lsjson', '-R', '--files-only', '--no-mimetype', path], signal);
    let failure: unknown;
    done.catch((err: unknown) => {
      failure = err;
    });
    if (!child.stdout) throw new Error('rclone lsjson has no stdout');
    for await (const raw of createInterface({ input: child.stdout })) {
      // The output is a JSON array written one element per line: "[", "{...},", "]".
      const line = raw.trim().replace(/,$/, '');
      if (line === '[' || line === ']' || line === '') continue;
      yield JSON.parse(line) as ListedFile;
    }
    await done.catch(() => undefined);
    if (failure) throw failure;
  }

  /** `rclone copy` of the named files (relative to `from`) into `to`. */
  async copyFiles(from: string, to: string, files: readonly string[], signal?: AbortSignal): Promise<void> {
    const { child, done } = this.start(['copy', '--files-from-raw', '-', '--no-traverse', from, to], signal, files.join('\n') + '\n');
    child.stdout?.resume();
    await done;
  }

  /** `rclone copy` of a whole tree; files already identical (size and mtime) are skipped. */
  async copyTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const { child, done } = this.start(['copy', from, to], signal);
    child.stdout?.resume();
    await done;
  }
}
