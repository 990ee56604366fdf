/**
 * Names shared by the workflow, the worker, the API and tests: defined once, imported by all.
 * Deterministic code only (this file is bundled into the workflow sandbox).
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { HarvestPhase, ScheduledHarvest } from '@sheaf/contracts';
import type { PlannedSoFar } from './activities';

export interface HarvestInput {
  /** Row id in harvest_runs; everything else is read from Postgres by the activities. */
  runId: string;
  /**
   * Set by a Temporal Schedule, which starts every execution with the same arguments: the run
   * row does not exist yet (runId is a placeholder) and the workflow creates it first.
   */
  scheduled?: ScheduledHarvest;
  /** Batches run at once (a sliding window); default 4. */
  window?: number;
  /**
   * How soon a lost worker's batch is handed to another worker; default 2 minutes. Must exceed
   * the longest gap between heartbeats (rclone reports every few seconds).
   */
  heartbeatTimeoutSeconds?: number;
  /** Set when the workflow continues as new: where the previous execution stopped. */
  resume?: { nextBatch: number; batches: number; progress: HarvestProgress };
}

export interface HarvestProgress {
  phase: HarvestPhase;
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  bytesDone: number;
  filesFailed: number;
  filesSkipped: number;
  filesHeld: number;
  filesDeferred: number;
  batchesTotal: number;
  batchesDone: number;
  /** Folders the listing could not read (DiscoverResult.unlisted). */
  unlisted?: string;
}

export interface HarvestResult extends HarvestProgress {
  status: 'succeeded' | 'failed' | 'skipped';
}

export const progressQuery = defineQuery<HarvestProgress>('progress');

/** From discovery to its own workflow, after each committed piece of the plan. */
export const batchesPlannedSignal = defineSignal<[PlannedSoFar]>('batchesPlanned');

/**
 * The ApplicationFailure type of a discovery or batch attempt stopped because its worker shut
 * down (after the worker's grace time). Retryable like any other failure; but when it ends the
 * last attempt, the workflow runs the activity again instead of failing the run: a stopping
 * worker (a deployment, a scale-in) says nothing about the batch.
 */
export const WORKER_SHUTDOWN_FAILURE = 'WorkerShutdown';

/**
 * The Temporal UI's one line about a harvest workflow (its list shows ids otherwise), for runs
 * started ad hoc (`api`, `manual`) and by a schedule alike.
 */
export function harvestSummary(instrumentName: string, trigger: string): string {
  return `Harvest of ${instrumentName} (${trigger})`;
}

/** One harvest workflow per run; the run id keeps ids unique, the instrument name makes them readable. */
export function harvestWorkflowId(instrumentName: string, runId: string): string {
  return `harvest-${instrumentName}-${runId}`;
}

export const searchAttributes = {
  instrument: defineSearchAttributeKey('SheafInstrument', SearchAttributeType.KEYWORD),
  runId: defineSearchAttributeKey('SheafRunId', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('SheafPhase', SearchAttributeType.KEYWORD),
  filesDone: defineSearchAttributeKey('SheafFilesDone', SearchAttributeType.INT),
  filesTotal: defineSearchAttributeKey('SheafFilesTotal', SearchAttributeType.INT),
  bytesDone: defineSearchAttributeKey('SheafBytesDone', SearchAttributeType.INT),
} as const;
