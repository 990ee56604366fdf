import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { join } from 'node:path';
import { HarvestRunEntity, InstrumentEntity } from '@sheaf/db';
import { Rclone, RcloneError } from '@sheaf/rclone';
import type { DiscoverResult, HarvestActivities, TransferResult } from '@sheaf/workflows';

export interface HarvestActivityDeps {
  dataSource: DataSource;
  rcloneBinary: string;
}

/** Non-retryable failure types: retrying cannot fix them. */
export const FAILURE_TYPES = { invalidConfig: 'InvalidConfig', notFound: 'NotFound', sourceUnusable: 'SourceUnusable' } as const;

/**
 * rclone exit codes that retrying cannot fix: 3 directory not found, 7 fatal (e.g. refused
 * credentials). Others (network trouble, temporary errors) are retried by Temporal.
 */
const PERMANENT_RCLONE_EXITS = new Set([3, 7]);

const HEARTBEAT_EVERY_FILES = 1000;
const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * Harvest activities. This is the foundation's first cut: the source is listed with rclone and
 * copied tree-to-tree to every POSIX destination. Batching, the file catalogue, SHA-256
 * verification and ARKs come with the harvest engine.
 */
export function createHarvestActivities(deps: HarvestActivityDeps): HarvestActivities {
  const runs = deps.dataSource.getRepository(HarvestRunEntity);
  const instruments = deps.dataSource.getRepository(InstrumentEntity);
  const rclone = new Rclone(deps.rcloneBinary);

  async function loadRun(runId: string) {
    const run = await runs.findOne({ where: { id: runId } });
    if (!run) throw ApplicationFailure.nonRetryable(`harvest run ${runId} does not exist`, FAILURE_TYPES.notFound);
    const instrument = await instruments.findOne({
      where: { id: run.instrumentId },
      relations: { destinations: { storageLocation: true } },
    });
    if (!instrument) {
      throw ApplicationFailure.nonRetryable(`instrument ${run.instrumentId} does not exist`, FAILURE_TYPES.notFound);
    }
    return { run, instrument };
  }

  function sourcePath(instrument: InstrumentEntity): string {
    const path = instrument.sourceConfig['path'];
    if (instrument.sourceType !== 'local' || typeof path !== 'string') {
      throw ApplicationFailure.nonRetryable(
        `instrument ${instrument.name}: only local sources are supported so far (got ${instrument.sourceType})`,
        FAILURE_TYPES.invalidConfig,
      );
    }
    return path;
  }

  function destinationRoots(instrument: InstrumentEntity): string[] {
    if (instrument.destinations.length === 0) {
      throw ApplicationFailure.nonRetryable(`instrument ${instrument.name} has no destination`, FAILURE_TYPES.invalidConfig);
    }
    return instrument.destinations.map(({ storageLocation }) => {
      const root = storageLocation.config['path'];
      if (storageLocation.type !== 'posix' || typeof root !== 'string') {
        throw ApplicationFailure.nonRetryable(
          `storage location ${storageLocation.name}: only posix destinations are supported so far`,
          FAILURE_TYPES.invalidConfig,
        );
      }
      return join(root, instrument.name);
    });
  }

  function rethrow(err: unknown): never {
    if (err instanceof RcloneError && err.exitCode !== undefined && PERMANENT_RCLONE_EXITS.has(err.exitCode)) {
      throw ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.sourceUnusable);
    }
    if (err instanceof RcloneError) throw new Error(err.message);
    throw err;
  }

  return {
    async beginRun(runId) {
      const { instrument } = await loadRun(runId);
      await runs
        .createQueryBuilder()
        .update()
        .set({ status: 'running', phase: 'discovering', startedAt: () => 'coalesce(started_at, now())' })
        .where('id = :runId', { runId })
        .execute();
      return { instrumentName: instrument.name };
    },

    async discover(runId): Promise<DiscoverResult> {
      const { instrument } = await loadRun(runId);
      const ctx = Context.current();
      let files = 0;
      let bytes = 0;
      try {
        for await (const file of rclone.listFiles(sourcePath(instrument), ctx.cancellationSignal)) {
          files += 1;
          bytes += file.Size;
          if (files % HEARTBEAT_EVERY_FILES === 0) ctx.heartbeat({ files });
        }
      } catch (err) {
        rethrow(err);
      }
      await runs.update({ id: runId }, { filesDiscovered: String(files), bytesDiscovered: String(bytes), phase: 'transferring' });
      return { files, bytes };
    },

    async transfer(runId): Promise<TransferResult> {
      const { run, instrument } = await loadRun(runId);
      const ctx = Context.current();
      const source = sourcePath(instrument);
      const heartbeat = setInterval(() => ctx.heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        for (const root of destinationRoots(instrument)) await rclone.copyTree(source, root, ctx.cancellationSignal);
      } catch (err) {
        rethrow(err);
      } finally {
        clearInterval(heartbeat);
      }
      await runs.update({ id: runId }, { filesDone: run.filesDiscovered, bytesDone: run.bytesDiscovered });
      return { files: Number(run.filesDiscovered), bytes: Number(run.bytesDiscovered), failed: 0 };
    },

    async finishRun(runId, outcome) {
      await runs
        .createQueryBuilder()
        .update()
        .set({ status: outcome.status, phase: 'finished', error: outcome.error ?? null, finishedAt: () => 'now()' })
        .where('id = :runId', { runId })
        .execute();
    },
  };
}
