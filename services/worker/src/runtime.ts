import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { ServerConfig } from '@sheaf/config';

/** Sheaf's log levels (LOG_LEVEL) as the SDK's. */
const SDK_LEVELS: Record<ServerConfig['logLevel'], LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** A value JSON can hold: errors as message and stack, bigints as numbers. */
function plain(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return Number(value);
  return value;
}

/**
 * One log entry of the worker as one JSON line, as the API writes its own: `time`, `level`,
 * `context` (the SDK's component: worker, activity, workflow), `msg`, then the entry's fields.
 * An activity's entries carry its workflowId, workflowRunId, activityType and attempt; Sheaf's
 * own entries add the harvest's runId (and batchNo). The SDK's workflow entries ("Workflow
 * failed", and the worker's about a workflow task) name Temporal's run id `runId`, beside the
 * workflowId: written as workflowRunId, so `runId` in the worker's log is always a harvest run's.
 */
export function jsonLogLine(entry: LogEntry): string {
  const { sdkComponent, ...fields } = entry.meta ?? {};
  // The task token (a long opaque string on every activity line) tells an operator nothing.
  delete fields.taskToken;
  if (fields.workflowId !== undefined && fields.runId !== undefined && fields.workflowRunId === undefined) {
    fields.workflowRunId = fields.runId;
    delete fields.runId;
  }
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return JSON.stringify({ time, level: entry.level.toLowerCase(), context: sdkComponent ?? 'worker', msg: entry.message, ...fields }, plain) + '\n';
}

/**
 * Failures of activities that logged them with what the SDK's line lacks (the harvest run, the
 * batch, the instrument: harvest.activities.ts, stoppable): the SDK's own "Activity failed" line
 * of such a failure is left out, so one failure is one line.
 */
const reportedFailures = new WeakSet<object>();

/** Marks an activity's failure as logged already (see reportedFailures). */
export function reportedActivityFailure(err: unknown): void {
  if (typeof err === 'object' && err !== null) reportedFailures.add(err);
}

/** Whether an entry is the SDK's "Activity failed" line of a failure the activity logged itself. */
export function reportedElsewhere(entry: LogEntry): boolean {
  const error: unknown = entry.meta?.error;
  return entry.message === 'Activity failed' && typeof error === 'object' && error !== null && reportedFailures.has(error);
}

export interface WorkerRuntimeOptions {
  logLevel: ServerConfig['logLevel'];
  /** host:port for Prometheus to scrape the SDK's metrics (`/metrics`); none when undefined. */
  metricsAddress?: string;
}

/**
 * Installs the SDK's runtime before anything connects: JSON logs on stdout, and, given an address,
 * the SDK's Prometheus metrics: the queue lag (`temporal_activity_schedule_to_start_latency`,
 * `temporal_workflow_task_schedule_to_start_latency`), how long activities (discover,
 * processBatch) take (`temporal_activity_execution_latency`) and how often they fail, in seconds.
 * The queue lag is observed when a worker takes a task: while no worker runs, nothing is, however
 * long tasks wait (docs/deploy.md says what to alert on as well).
 */
export function installWorkerRuntime(options: WorkerRuntimeOptions): void {
  Runtime.install({
    logger: new DefaultLogger(SDK_LEVELS[options.logLevel], (entry) => void (reportedElsewhere(entry) || process.stdout.write(jsonLogLine(entry)))),
    telemetryOptions: {
      // The SDK core's own warnings and errors (its default filter) go through the same logger.
      logging: { forward: {} },
      ...(options.metricsAddress && { metrics: { prometheus: { bindAddress: options.metricsAddress, useSecondsForDurations: true } } }),
    },
  });
}
