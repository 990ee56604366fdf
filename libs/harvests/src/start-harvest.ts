import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { DataSource, EntityManager } from 'typeorm';
import { HarvestRunEntity, InstrumentEntity, type HarvestTrigger } from '@sheaf/db';
import { harvest, harvestSummary, harvestWorkflowId, searchAttributes } from '@sheaf/workflows';
import { closeRun } from './ended-runs';
import { isTemporalUnreachable, temporalRefusal } from './temporal-errors';

export interface StartHarvestOptions {
  /** Where the run row is written: the data source, or a connection of it the caller holds. */
  dataSource: DataSource | EntityManager;
  client: Client;
  taskQueue: string;
  instrumentId: string;
  trigger: HarvestTrigger;
  /** The Sheaf portal's address: the workflow's details in the Temporal UI link to the run's page there. */
  portalUrl?: string;
  /** Tuning carried into the workflow input (tests use short heartbeat timeouts). */
  tuning?: { window?: number; heartbeatTimeoutSeconds?: number };
  /**
   * Given the instrument as read FOR SHARE in the transaction that records the run (null: gone,
   * or deleted), which holds the row until it commits: the API refuses there one a concurrent
   * request deleted or disabled (which lock the row for update) as it refuses one deleted or
   * disabled before.
   */
  admit?: (tx: EntityManager, instrument: InstrumentEntity | null) => Promise<void>;
  /**
   * Written in the transaction that records the run, before its workflow starts (the API's audit
   * event): a run is never started without it.
   */
  record?: (tx: EntityManager, run: { runId: string; workflowId: string }) => Promise<void>;
  /**
   * Wraps the workflow's start, and only it: the API bounds its Temporal calls in time there. The
   * transaction before it may wait for the instrument's row (a rename or deletion holding it), and
   * a deadline set before that would have passed by the time the start is sent.
   */
  aroundStart?: <T>(start: () => Promise<T>) => Promise<T>;
}

export interface StartedHarvest {
  runId: string;
  workflowId: string;
  temporalRunId: string;
}

/**
 * The run was recorded, then its workflow could not be started: the run is closed as failed, its
 * error saying why, and named here, so a caller can tell which run that was (its retry records
 * another). `cause` is what the start threw.
 */
export class WorkflowNotStartedError extends Error {
  constructor(
    readonly runId: string,
    cause: unknown,
  ) {
    super(`the workflow of run ${runId} could not be started: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'WorkflowNotStartedError';
  }
}

/**
 * Why a workflow did not start, for the run's error (and the notification made of it): without
 * Temporal's address, which an unreachable Temporal's gRPC error names.
 */
function whyNotStarted(err: unknown): string {
  if (isTemporalUnreachable(err)) return 'Temporal could not be reached';
  const refusal = temporalRefusal(err);
  if (refusal !== undefined) return `Temporal refused it: ${refusal}`;
  return err instanceof Error ? err.message : String(err);
}

/** Link to a workflow's page in the Temporal UI. */
export function temporalUiWorkflowUrl(uiUrl: string, namespace: string, workflowId: string): string {
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * Records a harvest run and starts its workflow. The workflow carries only the run id; the memo
 * and search attributes let operators find it in the Temporal UI.
 */
export async function startHarvest(options: StartHarvestOptions): Promise<StartedHarvest> {
  const runs = options.dataSource.getRepository(HarvestRunEntity);
  const { run, instrument, workflowId } = await options.dataSource.transaction(async (tx) => {
    // FOR SHARE: a deletion or rename of the instrument waits for the run's row (and then finds
    // the run), or this waits for it (and then finds the instrument gone).
    const instrument = await tx.getRepository(InstrumentEntity).findOne({ where: { id: options.instrumentId }, lock: { mode: 'pessimistic_read' } });
    await options.admit?.(tx, instrument);
    if (!instrument) throw new Error(`instrument ${options.instrumentId} not found`);
    // The workflow id is on the row from the start: a run whose workflow never started (the
    // process died in between) is then closed by the reconciler (its workflow is not found),
    // instead of holding the instrument's lease for good.
    const id = randomUUID();
    const workflowId = harvestWorkflowId(instrument.name, id);
    const run = await tx.getRepository(HarvestRunEntity).save({ id, instrumentId: instrument.id, trigger: options.trigger, workflowId });
    await options.record?.(tx, { runId: run.id, workflowId });
    return { run, instrument, workflowId };
  });
  const aroundStart = options.aroundStart ?? ((start) => start());
  try {
    const handle = await aroundStart(() =>
      options.client.workflow.start(harvest, {
        taskQueue: options.taskQueue,
        workflowId,
        args: [{ runId: run.id, ...options.tuning }],
        memo: { instrument: instrument.name, runId: run.id, trigger: options.trigger },
        // The Temporal UI's one line about the run, and where to see its files.
        staticSummary: harvestSummary(instrument.name, options.trigger),
        staticDetails: options.portalUrl && `[This run in the Sheaf portal](${options.portalUrl}/runs/${run.id}): its files, failures and deliveries`,
        typedSearchAttributes: [
          { key: searchAttributes.instrument, value: instrument.name },
          { key: searchAttributes.runId, value: run.id },
          { key: searchAttributes.phase, value: 'queued' },
        ],
      }),
    );
    await runs.update({ id: run.id }, { temporalRunId: handle.firstExecutionRunId });
    return { runId: run.id, workflowId, temporalRunId: handle.firstExecutionRunId };
  } catch (err) {
    // Closed as any run is, with its finished audit event: nothing will run under it.
    await closeRun(options.dataSource, run.id, { status: 'failed', error: `its workflow could not be started: ${whyNotStarted(err)}; nothing was harvested` });
    throw new WorkflowNotStartedError(run.id, err);
  }
}
