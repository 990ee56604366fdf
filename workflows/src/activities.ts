/**
 * The activity interface the harvest workflow calls. Implemented in services/worker
 * (`createHarvestActivities`); only the types live here, so workflow code never imports
 * server code.
 */
export interface DiscoverResult {
  files: number;
  bytes: number;
}

export interface TransferResult {
  files: number;
  bytes: number;
  failed: number;
}

export interface HarvestActivities {
  /** Marks the run running and returns the instrument's name. */
  beginRun(runId: string): Promise<{ instrumentName: string }>;
  /** Lists the source and records what is there. */
  discover(runId: string): Promise<DiscoverResult>;
  /** Copies the discovered files to every destination of the instrument. */
  transfer(runId: string): Promise<TransferResult>;
  /** Records the outcome on the run row. */
  finishRun(runId: string, outcome: { status: 'succeeded' | 'failed' | 'cancelled'; error?: string }): Promise<void>;
}
