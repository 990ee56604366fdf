import { Inject, Injectable } from '@nestjs/common';
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

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

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

  private async timed(check: (signal: AbortSignal) => Promise<Omit<ConnectionTestDto, 'durationMs'>>): Promise<ConnectionTestDto> {
    const started = Date.now();
    const signal = AbortSignal.timeout(TEST_TIMEOUT_MS);
    try {
      return { ...(await check(signal)), durationMs: Date.now() - started };
    } catch (err) {
      if (err instanceof DomainError) throw err;
      const message = signal.aborted ? `no answer within ${TEST_TIMEOUT_MS / 1000} s` : messageOf(err);
      return { ok: false, message, durationMs: Date.now() - started };
    }
  }

  /** The folder (or bucket, or share) answers, and a small file can be written and removed. */
  testDestination(location: RcloneLocation): Promise<ConnectionTestDto> {
    return this.timed(async (signal) => {
      const probe = `.sheaf-write-test-${randomBytes(6).toString('hex')}`;
      if (location.localRoot) {
        const info = await stat(location.localRoot).catch(() => undefined);
        if (!info) return { ok: false, message: `${location.localRoot} does not exist` };
        if (!info.isDirectory()) return { ok: false, message: `${location.localRoot} is not a folder` };
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
      return { ok: true, message: `${location.root.replace(/^[^:]*:/, '')} is reachable and writable` };
    });
  }

  /** The source answers; the first files of its listing are returned. */
  testSource(location: RcloneLocation): Promise<ConnectionTestDto> {
    return this.timed(async (signal) => {
      if (location.localRoot) {
        const info = await stat(location.localRoot).catch(() => undefined);
        if (!info?.isDirectory()) return { ok: false, message: `${location.localRoot} is not a folder` };
      }
      const stop = new AbortController();
      const abort = () => stop.abort();
      signal.addEventListener('abort', abort, { once: true });
      const sample: ListedFileDto[] = [];
      try {
        listing: for await (const files of this.rclone(location).listFiles(location.root, stop.signal)) {
          for (const file of files) {
            sample.push({ path: file.Path, size: file.Size, modTime: file.ModTime });
            if (sample.length >= SAMPLE_FILES) break listing;
          }
        }
      } finally {
        signal.removeEventListener('abort', abort);
        stop.abort();
      }
      const shown = sample.length >= SAMPLE_FILES ? `the first ${SAMPLE_FILES} files` : `${sample.length} file(s)`;
      return { ok: true, message: `listed ${shown}`, sample };
    });
  }
}
