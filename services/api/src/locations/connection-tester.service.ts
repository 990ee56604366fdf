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
const SAMPLE_FILES = 20;

/** DI token for a connection test's time limit; 30 s when not provided (tests give a shorter one). */
export const CONNECTION_TEST_TIMEOUT_MS = Symbol('ConnectionTestTimeoutMs');

/** What a message names: the local folder, or the remote path without the remote's name. */
function shown(location: RcloneLocation): string {
  return location.localRoot ?? location.root.replace(/^[^:]*:/, '');
}

export class ListedFileDto {
  @ApiProperty() path!: string;
  @ApiProperty() size!: number;
  @ApiProperty({ type: String, format: 'date-time' }) modTime!: string;
}

/** The outcome of a connection test: a failure is a result (200, `ok: false`), not an error. */
export class ConnectionTestDto {
  @ApiProperty() ok!: boolean;
  @ApiProperty({ description: 'What was checked, or what failed' }) message!: string;
  @ApiProperty() durationMs!: number;
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
   */
  private async timed(what: string, check: (signal: AbortSignal) => Promise<Omit<ConnectionTestDto, 'durationMs'>>): Promise<ConnectionTestDto> {
    const started = Date.now();
    const signal = AbortSignal.timeout(this.timeoutMs);
    let giveUp = () => {};
    const timedOut = new Promise<never>((_, reject) => {
      giveUp = () => reject(signal.reason);
      signal.addEventListener('abort', giveUp, { once: true });
    });
    try {
      return { ...(await Promise.race([check(signal), timedOut])), durationMs: Date.now() - started };
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
    return this.timed(shown(location), async (signal) => {
      const probe = `.sheaf-write-test-${randomBytes(6).toString('hex')}`;
      if (location.localRoot) {
        const info = await stat(location.localRoot).catch(() => undefined);
        if (!info) return { ok: false, message: `${location.localRoot} does not exist` };
        if (!info.isDirectory()) return { ok: false, message: `${location.localRoot} is not a folder` };
        // It answered after the limit: nobody waits for the rest.
        signal.throwIfAborted();
        try {
          await access(location.localRoot, constants.W_OK);
          await writeFile(join(location.localRoot, probe), 'sheaf write test\n', { flag: 'wx' });
          await unlink(join(location.localRoot, probe));
        } catch (err) {
          return { ok: false, message: `${location.localRoot} is not writable: ${messageOf(err)}` };
        }
        return { ok: true, message: `${location.localRoot} exists and is writable` };
      }
      const rclone = this.rclone(location);
      const dir = await mkdtemp(join(tmpdir(), 'sheaf-test-'));
      try {
        await writeFile(join(dir, probe), 'sheaf write test\n');
        await rclone.copyTo(join(dir, probe), `${location.root}/${probe}`, signal);
        await rclone.deleteFile(`${location.root}/${probe}`, signal);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return { ok: true, message: `${shown(location)} is reachable and writable` };
    });
  }

  /** The source answers; the first files of its listing are returned. */
  testSource(location: RcloneLocation): Promise<ConnectionTestDto> {
    return this.timed(shown(location), async (signal) => {
      if (location.localRoot) {
        const info = await stat(location.localRoot).catch(() => undefined);
        if (!info?.isDirectory()) return { ok: false, message: `${location.localRoot} is not a folder` };
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
