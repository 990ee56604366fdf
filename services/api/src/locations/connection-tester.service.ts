import { Inject, Injectable, Optional } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdtemp, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rclone, type Location as RcloneLocation } from '@sheaf/rclone';
import { requireTool } from '@sheaf/toolchain';
import { DomainError } from '../common/domain-error';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';

const TEST_TIMEOUT_MS = 30_000;
/**
 * How long a write test waits for its probe file's removal, counted from the end of its upload
 * (after the test's own limit when the upload ended just before it).
 */
const PROBE_REMOVAL_MS = 10_000;
const SAMPLE_FILES = 20;

/**
 * Gives the service a shorter time limit than its 30 s, for tests (which construct it with `new`):
 * no module provides it, and it is not a setting.
 */
const CONNECTION_TEST_TIMEOUT_MS = Symbol('ConnectionTestTimeoutMs');

/**
 * Checks of local folders whose file-system calls may be in flight at once, across the API. A call
 * on a hung network mount (a hard NFS mount whose server stopped answering) takes no signal and may
 * never return: it holds one of libuv's 4 threads (the API's image sets no UV_THREADPOOL_SIZE)
 * after its check has answered at the limit. With all 4 held, every asynchronous fs call and
 * dns.lookup of the API queues behind them, new PostgreSQL connections by host name too: database
 * requests and /health fail. A check has one call in flight at a time, so however often an admin
 * retries, the rest of the API keeps 2 threads.
 */
const LOCAL_CHECKS_AT_ONCE = 2;
/** The folders of local checks whose file-system calls have not all returned, one entry per check. */
const localChecks = new Set<{ folder: string }>();

/**
 * Runs a local check's file-system calls, which keep their place until they return (not until the
 * check answers). When LOCAL_CHECKS_AT_ONCE earlier checks still have theirs in flight, it fails
 * at once instead, without touching the file system.
 */
function onLocalFolder<T>(folder: string, calls: () => Promise<T>): Promise<T> {
  if (localChecks.size >= LOCAL_CHECKS_AT_ONCE) {
    const earlier = [...new Set([...localChecks].map((check) => check.folder))].join(' and ');
    return Promise.reject(new Error(`${folder} was not checked: earlier checks of ${earlier} have not finished (is a network mount not answering?)`));
  }
  const check = { folder };
  localChecks.add(check);
  const returned = calls();
  const free = () => void localChecks.delete(check);
  returned.then(free, free);
  return returned;
}

/** What a message names: the local folder, or the remote path without the remote's name. */
function shown(location: RcloneLocation): string {
  return location.localRoot ?? location.root.replace(/^[^:]*:/, '');
}

export class ListedFileDto {
  @ApiProperty() path!: string;
  @ApiProperty({ type: 'integer', format: 'int64' }) size!: number;
  @ApiProperty({ type: String, format: 'date-time' }) modTime!: string;
}

/** The outcome of a connection test: a failure is a result (200, `ok: false`), not an error. */
export class ConnectionTestDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'What was checked, or what failed' }) message!: string;
  @ApiProperty({ type: 'integer' }) durationMs!: number;
  @ApiProperty({ type: [ListedFileDto], required: false, description: 'Instrument tests: the first files of the listing' })
  sample?: ListedFileDto[];
}

/** Reachability and write checks for storage locations, listings of instrument sources. */
@Injectable()
export class ConnectionTesterService {
  private rcloneBinary: string | undefined;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Optional() @Inject(CONNECTION_TEST_TIMEOUT_MS) private readonly timeoutMs: number = TEST_TIMEOUT_MS,
  ) {}

  private rclone(location: RcloneLocation): Rclone {
    if (!this.rcloneBinary) {
      try {
        this.rcloneBinary = requireTool('rclone', this.config.tools);
      } catch (err) {
        throw new DomainError('unavailable', 'rclone_missing', `Connection tests need rclone on the API host: ${messageOf(err)}`);
      }
    }
    // An admin waits on the answer: a refused password is reported at once, not after retries.
    return new Rclone(this.rcloneBinary, location.remotes, { noRetries: true });
  }

  /**
   * Runs a check within the test's limit. The answer comes when the limit is up even if the check
   * has not returned: a file-system call on a hung network mount takes no signal and may never
   * return (it goes on holding a libuv thread), and an rclone stuck on one gets 5 s to exit after
   * the signal. The check takes the signal to stop what it can, and to start nothing once it fired.
   * A check that calls `finishing` has its answer and bounds what is left with a limit of its own
   * (a write test removing its probe): from then on the test's limit does not cut it short.
   */
  private async timed(
    what: string,
    check: (signal: AbortSignal, finishing: () => void) => Promise<Omit<ConnectionTestDto, 'durationMs'>>,
  ): Promise<ConnectionTestDto> {
    const started = Date.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    let giveUp = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      giveUp = () => reject(signal.reason);
      signal.addEventListener('abort', giveUp, { once: true });
    });
    // The check knows its answer and bounds the rest itself: the limit no longer cuts it short.
    const finishing = () => signal.removeEventListener('abort', giveUp);
    try {
      return { ...(await Promise.race([check(signal, finishing), timedOut])), durationMs: Date.now() - started };
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const message = signal.aborted ? `${what} did not answer within ${this.timeoutMs / 1000} s` : messageOf(err);
      return { ok: false, message, durationMs: Date.now() - started };
    } finally {
      signal.removeEventListener('abort', giveUp);
    }
  }

  /** The folder (or bucket, or share) answers, and a small file can be written and removed. */
  testDestination(location: RcloneLocation): Promise<ConnectionTestDto> {
    return this.timed(shown(location), async (signal, finishing) => {
      const probe = `.sheaf-write-test-${randomBytes(6).toString('hex')}`;
      const folder = location.localRoot;
      if (folder) {
        return onLocalFolder(folder, async () => {
          const info = await stat(folder).catch(() => undefined);
          if (!info) return { ok: false, message: `${folder} does not exist` };
          if (!info.isDirectory()) return { ok: false, message: `${folder} is not a folder` };
          // It answered after the limit: nobody waits for the rest.
          signal.throwIfAborted();
          try {
            await access(folder, constants.W_OK);
            await writeFile(join(folder, probe), 'sheaf write test\n', { flag: 'wx' });
            await unlink(join(folder, probe));
          } catch (err) {
            return { ok: false, message: `${folder} is not writable: ${messageOf(err)}` };
          }
          return { ok: true, message: `${folder} exists and is writable` };
        });
      }
      const rclone = this.rclone(location);
      // rclone is told never to create a bucket: a missing one is a typo, said before any write.
      // Only a "not found" (isNotFound) says so. The check lists the top of the bucket, which a
      // key allowed to list only the location's prefix may not (AccessDenied): the write decides.
      if (location.bucket) {
        const there = await rclone.exists(location.bucket, signal).catch(() => true);
        signal.throwIfAborted();
        if (!there) return { ok: false, message: `the bucket ${location.bucket.replace(/^[^:]*:/, '')} does not exist (Sheaf does not create buckets)` };
      }
      const target = `${location.root}/${probe}`;
      const dir = await mkdtemp(join(tmpdir(), 'sheaf-test-'));
      let written = false;
      try {
        await writeFile(join(dir, probe), 'sheaf write test\n');
        // Settles once rclone has exited, also when the limit stopped it.
        await rclone.copyTo(join(dir, probe), target, signal);
        written = true;
        // Writable: the answer waits for the removal, within the removal's own limit, not the
        // test's (which no longer cuts short the clean-up of the local copy either).
        finishing();
      } finally {
        // Once the probe is written, the local copy goes in the background: past finishing() no
        // limit bounds a hung temporary folder any more.
        const cleanUp = rm(dir, { recursive: true, force: true }).catch(() => undefined);
        if (!written) await cleanUp;
        // Cut short at the limit, the upload may still have landed: removed in the background, its
        // rclone having exited. (Not after a failure rclone reported: a refused SMB password would
        // be tried once more.)
        if (!written && signal.aborted) void this.removeProbe(rclone, target);
      }
      const left = await this.removeProbe(rclone, target);
      if (left) return { ok: true, message: `${shown(location)} is writable, but the probe file ${probe} could not be removed: ${left}` };
      return { ok: true, message: `${shown(location)} is reachable and writable` };
    });
  }

  /**
   * Removes a write test's probe file within PROBE_REMOVAL_MS of its own (the test's limit may have
   * passed): why it could not, or undefined once it is gone. Never throws.
   */
  private async removeProbe(rclone: Rclone, target: string): Promise<string | undefined> {
    const late = `rclone deletefile did not answer within ${PROBE_REMOVAL_MS / 1000} s`;
    const signal = AbortSignal.timeout(PROBE_REMOVAL_MS);
    let giveUp = () => {};
    // An rclone stuck on a hung server gets 5 s to exit after the signal: not waited for.
    const timedOut = new Promise<string>((resolve) => {
      giveUp = () => resolve(late);
      signal.addEventListener('abort', giveUp, { once: true });
    });
    try {
      return await Promise.race([rclone.deleteFile(target, signal).then(() => undefined), timedOut]);
    } catch (err) {
      return signal.aborted ? late : messageOf(err);
    } finally {
      signal.removeEventListener('abort', giveUp);
    }
  }

  /** The source answers; the first files of its listing are returned. */
  testSource(location: RcloneLocation): Promise<ConnectionTestDto> {
    return this.timed(shown(location), async (signal) => {
      const folder = location.localRoot;
      if (folder) {
        // Only the stat is ours: rclone lists the folder in a process of its own.
        const info = await onLocalFolder(folder, () => stat(folder).catch(() => undefined));
        if (!info?.isDirectory()) return { ok: false, message: `${folder} is not a folder` };
        // It answered after the limit: nobody waits for the listing.
        signal.throwIfAborted();
      }
      const sample: ListedFileDto[] = [];
      // The signal itself, not a listener added now: a signal that fired already sends no event,
      // and rclone stops at once for one that did. Stopping early (enough files) kills rclone too.
      listing: for await (const files of this.rclone(location).listFiles(location.root, signal)) {
        for (const file of files) {
          sample.push({ path: file.Path, size: file.Size, modTime: file.ModTime });
          if (sample.length >= SAMPLE_FILES) break listing;
        }
      }
      const listed = sample.length >= SAMPLE_FILES ? `the first ${SAMPLE_FILES} files` : `${sample.length} file(s)`;
      return { ok: true, message: `listed ${listed}`, sample };
    });
  }
}
