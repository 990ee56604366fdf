import type { ScheduledHarvest } from '@sheaf/contracts';

/**
 * The activity interface the harvest workflow calls. Implemented in services/worker
 * (`createHarvestActivities`); only the types live here, so workflow code never imports
 * server code. Payloads carry ids and counts only: file lists stay in Postgres.
 */
export interface DiscoverResult {
  /** Everything the listing saw. */
  listedFiles: number;
  listedBytes: number;
  /** What this run takes on: new, changed and earlier failed or held versions. */
  files: number;
  bytes: number;
  /** Still inside the quiet period: left for a later run. */
  deferred: number;
  batches: number;
  /**
   * The folders the listing could not read (access denied), in words: the run takes what was
   * listed, and ends failed, saying so. Absent when the listing was whole.
   */
  unlisted?: string;
}

/**
 * The batches a run has planned so far, from discovery while it plans: batches 0 to
 * `batches - 1` can be started.
 */
export interface PlannedSoFar {
  batches: number;
  files: number;
  bytes: number;
}

export interface BatchResult {
  /** Verified at every destination. */
  files: number;
  bytes: number;
  failed: number;
  skipped: number;
  held: number;
  /** Changed while being harvested: left for a later run. */
  deferred: number;
}

/**
 * Not acquired: another run holds the instrument's lease (`holderRunId`), or a scheduled run found
 * its instrument disabled (`disabled`; its schedule's pause had not reached Temporal yet).
 */
export type BeginRunResult =
  | { acquired: true; instrumentName: string }
  | { acquired: false; instrumentName: string; holderRunId: string }
  /**
   * A run that must not go ahead: a scheduled run whose instrument or schedule is off, or a run
   * that has ended already (its workflow reset); `reason` says which (absent in older histories).
   */
  | { acquired: false; instrumentName: string; disabled: true; reason?: string };

export interface HarvestActivities {
  /** Creates the run row of a schedule-started execution chain (idempotent per workflow id and the chain's first run id); returns its id. */
  createScheduledRun(scheduled: ScheduledHarvest, workflowId: string, firstExecutionRunId: string): Promise<string>;
  /** Marks the run running and takes the instrument's lease (one harvest per instrument); skips a scheduled run of a disabled instrument or schedule. */
  beginRun(runId: string): Promise<BeginRunResult>;
  /**
   * Lists the source into staging and plans the run's batches, committed in pieces: each piece
   * is announced with `batchesPlannedSignal` so batches start while the rest is planned.
   */
  discover(runId: string): Promise<DiscoverResult>;
  /** Pre-hooks, copy, verify, ARK mint and post-hooks for one batch; resumes where it stopped. */
  processBatch(runId: string, batchNo: number): Promise<BatchResult>;
  /** Records the outcome and releases the lease. */
  finishRun(runId: string, outcome: { status: 'succeeded' | 'failed' | 'cancelled' | 'skipped'; error?: string }): Promise<void>;
}
