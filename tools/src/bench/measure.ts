/** Timed harvests, timed rclone runs, and where a harvest's time went. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarvestRunEntity, InstrumentDestinationEntity, InstrumentEntity, StorageLocationEntity } from '@sheaf/db';
import { startHarvest } from '@sheaf/harvests';
import type { HarvestResult } from '@sheaf/workflows';
import type { BenchStack, BenchWorker } from './stack';
import type { ProfileTotals } from './worker-profile';

/** Flushes dirty pages so one timed run does not pay for the previous one's writes. */
export function flush(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

/** Files the creation probe writes. */
export const PROBE_FILES = 1_000;

/**
 * Seconds to create PROBE_FILES empty files in a new folder under `parent`, after `sync` (kept:
 * removing them would slow the next creations). On ext4 without a journal, as on this machine, creating a file
 * skips over inodes freed in the last 60 s (6 min while their inode table block is dirty), so
 * after thousands of files were removed anywhere on the file system, each creation costs far
 * more (seen: 10,000 files in 0.26-0.30 s, and in 2.4-6.6 s within minutes of a removal of
 * 20,000). The probe shows which timed steps ran in such a phase.
 */
export function creationProbe(parent: string): number {
  const dir = join(parent, `probe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(dir, { recursive: true });
  flush();
  const started = performance.now();
  for (let i = 0; i < PROBE_FILES; i++) writeFileSync(join(dir, String(i)), '');
  return (performance.now() - started) / 1000;
}

/** An instrument reading a local folder (no quiet period) with one POSIX destination; `pathTemplate` unset is the default `{instrument}/{path}`. */
export async function createInstrument(stack: BenchStack, name: string, source: string, destination: string, pathTemplate?: string): Promise<string> {
  const db = stack.dataSource;
  const instrument = await db
    .getRepository(InstrumentEntity)
    .save({ name, sourceType: 'local', sourceConfig: { path: source }, minAgeSeconds: 0 });
  const storage = await db.getRepository(StorageLocationEntity).save({ name: `${name}-storage`, type: 'posix', config: { path: destination } });
  await db.getRepository(InstrumentDestinationEntity).insert({ instrumentId: instrument.id, storageLocationId: storage.id, ...(pathTemplate && { pathTemplate }) });
  return instrument.id;
}

export interface TimedHarvest {
  /** startHarvest → the workflow's result, or → the deadline for a run that timed out. */
  seconds: number;
  /** Wall clock when startHarvest was called, ms since the epoch. */
  startedAtMs: number;
  runId: string;
  workflowId: string;
  /** The first execution's run id (later ones follow by continue-as-new). */
  firstExecutionRunId: string;
  /**
   * 'completed': the workflow returned `result`. 'failed': its result() threw (the workflow
   * failed, was cancelled or terminated). 'timed out': no result by the deadline; then cancelled,
   * and terminated if cancelling did not end it.
   */
  status: 'completed' | 'failed' | 'timed out';
  /** Why the run did not complete; unset when it did. */
  message?: string;
  /** The workflow's result; for a run that did not complete, its run row's counts (status 'failed'). */
  result: HarvestResult;
}

/** How long a cancelled harvest gets to end before it is terminated. */
const CANCEL_GRACE_MS = 60_000;

/** An error's message and its causes' (WorkflowFailedError says only "Workflow execution failed"). */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e && parts.length < 5; e = (e as { cause?: unknown }).cause) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(': ');
}

/** The run row's counts, for a run whose workflow returned no result. */
async function runRowResult(stack: BenchStack, runId: string): Promise<HarvestResult> {
  const r = await stack.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: runId });
  return {
    status: 'failed',
    phase: r.phase,
    filesTotal: Number(r.filesTotal),
    bytesTotal: Number(r.bytesTotal),
    filesDone: Number(r.filesDone),
    bytesDone: Number(r.bytesDone),
    filesFailed: Number(r.filesFailed),
    filesSkipped: Number(r.filesSkipped),
    filesHeld: Number(r.filesHeld),
    filesDeferred: Number(r.filesDeferred),
    batchesTotal: r.batchesTotal,
    batchesDone: r.batchesDone,
  };
}

/** Resolves to 'deadline' after `ms`; `clear` stops the timer. */
function deadline(ms: number): { reached: Promise<'deadline'>; clear: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const reached = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  return { reached, clear: () => clearTimeout(timer) };
}

/**
 * startHarvest, then the workflow's result (following continue-as-new runs); wall time of both.
 * A run that fails or passes `deadlineMs` does not throw: it is returned with its status, so
 * that what was measured up to then is kept.
 */
export async function timedHarvest(
  stack: BenchStack,
  worker: BenchWorker,
  instrumentId: string,
  options: { deadlineMs: number; window?: number },
): Promise<TimedHarvest> {
  const startedAtMs = Date.now();
  const started = performance.now();
  const run = await startHarvest({
    dataSource: stack.dataSource,
    client: stack.client,
    taskQueue: worker.taskQueue,
    instrumentId,
    trigger: 'manual',
    tuning: { window: options.window ?? stack.tuning.window },
  });
  const handle = stack.client.workflow.getHandle(run.workflowId);
  // Settled either way, so that a result that comes after the deadline is no unhandled rejection.
  const outcome = handle.result().then(
    (result) => ({ result: result as HarvestResult, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  const limit = deadline(options.deadlineMs);
  const first = await Promise.race([outcome, limit.reached]);
  limit.clear();
  const seconds = (performance.now() - started) / 1000;
  const common = { seconds, startedAtMs, runId: run.runId, workflowId: run.workflowId, firstExecutionRunId: run.temporalRunId };
  if (first !== 'deadline' && first.result) return { ...common, status: 'completed', result: first.result };
  if (first !== 'deadline') return { ...common, status: 'failed', message: describeError(first.error), result: await runRowResult(stack, run.runId) };
  // Past the deadline: cancel (the workflow releases what it holds), then terminate if it has not ended.
  let ended = 'cancelled';
  await handle.cancel().catch((err: unknown) => (ended = `cancel failed (${describeError(err)})`));
  const grace = deadline(CANCEL_GRACE_MS);
  if ((await Promise.race([outcome, grace.reached])) === 'deadline') {
    await handle.terminate('benchmark deadline passed').catch(() => undefined);
    ended += `, then terminated (not ended ${CANCEL_GRACE_MS / 1000} s after the cancel)`;
  }
  grace.clear();
  return {
    ...common,
    status: 'timed out',
    message: `no result within ${(options.deadlineMs / 60_000).toFixed(0)} min; ${ended}`,
    result: await runRowResult(stack, run.runId),
  };
}

export interface TimedCommand {
  seconds: number;
  exitCode: number | null;
  stderrTail: string;
}

/** Runs a command with stdout discarded; wall time from spawn to exit. */
export function timedCommand(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<TimedCommand> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ seconds: (performance.now() - started) / 1000, exitCode: code, stderrTail: stderr.trim() }));
  });
}

// ---- Temporal histories ----

interface EventLike {
  eventType?: unknown;
  eventTime?: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null; input?: unknown } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null; lastFailure?: { message?: string | null } | null } | null;
  activityTaskCompletedEventAttributes?: { scheduledEventId?: unknown } | null;
  activityTaskFailedEventAttributes?: { scheduledEventId?: unknown } | null;
  workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null;
  eventId?: unknown;
}

function ms(t: EventLike['eventTime']): number {
  if (!t) return 0;
  const s = t.seconds;
  const seconds = typeof s === 'number' ? s : s ? s.toNumber() : 0;
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
}

const idOf = (v: unknown) => String(v);

export interface ActivitySpan {
  name: string;
  scheduledMs: number;
  startedMs: number;
  closedMs: number;
  failed: boolean;
}

export interface ExecutionStats {
  runId: string;
  events: number;
}

export interface HistoryStats {
  executions: ExecutionStats[];
  /** Activity attempts after a failure (retries are visible only as a later attempt number), with the failure. */
  retries: Array<{ activity: string; attempt: number; failure: string }>;
  /** Executions the visibility store listed for the workflow id (`WorkflowId = "..."`). */
  listed: number;
  activities: ActivitySpan[];
}

/**
 * Every execution of a workflow id, first to last (following continue-as-new), with its event
 * count and its activities' timings; cross-checked against the visibility list.
 */
export async function historyStats(stack: BenchStack, workflowId: string, firstExecutionRunId: string): Promise<HistoryStats> {
  const executions: ExecutionStats[] = [];
  const activities: ActivitySpan[] = [];
  const retries: HistoryStats['retries'] = [];
  let runId: string | undefined = firstExecutionRunId;
  while (runId) {
    const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = (history.events ?? []) as EventLike[];
    executions.push({ runId, events: events.length });
    const scheduled = new Map<string, { name: string; at: number }>();
    const started = new Map<string, number>();
    let next: string | undefined;
    for (const e of events) {
      if (e.activityTaskScheduledEventAttributes) {
        scheduled.set(idOf(e.eventId), { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: ms(e.eventTime) });
      } else if (e.activityTaskStartedEventAttributes) {
        const a = e.activityTaskStartedEventAttributes;
        started.set(idOf(a.scheduledEventId), ms(e.eventTime));
        if ((a.attempt ?? 1) > 1) {
          retries.push({ activity: scheduled.get(idOf(a.scheduledEventId))?.name ?? '?', attempt: a.attempt ?? 0, failure: a.lastFailure?.message ?? '' });
        }
      } else if (e.activityTaskCompletedEventAttributes || e.activityTaskFailedEventAttributes) {
        const key = idOf((e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes)!.scheduledEventId);
        const s = scheduled.get(key);
        if (s) {
          activities.push({ name: s.name, scheduledMs: s.at, startedMs: started.get(key) ?? s.at, closedMs: ms(e.eventTime), failed: !!e.activityTaskFailedEventAttributes });
        }
      } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
        next = e.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId ?? undefined;
      }
    }
    runId = next;
  }
  // Visibility is eventually consistent: give it a few seconds to list every execution.
  let listed = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const runs = new Set<string>();
    for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs.add(execution.runId);
    listed = runs.size;
    if (listed >= executions.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return { executions, listed, activities, retries };
}

// ---- Where the time went ----

export interface Breakdown {
  /** startHarvest → the workflow's beginRun done (run row started_at), s. */
  startToBegin: number;
  /** The discover activity (listing into staging + planning SQL), s. */
  discover: number;
  batches: number;
  /** Discovery start → first batch start, s: batches start once the plan's first piece is committed. */
  discoverToFirstBatch: number;
  /** First batch start → last batch end, s. */
  batchWall: number;
  batchMean: number;
  batchMax: number;
  /** Mean wall time of a batch's rclone copy (from transfers.duration_ms), s. */
  copyMean: number;
  /** Mean time a batch activity waited between scheduled and started, s. */
  queueMean: number;
  /** Last batch end → the workflow closed, s. */
  finish: number;
  /** Sum of batch activity durations ÷ batch wall time: how many batches ran at once on average. */
  concurrency: number;
  /** Sum of batch activity durations, s. */
  batchSum: number;
  /** The worker's timed calls during the harvest (worker-profile.ts), seconds summed over calls. */
  calls: Record<string, { calls: number; s: number }>;
}

/** What the worker's timed calls cost between two snapshots. */
export function profileDiff(before: ProfileTotals, after: ProfileTotals): Breakdown['calls'] {
  const out: Breakdown['calls'] = {};
  for (const [label, a] of Object.entries(after)) {
    const b = before[label] ?? { calls: 0, ms: 0 };
    if (a.calls > b.calls) out[label] = { calls: a.calls - b.calls, s: (a.ms - b.ms) / 1000 };
  }
  return out;
}

export async function breakdown(stack: BenchStack, harvest: TimedHarvest, history: HistoryStats, calls: Breakdown['calls']): Promise<Breakdown> {
  const clientStartMs = harvest.startedAtMs;
  const spans = history.activities;
  const discover = spans.filter((s) => s.name === 'discover' && !s.failed);
  const batches = spans.filter((s) => s.name === 'processBatch' && !s.failed);
  const begin = spans.find((s) => s.name === 'beginRun');
  const finish = spans.filter((s) => s.name === 'finishRun').at(-1);
  const copies: Array<{ copy_ms: string }> = await stack.dataSource.query(
    `SELECT max(t.duration_ms) AS copy_ms
     FROM transfers t JOIN harvest_items hi ON hi.run_id = t.run_id AND hi.file_version_id = t.file_version_id
     WHERE t.run_id = $1 GROUP BY hi.batch_no`,
    [harvest.runId],
  );
  const durations = batches.map((b) => (b.closedMs - b.startedMs) / 1000);
  const firstBatch = Math.min(...batches.map((b) => b.startedMs));
  const lastBatch = Math.max(...batches.map((b) => b.closedMs));
  const batchWall = batches.length ? (lastBatch - firstBatch) / 1000 : 0;
  const sum = durations.reduce((a, b) => a + b, 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    startToBegin: begin ? (begin.closedMs - clientStartMs) / 1000 : NaN,
    discover: discover.length ? (discover.at(-1)!.closedMs - discover[0].startedMs) / 1000 : 0,
    batches: batches.length,
    discoverToFirstBatch: batches.length && discover.length ? (firstBatch - discover[0].startedMs) / 1000 : NaN,
    batchWall,
    batchMean: mean(durations),
    batchMax: durations.length ? Math.max(...durations) : 0,
    copyMean: mean(copies.map((c) => Number(c.copy_ms) / 1000)),
    queueMean: mean(batches.map((b) => (b.startedMs - b.scheduledMs) / 1000)),
    finish: finish ? (finish.closedMs - (batches.length ? lastBatch : (discover.at(-1)?.closedMs ?? finish.scheduledMs))) / 1000 : NaN,
    concurrency: batchWall > 0 ? sum / batchWall : 0,
    batchSum: sum,
    calls,
  };
}
