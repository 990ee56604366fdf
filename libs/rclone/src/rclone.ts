import execa from 'execa';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { RcClient, RcError } from './rc';

/** How long the listing reader waits for rclone to write more. */
const LISTING_POLL_MS = 20;
const LISTING_READ_SIZE = 1024 * 1024;
/**
 * Go's collector for the listing's rclone: a listing makes short-lived garbage for every entry,
 * and collecting at 4x the live heap instead of 2x cost 10 % less CPU on a 100,000-file tree
 * (1.2 CPU-s; rclone is most of a re-harvest's CPU). The soft limit keeps a huge tree's listing
 * from growing without bound. Exported for the benchmark, whose tuned listing baseline runs with it.
 */
export const LISTING_GC = { GOGC: '400', GOMEMLIMIT: '256MiB' };
/**
 * The listing's command and flags, before the path: no MIME type looked up for each file, and
 * errors as JSON (each unlisted folder is read from them). Exported for the benchmark, whose
 * tuned listing baseline runs the same command.
 */
export const LISTING_ARGS: readonly string[] = ['lsjson', '-R', '--files-only', '--no-mimetype', '--use-json-log'];

/** One line of `rclone lsjson` output, a JSON array written one element per line: "[", "{...},", "]". */
function parseListingLine(line: string): ListedFile | undefined {
  if (!line.startsWith('{')) return undefined;
  return cutListingLine(line) ?? (JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line) as ListedFile);
}

const PATH_FIELD = '{"Path":"';
const SIZE_FIELD = '"Size":';
const MODTIME_FIELD = '"ModTime":"';

/**
 * The common line, `{"Path":"…","Name":"…","Size":6,"ModTime":"…","IsDir":false}`, cut apart
 * without JSON.parse (a third of the time, and parsing was a third of the worker's CPU in a
 * re-harvest). Only for lines without a backslash: then no string holds an escaped quote, so
 * every quote ends a string and no field name can appear inside a value. Undefined otherwise.
 */
function cutListingLine(line: string): ListedFile | undefined {
  if (!line.startsWith(PATH_FIELD) || line.includes('\\')) return undefined;
  const pathEnd = line.indexOf('"', PATH_FIELD.length);
  const size = pathEnd < 0 ? -1 : line.indexOf(SIZE_FIELD, pathEnd);
  const sizeEnd = size < 0 ? -1 : line.indexOf(',', size);
  const modTime = sizeEnd < 0 ? -1 : line.indexOf(MODTIME_FIELD, sizeEnd);
  const modTimeEnd = modTime < 0 ? -1 : line.indexOf('"', modTime + MODTIME_FIELD.length);
  if (modTimeEnd < 0) return undefined;
  const Size = Number(line.slice(size + SIZE_FIELD.length, sizeEnd));
  if (!Number.isSafeInteger(Size)) return undefined;
  return {
    Path: line.slice(PATH_FIELD.length, pathEnd),
    Size,
    ModTime: line.slice(modTime + MODTIME_FIELD.length, modTimeEnd),
    IsDir: line.includes('"IsDir":true'),
  };
}

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
    /** What rclone said: its standard error, or the error of a remote-control answer. */
    readonly stderr: string,
    /** The HTTP status of a remote-control answer (404: not found). */
    readonly rcStatus?: number,
  ) {
    super(message);
    this.name = 'RcloneError';
  }
}

/**
 * A copy in which rclone made no progress for `limitMs`: no byte moved, no file finished or
 * checked, nothing logged. rclone was stopped (a destination on a hung mount holds its writes
 * for good; an unanswering server past rclone's own timeouts). Worth another try, later.
 */
export class RcloneStalledError extends RcloneError {
  constructor(command: string, limitMs: number, stderr: string) {
    const limit = limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} minutes` : `${Math.round(limitMs / 1000)} s`;
    super(`rclone ${command} made no progress for ${limit} (a hung mount or server?): stopped`, undefined, stderr);
    this.name = 'RcloneStalledError';
  }
}

/**
 * `lsjson -R` that listed everything but some folders it could not read (access denied): rclone
 * says so of each and lists on, then exits non-zero. The entries it gave are the rest of the tree.
 */
export class IncompleteListingError extends RcloneError {
  constructor(
    cause: RcloneError,
    /** How many folders went unlisted, and the first few of them with rclone's reason. */
    readonly unlisted: { count: number; first: Array<{ folder: string; reason: string }> },
  ) {
    super(cause.message, cause.exitCode, cause.stderr, cause.rcStatus);
    this.name = 'IncompleteListingError';
  }
}

/** Folders an IncompleteListingError names (the rest are counted). */
const UNLISTED_SHOWN = 5;

/**
 * rclone's "not found": exit 3 (directory not found; for a command on one file, its folder or
 * the file) or 4 (file not found), or a remote-control answer 404.
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof RcloneError && (err.exitCode === 3 || err.exitCode === 4 || err.rcStatus === 404);
}

/** One file for `copyEach`: its path under the source root, and its path under the destination root. */
export interface FileCopy {
  from: string;
  to: string;
}

/**
 * Files per request of `copyEach` (rclone's job/batch). 10,000 renamed local files took 4.2-6.8 s
 * with a request per look and per copy, 2.1-2.5 s with 250 files to a request.
 */
const COPY_EACH_CHUNK = 250;

/** One answer of a job/batch request: the call's result, or its error and HTTP status. */
type BatchAnswer = { error?: string; status?: number; item?: ListedFile | null };

/** How one file of `copyEach` went, and how long it took. */
export interface FileCopied {
  outcome: 'copied' | 'taken' | 'failed';
  /** Why it failed, in rclone's words. */
  error?: RcloneError;
  durationMs: number;
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

/**
 * Kept out of rclone's environment: Sheaf's own secrets, of no use to rclone, so that nothing it
 * runs or reaches (a backend, a connection string an admin wrote) can read them; and the host's
 * ssh-agent (SSH_AUTH_SOCK): rclone's sftp backend signs in with the agent's keys whenever it is
 * given neither a password nor a key, so `:sftp,host=X,user=deploy:` would reach any server that
 * trusts the host's keys, whatever connectionRemote refuses (key_use_agent only makes it prefer them).
 */
const NOT_FOR_RCLONE = new Set(['DATABASE_URL', 'JWT_SECRET', 'SHEAF_ENCRYPTION_KEY', 'SHEAF_ENCRYPTION_OLD_KEYS', 'SHEAF_ADMIN_PASSWORD', 'SSH_AUTH_SOCK']);

/** The process's environment (PATH, HOME, proxies, the operator's RCLONE_* settings), less NOT_FOR_RCLONE. */
function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !NOT_FOR_RCLONE.has(name)) env[name] = value;
  return env;
}

/** The last three lines of stderr worth reading, for an error message. */
function readable(stderr: readonly string[]): string {
  return stderr
    .map(logText)
    .filter((text): text is string => !!text)
    .slice(-3)
    .join(' | ');
}

/** Keeps the last lines of stderr for error messages without holding all of it. */
function tail(lines: string[], line: string, keep = 20): void {
  lines.push(line);
  if (lines.length > keep) lines.shift();
}

/**
 * The lines of an rclone output stream, until it ends or is destroyed: execa destroys stdout and
 * stderr unread when rclone cannot be started, and readline alone would wait for their end for good.
 */
function linesOf(stream: Readable): Interface {
  const lines = createInterface({ input: stream });
  stream.once('close', () => lines.close());
  return lines;
}

/**
 * A list of paths (relative to a root) for `--files-from-raw`, one a line. rclone lists every
 * backend's names in its standard encoding, which spells a control character as its symbol (a
 * line break as ␊, ␍: see localName) whatever the backend's own encoding: an S3 key holding a
 * line break, which S3's default encoding (Slash,InvalidUtf8,Dot) leaves as it is, lists as ␊ too
 * (rclone 1.75, given such a key by ListObjects). So no path rclone listed holds one. A path
 * that does came from elsewhere (a destination path template), and rclone would read it as two
 * paths, the second of which may be another file: one a delete would remove. Throws then, a plain
 * error that a caller's retry cannot fix: the harvest worker holds such a file before it gets
 * here (lineBreakHold in its batch), so this is the last line of defence.
 */
function fileList(files: readonly string[]): string {
  const broken = files.find((file) => /[\n\r]/.test(file));
  if (broken !== undefined) throw new Error(`rclone is given paths one a line, and ${JSON.stringify(broken)} holds a line break: refused`);
  return files.join('\n') + '\n';
}

/** How long rclone's pipes may stay open after it exited (held by a process it started). */
const PIPE_DRAIN_MS = 2_000;

/** rclone's stdout was closed PIPE_DRAIN_MS after rclone exited, before its end: what was read may not be all of it. */
function outputCutOff(command: string): RcloneError {
  return new RcloneError(`rclone ${command} exited, but its output was cut off ${PIPE_DRAIN_MS / 1000} s later (a process it started held it open?)`, undefined, '');
}

/** The rclone processes started here that have not exited: stopped when this process exits. */
const running = new Set<execa.ExecaChildProcess>();
let stopOnExitAdded = false;

/**
 * Keeps `child` in `running` until it exits. rclone is started without execa's exit handler
 * (cleanup: false, see Rclone.start), so a process that exits without stopping its rclone (a
 * process.exit, an uncaught exception) would leave it running on its own, outside any container:
 * one that logs dies at its next line (its stderr's reader is gone: SIGPIPE) and leaves its
 * .partial files, but a quiet one (a listing, a delete) runs to its end. An 'exit' listener,
 * added once, asks each to stop (SIGTERM, as a cancel does; whether it has tidied up before a
 * log line of its own ends it by SIGPIPE is a race). Listening for 'exit' starts no signal
 * handler (node does so only for events named after a signal: startListeningIfSignal in
 * lib/internal/process/signal.js), so SIGTERM still reaches the Temporal runtime's handler and
 * the worker drains. A process killed by a signal runs no 'exit' listener; SIGKILL to the
 * process group, a container stop, still takes rclone with it. No SIGKILL follows the SIGTERM:
 * no one is left to send it.
 */
function stopOnExit(child: execa.ExecaChildProcess): void {
  if (!stopOnExitAdded) {
    stopOnExitAdded = true;
    process.on('exit', () => {
      for (const c of running) {
        try {
          // Synchronous, and a no-op once node has reaped it (so never another process's pid).
          c.kill('SIGTERM', { forceKillAfterTimeout: false });
        } catch {
          // Nothing more can be done on the way out.
        }
      }
    });
  }
  // No pid: rclone could not be started, and no 'exit' will come.
  if (child.pid === undefined) return;
  running.add(child);
  // once() returns the child, which is also its result's promise (Rclone.start settles that).
  void child.once('exit', () => running.delete(child));
}

/** How long a cancelled rclone gets to tidy up and exit before it is killed. */
const STOP_GRACE_MS = 5_000;
/**
 * How long a copy may go without progress (a byte moved, a file finished or checked, a line
 * logged) before it is stopped as stalled. rclone logs its stats every 2 s however it fares, so
 * silence is not the sign: unchanged counts are. A large file moves bytes all along, and an
 * object store's completion of one takes minutes at most; a hung NFS mount never comes back.
 */
const COPY_STALL_LIMIT_MS = 15 * 60 * 1000;
/**
 * How long a listing may go without writing a byte before it is stopped as stalled. rclone writes
 * a folder's entries once it has read the folder: a flat folder of a million files on a slow
 * share takes minutes; a source on a hung mount or an SMB server that stopped answering, forever.
 */
const LISTING_STALL_LIMIT_MS = 15 * 60 * 1000;

export interface RcloneOptions {
  /**
   * Give up at the first failure instead of retrying (rclone retries a command 3 times, and each
   * call inside it 10 times: a refused SMB password took a `copyto` 45 s to report). For checks
   * a person waits on, such as a connection test.
   */
  noRetries?: boolean;
  /** Where listings and remote-control sockets get their temporary folders; the system's by default. */
  tempDir?: string;
}

/** rclone reads every flag from the environment too (`--retries` is `RCLONE_RETRIES`). */
const NO_RETRIES_ENV = { RCLONE_RETRIES: '1', RCLONE_LOW_LEVEL_RETRIES: '1' };

export class Rclone {
  constructor(
    private readonly binary: string,
    private readonly remotes: readonly RcloneRemote[] = [],
    private readonly options: RcloneOptions = {},
  ) {}

  private start(
    args: readonly string[],
    /** `stdout`: 'pipe' for a caller that reads it, a file's descriptor, or (by default) none. */
    options: { signal?: AbortSignal; input?: string; onStderr?: (line: string) => void; stdout?: 'pipe' | number; env?: Record<string, string> } = {},
  ) {
    const { signal, input, onStderr } = options;
    const child = execa(this.binary, [...args], {
      env: { ...inheritedEnv(), ...options.env, ...(this.options.noRetries ? NO_RETRIES_ENV : {}), ...remoteEnv(this.remotes) },
      extendEnv: false,
      buffer: false,
      // Not detached: rclone stays in the worker's process group, so stopping the worker's group
      // (a container stop, a SIGKILL) stops rclone too and leaves no orphan writing files.
      detached: false,
      // No exit handler of execa's (signal-exit): once the Temporal runtime's SIGTERM handler has
      // removed itself (it does on the first signal), signal-exit's finds itself the last one, kills
      // rclone and raises SIGTERM again, and the worker died at once (exit 143) instead of draining
      // whenever a copy ran. Cancelling through `signal` stops rclone, as a drain does; so does
      // an exit without one (stopOnExit).
      cleanup: false,
      input,
      stdin: input === undefined ? 'ignore' : undefined,
      stdout: options.stdout ?? 'ignore',
    });
    // execa takes an error writing rclone's input for the process's failure: it gives up before
    // rclone's exit, without its exit code, and destroys stdout and stderr unread. rclone that
    // exits before reading all of its list (it refused a flag, a remote, a password) breaks the
    // pipe (EPIPE); its exit code and last words say why, so that error is not the failure.
    child.stdin?.removeAllListeners('error').on('error', () => undefined);
    stopOnExit(child);
    const stderr: string[] = [];
    // rclone's last words may still be in the pipe when it has exited: read to the end first.
    let stderrRead = Promise.resolve();
    if (child.stderr) {
      const lines = linesOf(child.stderr).on('line', (line) => {
        tail(stderr, line);
        onStderr?.(line);
      });
      stderrRead = new Promise((resolve) => lines.once('close', resolve));
    }
    // Cancelling asks rclone to stop (SIGTERM): it removes the .partial files of the copies it
    // was writing on its way out. SIGKILL follows when it has not exited in time (a hung mount);
    // a killed rclone leaves its .partial files.
    const kill = () => child.kill('SIGTERM', { forceKillAfterTimeout: STOP_GRACE_MS });
    signal?.addEventListener('abort', kill, { once: true });
    // Aborted before rclone started (while the batch was busy with the database): no event comes.
    if (signal?.aborted) kill();
    // Once rclone has exited, its output is read to the end; a process it started that outlived
    // it may hold the pipes open, and they are closed after a moment instead of waited for.
    const stdoutRead = child.stdout ? new Promise((resolve) => child.stdout?.once('close', resolve)) : Promise.resolve();
    let stdoutCut = false;
    const exited = async () => {
      signal?.removeEventListener('abort', kill);
      const closing = setTimeout(() => {
        stdoutCut = !!child.stdout && !child.stdout.readableEnded;
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_DRAIN_MS);
      await Promise.all([stderrRead, stdoutRead]);
      clearTimeout(closing);
    };
    const done = child.then(exited, async (err: execa.ExecaError) => {
      await exited();
      if (signal?.aborted) throw new RcloneError(`rclone ${args[0]} cancelled`, err.exitCode, stderr.join('\n'));
      if (err.exitCode === undefined && !err.signal) throw new RcloneError(`rclone ${args[0]} could not be started: ${err.originalMessage}`, undefined, '');
      throw new RcloneError(`rclone ${args[0]} failed (exit ${err.exitCode ?? err.signal}): ${readable(stderr) || err.shortMessage}`, err.exitCode, stderr.join('\n'));
    });
    /** Whether stdout was closed before its end (read it once `done` has settled). */
    const outputCut = () => stdoutCut;
    return { child, done, outputCut };
  }

  /**
   * Streams `rclone lsjson -R --files-only` as it is read, one piece (up to 1 MiB of listing,
   * ~9,000 entries) at a time: a listing of a million files is never held in memory. rclone
   * writes each entry with a write of its own; read from a pipe, that is one read per entry
   * (42,000 for 100,000 entries, which made reading the listing take twice as long as making
   * it). So rclone writes into a temporary file, and we read that file in 1 MiB pieces while
   * rclone is still writing it. Pieces, not entries: an async generator's per-item cost made
   * another 0.4 s for 100,000 entries. A listing whose file does not grow for `stallLimitMs`
   * is stopped: RcloneStalledError.
   */
  async *listFiles(path: string, signal?: AbortSignal, stallLimitMs = LISTING_STALL_LIMIT_MS): AsyncGenerator<ListedFile[]> {
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'sheaf-listing-'));
    let reader: FileHandle | undefined;
    // Progress is the listing file growing, looked at on the watch's timer: however long the
    // caller takes over a piece, rclone's writing is what counts.
    const stall = stallWatch(stallLimitMs, () =>
      reader?.stat().then(
        ({ size }) => stall.saw(String(size)),
        () => undefined,
      ),
    );
    try {
      const file = join(dir, 'listing.json');
      const output = await open(file, 'w');
      let started: ReturnType<Rclone['start']>;
      // Folders rclone could not list: it logs each (with the folder as the log's object) and
      // carries on. Any other error means the listing cannot be trusted to be whole.
      const unlistedFirst: Array<{ folder: string; reason: string }> = [];
      const folders = new Set<string>();
      let otherErrors = false;
      const onStderr = (line: string) => {
        const entry = logEntry(line);
        if (!entry?.level || !SEVERE_LEVELS.has(entry.level)) return;
        if (entry.level === 'error' && entry.object && entry.msg && UNLISTED_FOLDER.test(entry.msg) && !entry.msg.includes(WALK_STOPPED)) {
          // The local backend says it, then the walk again: one folder.
          if (folders.has(entry.object)) return;
          folders.add(entry.object);
          if (unlistedFirst.length < UNLISTED_SHOWN) unlistedFirst.push({ folder: entry.object, reason: entry.msg });
        } else otherErrors = true;
      };
      let exited = false;
      let failure: unknown;
      try {
        const stop = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
        started = this.start([...LISTING_ARGS, path], { signal: stop, stdout: output.fd, env: LISTING_GC, onStderr });
        // Observed at once: an rclone that fails fast must not leave a rejection unhandled
        // while the descriptor is being closed. Its exit ends the watch: a caller still reading
        // the rest of the listing is no stalled rclone, and rclone's own failure is the one to report.
        started.done.then(
          () => {
            exited = true;
            stall.stop();
          },
          (err: unknown) => {
            failure = err;
            exited = true;
            stall.stop();
          },
        );
      } finally {
        // rclone has its own copy of the descriptor from here on.
        await output.close();
      }
      const { child, done } = started;
      try {
        // Inside: a reader that cannot be opened (EMFILE) still stops rclone below.
        reader = await open(file, 'r');
        // Both ends are open: the name can go now. A worker killed while listing (SIGKILL, an OOM
        // kill) leaves no listing behind to fill its temporary space, restart after restart.
        await rm(dir, { recursive: true, force: true });
        const buffer = Buffer.allocUnsafe(LISTING_READ_SIZE);
        const decoder = new StringDecoder('utf8');
        let partial = '';
        for (;;) {
          // Once rclone has exited, a short read means the whole listing has been read.
          const complete = exited;
          const { bytesRead } = await reader.read(buffer, 0, buffer.length, null);
          const lines = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
          partial = lines.pop() ?? '';
          const entries: ListedFile[] = [];
          for (const line of lines) {
            const entry = parseListingLine(line);
            if (entry) entries.push(entry);
          }
          if (entries.length) yield entries;
          if (bytesRead < buffer.length) {
            if (complete) break;
            await sleep(LISTING_POLL_MS);
          }
        }
        const last = parseListingLine(partial + decoder.end());
        if (last) yield [last];
      } finally {
        await reader?.close();
        // The caller stopped early: rclone has nobody left to list for.
        if (!exited) child.kill('SIGKILL');
        await done.catch(() => undefined);
      }
      if (failure && stall.signal.aborted && !signal?.aborted) {
        throw new RcloneStalledError('lsjson', stallLimitMs, failure instanceof RcloneError ? failure.stderr : '');
      }
      if (failure) {
        // Gaps only when rclone says it failed plainly (1) or not worth retrying (6, as for access
        // denied). 5 is a passing fault and 3 a folder that went away while listed, both worth
        // listing again; no exit code is an rclone killed before it had listed everything.
        const gaps =
          failure instanceof RcloneError && (failure.exitCode === 1 || failure.exitCode === 6) && !signal?.aborted && !otherErrors && folders.size > 0;
        throw gaps ? new IncompleteListingError(failure as RcloneError, { count: folders.size, first: unlistedFirst }) : failure;
      }
    } finally {
      stall.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * `rclone copy` of the named files (relative to `from`) into `to`, in one process. With
   * `immutable`, a different file already at the destination is refused, never overwritten.
   * With `ignoreChecksum`, rclone skips its own hash check after each transfer (for local files
   * an MD5 of the whole source and copy); sizes are still checked. Only for callers that verify
   * every copy themselves. `onProgress` receives the bytes transferred so far (from rclone's JSON
   * stats), `onFileError` each error rclone logs about one file (its path as in `files`, and
   * rclone's message; rclone retries, so a file may be reported more than once). A copy that
   * makes no progress for COPY_STALL_LIMIT_MS is stopped: RcloneStalledError.
   */
  async copyFiles(
    from: string,
    to: string,
    files: readonly string[],
    options: {
      transfers?: number;
      immutable?: boolean;
      ignoreChecksum?: boolean;
      signal?: AbortSignal;
      onProgress?: (bytes: number) => void;
      onFileError?: (path: string, message: string) => void;
      /** COPY_STALL_LIMIT_MS unless given (tests). */
      stallLimitMs?: number;
    } = {},
  ): Promise<void> {
    const args = ['copy', '--files-from-raw', '-', '--no-traverse', '--transfers', String(options.transfers ?? 4)];
    if (options.immutable) args.push('--immutable');
    if (options.ignoreChecksum) args.push('--ignore-checksum');
    args.push('--use-json-log', '--stats', '2s', '--stats-log-level', 'NOTICE', from, to);
    const limitMs = options.stallLimitMs ?? COPY_STALL_LIMIT_MS;
    const stall = stallWatch(limitMs);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, stall.signal]) : stall.signal;
      const { done } = this.start(args, { signal, input: fileList(files), onStderr: copyLog(options, stall.saw) });
      await done.catch((err: unknown) => {
        if (stall.signal.aborted && !options.signal?.aborted) throw new RcloneStalledError('copy', limitMs, err instanceof RcloneError ? err.stderr : '');
        throw err;
      });
    } finally {
      stall.stop();
    }
  }

  /**
   * Copies each file to a path of its own (renaming it, as `rclone copyto` does), all through one
   * `rclone rcd` instead of a process per file: two processes per file (a look, then `copyto`)
   * took 113 ms each here, where `copyFiles` can only copy files into a folder under their
   * source paths. The calls go to rclone a chunk of files per request (the looks at a chunk's
   * paths in one, its copies in the next), `transfers` copies at a time; the look at the next
   * chunk's paths overlaps the copies. A file's `durationMs` is that of the request that settled
   * it. `ignoreChecksum` as for copyFiles. With `immutable`, a file at the destination path
   * (found as the backend opens one: on a share that ignores case, another case of the name) is
   * left alone and nothing is copied ('taken'):
   * rclone's copyfile, like its copyto, replaces a file that is there (rclone/rclone#4921, fixed
   * after 1.75). A file rclone could not copy is 'failed' with rclone's reason; one for which
   * `fatal` says true (refused credentials, say) drops the requests in flight, stops the copies
   * not yet sent and is thrown, as is the loss of the rclone process and cancellation. Files
   * bound for one path are copied one after the other, so the first takes it. Results are in the
   * order of `files`. Copies whose rclone makes no progress for COPY_STALL_LIMIT_MS (its
   * core/stats unchanged or unanswered) are stopped: RcloneStalledError.
   */
  async copyEach(
    fromRoot: string,
    toRoot: string,
    files: readonly FileCopy[],
    options: {
      transfers?: number;
      immutable?: boolean;
      ignoreChecksum?: boolean;
      signal?: AbortSignal;
      fatal?: (err: RcloneError) => boolean;
      /** COPY_STALL_LIMIT_MS unless given (tests). */
      stallLimitMs?: number;
    } = {},
  ): Promise<FileCopied[]> {
    if (!files.length) return [];
    if (options.signal?.aborted) throw new RcloneError('rclone copyfile cancelled', undefined, '');
    const transfers = Math.max(1, Math.min(options.transfers ?? 4, files.length));
    // A folder only this user can open (mkdtemp makes it 0700): rclone asks for no credentials on a socket.
    const dir = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'sheaf-rc-'));
    const socket = join(dir, 'rc.sock');
    // No server timeouts: a copy's answer comes when the copy is done, however long that takes.
    const args = ['rcd', '--rc-addr', socket, '--rc-no-auth', '--rc-server-read-timeout', '0', '--rc-server-write-timeout', '0', '--use-json-log'];
    if (options.ignoreChecksum) args.push('--ignore-checksum');
    const { child, done } = this.start(args, { signal: options.signal });
    let exited: unknown;
    done.then(
      () => (exited ??= new RcloneError('rclone rcd exited before the copies were done', 0, '')),
      (err: unknown) => (exited ??= err),
    );
    // Two requests at a time (the look at one chunk's paths and the copies of the one before),
    // and a third for the stall watch's look at rclone's stats.
    const rc = new RcClient(socket, 3);
    let stall: ReturnType<typeof stallWatch> | undefined;
    try {
      await rc.ready(() => exited !== undefined).catch((err: unknown) => {
        throw exited ?? err;
      });
      const results: FileCopied[] = [];
      // Files bound for one path go one after the other, in the order given: copied at once,
      // both would find the path free and the second would replace the first. Names that differ
      // only in case count as one path, as on a share that ignores case. Round k holds the k-th
      // file bound for each path; a round starts once the one before has finished.
      const byPath = new Map<string, number[]>();
      for (const [i, file] of files.entries()) {
        const key = file.to.toLowerCase();
        const same = byPath.get(key);
        if (same) same.push(i);
        else byPath.set(key, [i]);
      }
      const rounds: number[][] = [];
      for (const same of byPath.values()) for (const [k, i] of same.entries()) (rounds[k] ??= []).push(i);
      // A fatal failure, like cancellation, drops the requests in flight: rclone stops their calls.
      const halted = new AbortController();
      const requests = options.signal ? AbortSignal.any([options.signal, halted.signal]) : halted.signal;
      let stop: unknown;
      const halt = (err: unknown) => {
        stop ??= err;
        halted.abort();
      };
      const going = () => !requests.aborted;
      // As copyFiles: stopped once rclone's counts (core/stats, global to this rcd) have not
      // changed for the limit; a stats call that does not answer is no progress either.
      const limitMs = options.stallLimitMs ?? COPY_STALL_LIMIT_MS;
      let looking = false;
      stall = stallWatch(limitMs, () => {
        if (looking) return;
        looking = true;
        rc.call<RcStats>('core/stats', {}, requests)
          .then((stats) => stall?.saw(countsOf(stats)))
          .catch(() => undefined)
          .finally(() => (looking = false));
      });
      stall.signal.addEventListener('abort', () => halt(new RcloneStalledError('copyfile', limitMs, '')), { once: true });
      /** Runs many calls in one request (rclone's job/batch), `transfers` at a time; answers in order. */
      const batch = async (inputs: Array<Record<string, unknown>>): Promise<BatchAnswer[]> => {
        if (!inputs.length) return [];
        try {
          return (await rc.call<{ results: BatchAnswer[] }>('job/batch', { concurrency: transfers, inputs }, requests)).results;
        } catch (err) {
          // Anything but an answer from rclone means rclone is gone (cancelled, killed) or the request was dropped.
          throw err instanceof RcError ? new RcloneError(`rclone job/batch failed: ${err.error}`, undefined, err.error, err.status) : (exited ?? err);
        }
      };
      const settle = (i: number, answer: BatchAnswer, started: number, outcome: FileCopied['outcome']) => {
        const durationMs = Date.now() - started;
        if (answer.error === undefined) {
          results[i] = { outcome, durationMs };
          return;
        }
        const error = new RcloneError(`rclone copyfile ${files[i].from} failed: ${answer.error}`, undefined, String(answer.error), answer.status);
        results[i] = { outcome: 'failed', error, durationMs };
        if (options.fatal?.(error)) halt(error);
      };
      /** Looks for a file at each of the chunk's paths; returns the files whose path is free. */
      const look = async (chunk: number[]): Promise<number[]> => {
        if (!options.immutable) return chunk;
        const started = Date.now();
        // Files only: for a path with no file, rclone would otherwise list the parent folder
        // to look for a folder of that name, on every copy into that folder (10,000 renamed
        // files in 100 local folders: 9.3 s, 8.5 s of it system time; 5.0-5.2 s with
        // filesOnly). A folder at the path is not a file in the way (on S3 any path may be
        // one); the copy says what it makes of it.
        const answers = await batch(chunk.map((i) => ({ _path: 'operations/stat', fs: toRoot, remote: files[i].to, opt: { filesOnly: true, noMimeType: true } })));
        const free: number[] = [];
        for (const [k, i] of chunk.entries()) {
          if (answers[k].error === undefined && !answers[k].item) free.push(i);
          else settle(i, answers[k], started, 'taken');
        }
        return free;
      };
      const copy = async (free: number[]): Promise<void> => {
        const started = Date.now();
        const answers = await batch(free.map((i) => ({ _path: 'operations/copyfile', srcFs: fromRoot, srcRemote: files[i].from, dstFs: toRoot, dstRemote: files[i].to })));
        for (const [k, i] of free.entries()) settle(i, answers[k], started, 'copied');
      };
      /** Looks ahead; a look that is never awaited (the copies stopped) must not be an unhandled rejection. */
      const lookAhead = (chunk: number[]) => {
        const looking = look(chunk);
        looking.catch(() => undefined);
        return looking;
      };
      try {
        for (const [r, round] of rounds.entries()) {
          // The very first chunk holds a file per transfer: refused credentials stop the copies
          // before hundreds more are tried.
          const first = r === 0 ? transfers : COPY_EACH_CHUNK;
          const chunks = [round.slice(0, first)];
          for (let at = first; at < round.length; at += COPY_EACH_CHUNK) chunks.push(round.slice(at, at + COPY_EACH_CHUNK));
          // The look at the next chunk's paths overlaps this chunk's copies: within a round no
          // two files share a path.
          let looking = lookAhead(chunks[0]);
          for (let c = 0; c < chunks.length && going(); c++) {
            const free = await looking;
            if (c + 1 < chunks.length) looking = lookAhead(chunks[c + 1]);
            if (going()) await copy(free);
          }
          if (!going()) break;
        }
      } catch (err) {
        halt(err);
      }
      if (options.signal?.aborted) throw new RcloneError('rclone copyfile cancelled', undefined, '');
      if (stop !== undefined) throw stop;
      return results;
    } finally {
      stall?.stop();
      rc.close();
      child.kill('SIGTERM', { forceKillAfterTimeout: STOP_GRACE_MS });
      await done.catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * `rclone copyto` of one file, replacing whatever is at `to` (rclone/rclone#4921): for a probe
   * file of the caller's own. Harvests copy with copyFiles and copyEach, which never replace.
   * Its failures say why (a refused S3 secret is "403 SignatureDoesNotMatch" here, where `rclone
   * copy` into the folder says "is a file not a directory").
   */
  async copyTo(from: string, to: string, signal?: AbortSignal): Promise<void> {
    const { done } = this.start(['copyto', from, to], { signal });
    await done;
  }

  async deleteFile(path: string, signal?: AbortSignal): Promise<void> {
    const { done } = this.start(['deletefile', path], { signal });
    await done;
  }

  /**
   * Deletes the named files (relative to `root`) in one process; names that are not there are
   * ignored, and so are all of them when the `root` folder does not exist.
   */
  async deleteFiles(root: string, files: readonly string[], signal?: AbortSignal): Promise<void> {
    if (!files.length) return;
    const { done } = this.start(['delete', '--files-from-raw', '-', root], { signal, input: fileList(files) });
    await done.catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /**
   * SHA-256 of the named files (relative to `root`), read in full (`--download`): backends such
   * as SMB have no stored hashes. Files that cannot be read are absent from the result, and so
   * are all of them when the `root` folder does not exist (as for `stat`): on an SMB share that
   * no copy has reached yet, every copy of a batch is missing, not the storage location.
   */
  async sha256(root: string, files: readonly string[], signal?: AbortSignal): Promise<Map<string, string>> {
    const { child, done, outputCut } = this.start(['hashsum', 'sha256', '--download', '--files-from-raw', '-', root], {
      signal,
      input: fileList(files),
      stdout: 'pipe',
    });
    const hashes = new Map<string, string>();
    let failure: unknown;
    done.catch((err: unknown) => (failure = err));
    if (!child.stdout) throw new Error('rclone hashsum has no stdout');
    for await (const line of linesOf(child.stdout)) {
      const match = /^([0-9a-f]{64}) {2}(.*)$/.exec(line);
      if (match) hashes.set(match[2], match[1]);
    }
    // A partial failure (one unreadable file) still reports the others; the caller checks.
    await done.catch(() => undefined);
    if (failure && hashes.size === 0 && files.length > 0 && !isNotFound(failure)) throw failure;
    // Part of an answer is no answer when its output was cut off.
    if (outputCut()) throw outputCutOff('hashsum');
    return hashes;
  }

  /** Whether `path` (a folder or a file) is there; a failure other than "not found" throws. */
  async exists(path: string, signal?: AbortSignal): Promise<boolean> {
    const { done } = this.start(['lsjson', '--stat', '--no-mimetype', path], { signal });
    try {
      await done;
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Size and modification time of the named files (relative to `root`) as they are now; files
   * that are not there are absent. A `root` folder that does not exist holds none of them: a
   * backend with real folders (SMB, SFTP) refuses to list it (exit 3), where S3 lists nothing.
   * Any other failure throws, even after some files were listed: a file rclone could not look at
   * is not known to be absent (a batch would take it for its own copy, and replace it).
   */
  async stat(root: string, files: readonly string[], signal?: AbortSignal): Promise<Map<string, ListedFile>> {
    const { child, done, outputCut } = this.start(['lsjson', '--files-only', '--no-mimetype', '-R', '--files-from-raw', '-', root], {
      signal,
      input: fileList(files),
      stdout: 'pipe',
    });
    const out = new Map<string, ListedFile>();
    let failure: unknown;
    done.catch((err: unknown) => (failure = err));
    if (!child.stdout) throw new Error('rclone lsjson has no stdout');
    for await (const line of linesOf(child.stdout)) {
      const entry = parseListingLine(line);
      if (entry) out.set(entry.Path, entry);
    }
    await done.catch(() => undefined);
    if (failure && !isNotFound(failure)) throw failure;
    if (outputCut()) throw outputCutOff('lsjson');
    return out;
  }
}

/**
 * What rclone logs of a folder it could not list: the walk's "error listing: …" (SMB, SFTP, …),
 * the local backend's own "failed to open directory …" (permission denied).
 */
const UNLISTED_FOLDER = /^(error listing: |failed to open directory )/;

/** The walk stopped as a whole (writing the listing failed): not one folder's gap. */
const WALK_STOPPED = 'callback failed in ListJSON';

/** Log levels of an error or worse (rclone's fatal lines are `critical`). */
const SEVERE_LEVELS = new Set(['error', 'critical', 'alert', 'emergency']);

/** One line of rclone's `--use-json-log` output. */
interface LogEntry {
  level?: string;
  msg?: string;
  /** The file the line is about, as rclone names it (relative to the source given). */
  object?: string;
  stats?: RcStats;
}

function logEntry(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogEntry;
  } catch {
    return undefined;
  }
}

/** A stderr line as a person reads it: a JSON log entry's message (stats left out), else the line. */
function logText(line: string): string | undefined {
  const entry = logEntry(line);
  if (!entry) return line;
  if (entry.stats || !entry.msg) return undefined;
  return entry.object ? `${entry.object}: ${entry.msg}` : entry.msg;
}

/**
 * Reports progress and per-file errors from the JSON log of a copy, and tells `saw` what it
 * shows of progress: a line that is not stats, or the stats' counts (rclone logs them every 2 s
 * whatever happens, so only a change in them counts).
 */
function copyLog(options: { onProgress?: (bytes: number) => void; onFileError?: (path: string, message: string) => void }, saw: (mark: string) => void) {
  return (line: string) => {
    const entry = logEntry(line);
    if (entry?.stats?.bytes !== undefined) options.onProgress?.(entry.stats.bytes);
    if (entry?.level === 'error' && typeof entry.object === 'string' && entry.msg) options.onFileError?.(entry.object, entry.msg);
    saw(entry?.stats ? countsOf(entry.stats) : line);
  };
}

/** rclone's counts that show progress, as its JSON log's stats and its core/stats give them. */
interface RcStats {
  bytes?: number;
  transfers?: number;
  checks?: number;
  errors?: number;
}

const countsOf = (stats: RcStats) => JSON.stringify([stats.bytes, stats.transfers, stats.checks, stats.errors]);

/**
 * A signal that aborts once `saw` has not been given a new mark (a change of what shows
 * progress) for `limitMs`, checked (after `look`, which may give one) every quarter of the limit,
 * at most every 30 s; `stop` when the work is done.
 */
function stallWatch(limitMs: number, look?: () => Promise<void> | void): { signal: AbortSignal; stop: () => void; saw: (mark: string) => void } {
  const stalled = new AbortController();
  let last: string | undefined;
  let lastAt = Date.now();
  let stopped = false;
  const saw = (mark: string) => {
    if (mark === last) return;
    last = mark;
    lastAt = Date.now();
  };
  const check = () => {
    if (!stopped && Date.now() - lastAt >= limitMs) stalled.abort();
  };
  const timer = setInterval(() => {
    // A look that answers with a promise is waited for (a local stat: what it sees counts in this
    // check); one that does not (a call that may never be answered) is not.
    const looked = look?.();
    if (looked) void looked.then(check);
    else check();
  }, Math.min(limitMs / 4, 30_000));
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return { signal: stalled.signal, stop, saw };
}
