import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { DataSource, EntityManager } from 'typeorm';
import type { HarvestStatus } from '@sheaf/contracts';
import { changedRows } from '@sheaf/db';

const DESCRIBE_TIMEOUT_MS = 5_000;

/**
 * How a run's workflow ended, when it is no longer running: its Temporal status (`TERMINATED`,
 * `TIMED_OUT`, ...) or `NOT_FOUND` once retention removed it. Undefined while it runs, and while
 * Temporal cannot be asked (then nothing may be concluded).
 */
export async function endedWorkflowStatus(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    // Bounded: a reconciliation pass must not hang on an unresponsive Temporal.
    const { status } = await client.withDeadline(Date.now() + DESCRIBE_TIMEOUT_MS, () => client.workflow.getHandle(workflowId).describe());
    return status.name === 'RUNNING' ? undefined : status.name;
  } catch (err) {
    return err instanceof WorkflowNotFoundError ? 'NOT_FOUND' : undefined;
  }
}

/**
 * The groups and projects the versions a run took were granted, with how many versions each:
 * `{ groups: { name: n }, projects: { name: n } }`, in one pass over the run's items.
 */
const ACCESS_GRANTED = `(
  SELECT jsonb_build_object(
    'groups', coalesce(jsonb_object_agg(name, versions) FILTER (WHERE kind = 'groups'), '{}'::jsonb),
    'projects', coalesce(jsonb_object_agg(name, versions) FILTER (WHERE kind = 'projects'), '{}'::jsonb))
  FROM (
    SELECT a.key AS kind, granted AS name, count(*) AS versions
      FROM harvest_items i JOIN file_versions f ON f.id = i.file_version_id
      CROSS JOIN LATERAL jsonb_each(f.access) a
      CROSS JOIN LATERAL jsonb_array_elements_text(a.value) granted
     WHERE i.run_id = r.id AND a.key IN ('groups', 'projects') AND jsonb_typeof(a.value) = 'array'
     GROUP BY a.key, granted) per_name)`;

/**
 * The audit event of a run's end: its outcome and counts, and the access its hooks granted (an
 * access grant like any other, though made by a hook, not a person).
 */
const RUN_FINISHED_EVENT = `
  INSERT INTO audit_events (actor_user_id, actor, action, entity_type, entity_id, after)
  SELECT NULL, 'system:harvest', 'harvest.finished', 'harvest_run', r.id::text, jsonb_build_object(
    'instrumentId', r.instrument_id, 'trigger', r.trigger, 'status', r.status, 'error', r.error,
    'filesDone', r.files_done, 'bytesDone', r.bytes_done, 'filesFailed', r.files_failed, 'filesHeld', r.files_held,
    'filesSkipped', r.files_skipped, 'filesDeferred', r.files_deferred,
    'accessGranted', ${ACCESS_GRANTED})
  FROM harvest_runs r WHERE r.id = $1`;

/**
 * Records a run's outcome, with its audit event, and releases its instrument's lease and the
 * destination paths its batches claimed, in one transaction. A run that already has an outcome
 * keeps it (a cancel racing a close, a late reconciler). True when the run was still open.
 */
export async function closeRun(db: DataSource | EntityManager, runId: string, outcome: { status: HarvestStatus; error: string | null }): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Not cut by the API's statement_timeout (the API closes runs too: its reconciler, a run
    // whose workflow could not start): the wait for a batch's writes below, and the audit event's
    // pass over all the run's items, may take longer, and a run left open holds its instrument's
    // lease. This transaction only; the workers' pool has no timeout.
    await tx.query(`SET LOCAL statement_timeout = 0`);
    // Locked FOR UPDATE first, not only by the update (a weaker lock): a batch records into the
    // run (claims, deliveries, its counts) only under a key-share lock of this row, taken while
    // the run is open (RUN_STILL_OPEN in the worker's catalogue). The close waits for those
    // writes, so the claims it lets go of below include theirs, and writes asked for afterwards
    // find the run closed; an attempt that outlived its run records nothing.
    await tx.query(`SELECT 1 FROM harvest_runs WHERE id = $1 FOR UPDATE`, [runId]);
    const closed = await changedRows(
      tx,
      `UPDATE harvest_runs SET status = $2, phase = 'finished', error = $3, finished_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'running') RETURNING id`,
      [runId, outcome.status, outcome.error],
    );
    if (closed.length) await tx.query(RUN_FINISHED_EVENT, [runId]);
    await tx.query(`DELETE FROM instrument_leases WHERE run_id = $1`, [runId]);
    // Destination paths its batches still held (a batch that never ran again after a failure).
    await tx.query(`DELETE FROM destination_claims WHERE run_id = $1`, [runId]);
    return closed.length > 0;
  });
}

/**
 * Closes a run whose workflow ended without recording the run's outcome (an operator terminated
 * it in the Temporal UI, it timed out), so the instrument can be harvested again and the portal
 * stops showing it as running. True when the run was still open.
 */
export function closeAbandonedRun(db: DataSource | EntityManager, run: { id: string; workflowId: string }, workflowStatus: string): Promise<boolean> {
  const error = `its workflow ${run.workflowId} ended (${workflowStatus}) without finishing the run`;
  return closeRun(db, run.id, { status: 'failed', error });
}

/**
 * Open runs whose workflow has ended, closed as failed (see closeAbandonedRun). Runs touched in
 * the last `quietSeconds` are left alone. A run whose close fails is given to `onError` and left
 * open for the next pass; the others are still closed (the oldest first: one failing again and
 * again must not keep the rest open). Returns the runs it closed.
 */
export async function closeEndedRuns(
  dataSource: DataSource,
  client: Client,
  options: { quietSeconds: number; limit: number; onError: (runId: string, err: unknown) => void },
): Promise<string[]> {
  const open: Array<{ id: string; workflow_id: string }> = await dataSource.query(
    `SELECT id, workflow_id FROM harvest_runs
     WHERE status IN ('pending', 'running') AND workflow_id IS NOT NULL AND updated_at < now() - make_interval(secs => $1)
     ORDER BY updated_at LIMIT $2`,
    [options.quietSeconds, options.limit],
  );
  const closed: string[] = [];
  for (const run of open) {
    try {
      const status = await endedWorkflowStatus(client, run.workflow_id);
      if (status && (await closeAbandonedRun(dataSource, { id: run.id, workflowId: run.workflow_id }, status))) closed.push(run.id);
    } catch (err) {
      options.onError(run.id, err);
    }
  }
  return closed;
}
