import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import type { SecretBox } from '@sheaf/crypto';
import {
  HarvestRunEntity,
  HookEntity,
  InstrumentDestinationEntity,
  InstrumentEntity,
  ScheduleEntity,
  ServiceAccountEntity,
  StorageLocationEntity,
} from '@sheaf/db';
import { closeAbandonedRun, closeRun, endedWorkflowStatus, isActiveRun } from '@sheaf/harvests';
import { parseSealedHeaders, withSealedValues, type HookConfigRow } from '@sheaf/hooks';
import { IncompleteListingError, Rclone, RcloneError } from '@sheaf/rclone';
import { batchesPlannedSignal, WORKER_SHUTDOWN_FAILURE, type BatchResult, type BeginRunResult, type DiscoverResult, type HarvestActivities, type PlannedSoFar } from '@sheaf/workflows';
import { processBatch, rcloneFailure, type Destination } from '../harvest/batch';
import { HarvestCatalogue, type LeaseHolder } from '../harvest/catalogue';
import { FAILURE_TYPES, resolveDestination, resolveSource } from '../harvest/locations';
import { DEFAULT_PATH_TEMPLATE } from '../harvest/paths';
import { reportedActivityFailure } from '../runtime';

export interface HarvestActivityDeps {
  dataSource: DataSource;
  rcloneBinary: string;
  /** Opens sealed secrets (SMB passwords, storage keys, webhook keys and header values); absent when none is configured. */
  secretBox?: SecretBox;
  ark: { mint: () => string };
  batch: { maxFiles: number; maxBytes: number };
  /** rclone `--transfers` per batch. */
  transfers: number;
  /** This worker process, recorded on the batches it runs. */
  identity: string;
}

/**
 * Long activities heartbeat at least this often, whatever step they are in: a cancel reaches an
 * activity only in the answer to a heartbeat (the SDK sends at most one every 2 s, see worker.ts).
 */
const HEARTBEAT_INTERVAL_MS = 2_000;

/** How long announcing planned batches to the workflow may take (see announcePlanned). */
const ANNOUNCE_TIMEOUT_MS = 10_000;

/** What a run says of the folders its listing could not read. */
function describeUnlisted(err: IncompleteListingError): string {
  const { count, first } = err.unlisted;
  const named = first.map((f) => `${f.folder} (${f.reason})`).join(', ');
  const more = count > first.length ? ` and ${count - first.length} more` : '';
  return `${count} folder(s) of the source could not be listed, so their files were not taken (the next run lists them again): ${named}${more}`;
}

/**
 * A webhook's config with its header values opened: the config keeps the names with *** as values,
 * the values are sealed apart (`headers_sealed`, a JSON object of names and values). A config
 * stored before they were sealed holds them itself, and has nothing sealed apart.
 */
function withHeaderValues(config: Record<string, unknown>, sealed: string, box: SecretBox | undefined): Record<string, unknown> {
  if (!box) throw new Error('SHEAF_ENCRYPTION_KEY is not configured');
  const headers = config.headers;
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return config;
  const opened = withSealedValues(headers as Record<string, unknown>, parseSealedHeaders(box.open(sealed)));
  // A *** left without a value would be sent as the value.
  const missing = Object.keys(headers).find((name) => !Object.hasOwn(opened, name));
  if (missing) throw new Error(`header ${missing} has no sealed value`);
  return { ...config, headers: opened };
}

/**
 * Whether the activity was stopped because its worker is shutting down: the worker cancels what
 * still runs once its grace time (worker.ts) is up. The SDK's cancellation says so in its
 * details, or (when the SDK itself cancels at shutdown, without details) in its reason.
 */
function stoppedByShutdown(ctx: Context): boolean {
  if (!ctx.cancellationSignal.aborted) return false;
  const stop = ctx.cancellationDetails;
  if (stop?.cancelRequested || stop?.paused || stop?.reset) return false;
  const reason: unknown = ctx.cancellationSignal.reason;
  return stop?.workerShutdown === true || (reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN');
}

/**
 * Whether no attempt follows this one: the retry policy's last (0 attempts means no limit),
 * unless an operator paused or reset the activity, which runs it again, or its worker shut down,
 * after which the workflow runs it again (WORKER_SHUTDOWN_FAILURE). Not certain then: the run may
 * be cancelled or fail meanwhile, or the reruns be used up, so a batch stopped by a shutdown
 * still removes the copies it knows to be bad (batch.ts, removalDeadline).
 */
function isLastAttempt(ctx: Context): boolean {
  const maximum = ctx.info.retryPolicy?.maximumAttempts ?? 0;
  const again = ctx.cancellationDetails?.paused || ctx.cancellationDetails?.reset || stoppedByShutdown(ctx);
  return maximum > 0 && ctx.info.attempt >= maximum && !again;
}

/**
 * The work of a long activity (discovery, a batch). When Temporal stops it (the run was
 * cancelled, or an operator paused or reset the activity), whatever the work throws on its way
 * out (rclone "cancelled", an aborted query) is reported as that stop: Temporal takes an
 * activity as cancelled only when it ends with the SDK's CancelledFailure, and a cancelled run
 * ended as "failed". A stop by the worker shutting down is reported as a failure of its own type
 * (WORKER_SHUTDOWN_FAILURE), which Temporal retries and, should it end the last attempt, the
 * workflow runs again instead of failing the run. Other stops (a heartbeat timeout) stay the
 * failures they are, which Temporal retries.
 */
async function stoppable<T>(what: FailureFields, work: (fields: FailureFields) => Promise<T>): Promise<T> {
  const ctx = Context.current();
  try {
    return await work(what);
  } catch (err) {
    const stop = ctx.cancellationDetails;
    if (ctx.cancellationSignal.aborted && (stop?.cancelRequested || stop?.paused || stop?.reset)) throw ctx.cancellationSignal.reason;
    let failure = err;
    if (stoppedByShutdown(ctx)) {
      const said = err instanceof Error ? err.message : String(err);
      failure = ApplicationFailure.create({ type: WORKER_SHUTDOWN_FAILURE, message: `stopped as its worker shut down (${said})`, cause: err instanceof Error ? err : undefined });
    }
    throw reportFailure(what.batchNo === undefined ? 'discovery failed' : 'batch failed', what, failure);
  }
}

/**
 * Logs an activity's failure with what the SDK's own "Activity failed" line lacks (the harvest
 * run, the batch, the instrument), in place of that line (runtime.ts leaves out the SDK's line of
 * a failure reported here); returns the failure, to throw.
 */
function reportFailure(message: string, fields: object, failure: unknown): unknown {
  Context.current().log.warn(message, { ...fields, error: failure });
  reportedActivityFailure(failure);
  return failure;
}

/** The work of a short bookkeeping activity (beginRun, finishRun): a failure is logged with its harvest run. */
async function reported<T>(message: string, fields: { runId: string }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw reportFailure(message, fields, err);
  }
}

/** What the line of a failed discovery or batch says of it (stoppable): filled in as the work learns it. */
interface FailureFields {
  runId: string;
  batchNo?: number;
  instrument?: string;
}

/**
 * An abort signal that fires when the worker shutting down stops the activity (not when its run
 * is cancelled or an operator pauses or resets it); `done` lets go of the activity's signal.
 */
function shutdownSignal(ctx: Context): { signal: AbortSignal; done: () => void } {
  const shutdown = new AbortController();
  const onStop = () => {
    if (stoppedByShutdown(ctx)) shutdown.abort(ctx.cancellationSignal.reason);
  };
  ctx.cancellationSignal.addEventListener('abort', onStop, { once: true });
  onStop();
  return { signal: shutdown.signal, done: () => ctx.cancellationSignal.removeEventListener('abort', onStop) };
}

export function createHarvestActivities(deps: HarvestActivityDeps): HarvestActivities {
  const db = deps.dataSource;
  const catalogue = new HarvestCatalogue(db);

  /**
   * Why a scheduled run must not harvest now (its instrument is disabled, its schedule was
   * deleted, or paused and the pause has not reached Temporal yet), or undefined. A paused
   * schedule's runs go ahead once Temporal has the pause: what still reaches a worker then is
   * someone's "run now" or backfill (each pushes the schedule first), which a paused schedule is
   * for (filling in what it missed). Before that, Temporal may still start the slots it has, or
   * catch up on them when it comes back (up to a day later).
   */
  async function scheduledRunRefusal(run: HarvestRunEntity, instrument: InstrumentEntity): Promise<string | undefined> {
    if (!instrument.enabled) return `instrument ${instrument.name} is disabled`;
    if (!run.scheduleId) return undefined;
    const schedule = await db.getRepository(ScheduleEntity).findOne({ where: { id: run.scheduleId }, withDeleted: true });
    // Schedules are only soft-deleted (and a purged one would have cleared schedule_id).
    if (schedule?.deletedAt) return `its schedule ${run.scheduleId} was deleted`;
    if (schedule && !schedule.enabled && schedule.needsSync) return `its schedule ${run.scheduleId} was paused (not yet in Temporal)`;
    return undefined;
  }

  async function loadRun(runId: string) {
    const run = await db.getRepository(HarvestRunEntity).findOneBy({ id: runId });
    if (!run) throw ApplicationFailure.nonRetryable(`harvest run ${runId} does not exist`, FAILURE_TYPES.notFound);
    const instrument = await db.getRepository(InstrumentEntity).findOneBy({ id: run.instrumentId });
    if (!instrument) throw ApplicationFailure.nonRetryable(`instrument ${run.instrumentId} does not exist`, FAILURE_TYPES.notFound);
    return { run, instrument };
  }

  /**
   * A lease whose run's workflow has ended without finishing the run (an operator terminated it
   * in the Temporal UI, or it timed out) would block the instrument for good: that run is closed
   * as failed, its lease released. True when that happened. While Temporal cannot say, the lease
   * stands.
   */
  async function releaseIfEnded(holder: LeaseHolder): Promise<boolean> {
    if (!holder.workflowId) return false;
    const status = await endedWorkflowStatus(Context.current().client, holder.workflowId);
    if (!status) return false;
    await closeAbandonedRun(db, { id: holder.runId, workflowId: holder.workflowId }, status);
    Context.current().log.warn('closed a run whose workflow had ended and released its lease', { runId: holder.runId, workflowStatus: status });
    return true;
  }

  async function locations(instrument: InstrumentEntity) {
    const account = instrument.serviceAccountId
      ? await db
          .getRepository(ServiceAccountEntity)
          .createQueryBuilder('a')
          .addSelect('a.passwordSealed')
          .where('a.id = :id', { id: instrument.serviceAccountId })
          .getOne()
      : null;
    // The connection string of an rclone source is sealed apart (select: false): read here, with the row as it is now.
    const sealed =
      instrument.sourceType === 'rclone'
        ? ((await db.query(`SELECT source_remote_sealed, source_config FROM instruments WHERE id = $1`, [instrument.id])) as Array<{
            source_remote_sealed: string | null;
            source_config: Record<string, unknown>;
          }>)[0]
        : undefined;
    const source = resolveSource(
      sealed ? { ...instrument, sourceConfig: sealed.source_config, sourceRemoteSealed: sealed.source_remote_sealed } : instrument,
      account,
      deps.secretBox,
    );
    const links = await db.getRepository(InstrumentDestinationEntity).find({ where: { instrumentId: instrument.id } });
    if (!links.length) throw ApplicationFailure.nonRetryable(`instrument ${instrument.name} has no destination`, FAILURE_TYPES.invalidConfig);
    const storages = await db
      .getRepository(StorageLocationEntity)
      .createQueryBuilder('s')
      .addSelect('s.secretSealed')
      .where('s.id IN (:...ids)', { ids: links.map((l) => l.storageLocationId) })
      .getMany();
    const destinations: Destination[] = links.map((link, i) => {
      const storage = storages.find((s) => s.id === link.storageLocationId);
      if (!storage) throw ApplicationFailure.nonRetryable(`storage location ${link.storageLocationId} is gone`, FAILURE_TYPES.invalidConfig);
      return {
        ...resolveDestination(storage, `dst${i}`, deps.secretBox),
        storageLocationId: storage.id,
        pathTemplate: link.pathTemplate || DEFAULT_PATH_TEMPLATE,
        ignoresCase: storage.type === 'smb',
      };
    });
    return { source, destinations };
  }

  async function hooksOf(instrumentId: string) {
    const rows = await db
      .getRepository(HookEntity)
      .createQueryBuilder('h')
      .addSelect('h.secretSealed')
      .addSelect('h.headersSealed')
      .where('h.enabled AND (h.instrumentId IS NULL OR h.instrumentId = :instrumentId)', { instrumentId })
      .orderBy('h.priority')
      .addOrderBy('h.id')
      .getMany();
    const secrets = new Map(rows.filter((h) => h.secretSealed).map((h) => [h.id, h.secretSealed!]));
    // Why a webhook's sealed header values could not be opened: its calls fail, as a signing key
    // that does not open fails them (the hook holds the files it sees, saying why).
    const unopened = new Map<string, string>();
    const hooks: HookConfigRow[] = rows.map((h) => {
      let config = h.config;
      if (h.headersSealed) {
        try {
          config = withHeaderValues(h.config, h.headersSealed, deps.secretBox);
        } catch (err) {
          unopened.set(h.id, err instanceof Error ? err.message : String(err));
        }
      }
      return { id: h.id, phase: h.phase, kind: h.kind, priority: h.priority, enabled: h.enabled, config };
    });
    const webhookSecret = (hookId: string) => {
      const sealed = secrets.get(hookId);
      const secret = sealed && deps.secretBox ? deps.secretBox.open(sealed) : undefined;
      // Asked for before each call: without its header values (*** in the config) it is not made.
      const problem = unopened.get(hookId);
      if (secret && problem) throw new Error(`its header values could not be opened: ${problem}`);
      return secret;
    };
    return { hooks, webhookSecret };
  }

  /**
   * Tells the run's workflow that more batches are planned, so they start while the rest is
   * planned. Best effort: the discovery's result carries the whole plan anyway, so a lost signal
   * only delays those batches until then. Bounded, as planning waits for it: a Temporal that
   * takes the call and never answers would hold the plan, behind the discovery's timer heartbeats.
   */
  async function announcePlanned(ctx: Context, soFar: PlannedSoFar): Promise<void> {
    const execution = ctx.info.workflowExecution;
    if (!execution) return;
    try {
      const { client } = ctx; // throws where no client is given (a test's environment): best effort too
      await client.withDeadline(Date.now() + ANNOUNCE_TIMEOUT_MS, () => client.workflow.getHandle(execution.workflowId, execution.runId).signal(batchesPlannedSignal, soFar));
    } catch (err) {
      ctx.log.warn('could not announce planned batches to the workflow', { batches: soFar.batches, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /**
   * A folder that vanished while rclone listed it (an instrument's software moving a finished run
   * folder) fails the listing with the exit code of a missing source folder (3). Only a source root
   * that is gone makes that permanent; otherwise the discovery is retried.
   */
  async function listingFailure(rclone: Rclone, source: { root: string; label: string }, err: unknown, signal: AbortSignal): Promise<unknown> {
    if (err instanceof RcloneError && err.exitCode === 3 && !signal.aborted) {
      const rootThere = await rclone.exists(source.root, signal).catch(() => false);
      if (rootThere) return new Error(`${source.label}: a folder changed while it was being listed (the listing is retried): ${err.message}`);
    }
    return rcloneFailure(err, source.label);
  }

  /** Lists the source into staging and plans the run (see HarvestActivities.discover). */
  async function discover(runId: string, fields: FailureFields): Promise<DiscoverResult> {
    const planned = await catalogue.existingPlan(runId);
    if (planned) return planned;
    const started = Date.now();
    const { instrument } = await loadRun(runId);
    fields.instrument = instrument.name;
    const { source } = await locations(instrument);
    const ctx = Context.current();
    const rclone = new Rclone(deps.rcloneBinary, source.remotes);
    const listing = await catalogue.openListing(runId);
    // On a timer, not only when a piece of the listing arrives: rclone can stay silent for minutes
    // (a large flat folder on a slow share) and planning a million new files takes minutes of SQL.
    let beat: { listed: number; step: 'listing' | 'planning' } = { listed: 0, step: 'listing' };
    const timer = setInterval(() => ctx.heartbeat(beat), HEARTBEAT_INTERVAL_MS);
    try {
      // Each piece of the listing (up to ~9,000 entries) is written while the next is read: the
      // listing never waits for the database except when the database is a whole piece behind.
      let staging: Promise<void> = Promise.resolve();
      let unlisted: string | undefined;
      try {
        for await (const files of rclone.listFiles(source.root, ctx.cancellationSignal)) {
          await staging;
          staging = listing.stage(files);
          // Observed now, so a failure is not an unhandled rejection; awaited before the next piece.
          staging.catch(() => undefined);
          beat = { listed: listing.files, step: 'listing' };
          ctx.heartbeat(beat);
        }
      } catch (err) {
        await staging.catch(() => undefined);
        // Folders it could not read (access denied) do not keep the run from taking the rest.
        if (err instanceof IncompleteListingError) unlisted = describeUnlisted(err);
        else throw await listingFailure(rclone, source, err, ctx.cancellationSignal);
      }
      await staging;
      if (listing.unknownSize.count) ctx.log.warn('left out files of unknown size', { runId, ...listing.unknownSize });
      beat = { listed: listing.files, step: 'planning' };
      ctx.heartbeat(beat);
      const plan = await listing.plan(instrument.id, instrument.minAgeSeconds, deps.batch, {
        onPlanned: (soFar) => announcePlanned(ctx, soFar),
        signal: ctx.cancellationSignal,
        unlisted,
      });
      if (plan) {
        ctx.log.info('discovered and planned', {
          runId,
          instrument: instrument.name,
          filesListed: plan.listedFiles,
          filesTaken: plan.files,
          bytesTaken: plan.bytes,
          filesDeferred: plan.deferred,
          batches: plan.batches,
          durationMs: Date.now() - started,
          ...(unlisted && { unlisted }),
        });
        return plan;
      }
      // Another attempt of this discovery planned the run first.
      const other = await catalogue.existingPlan(runId);
      if (!other) throw ApplicationFailure.nonRetryable(`harvest run ${runId} ended while it was being discovered`, FAILURE_TYPES.notFound);
      return other;
    } finally {
      clearInterval(timer);
      await listing.close();
    }
  }

  /** One batch, unless another attempt has finished it already. */
  async function runBatch(runId: string, batchNo: number, fields: FailureFields): Promise<BatchResult> {
    const ctx = Context.current();
    const started = Date.now();
    const ran = await catalogue.startBatch(runId, batchNo, deps.identity);
    if (ran === 'run ended') throw ApplicationFailure.nonRetryable(`harvest run ${runId} has ended; its batch ${batchNo} does nothing`, FAILURE_TYPES.notFound);
    if (ran === 'started') {
      const { instrument } = await loadRun(runId);
      fields.instrument = instrument.name;
      const { source, destinations } = await locations(instrument);
      const { hooks, webhookSecret } = await hooksOf(instrument.id);
      const rclone = new Rclone(deps.rcloneBinary, [...source.remotes, ...destinations.flatMap((d) => d.remotes)]);
      let last: object = { batchNo };
      let recorded = false;
      const timer = setInterval(() => ctx.heartbeat(last), HEARTBEAT_INTERVAL_MS);
      const shutdown = shutdownSignal(ctx);
      try {
        await processBatch(catalogue, rclone, {
          runId,
          batchNo,
          instrument: { id: instrument.id, name: instrument.name },
          source,
          destinations,
          hooks,
          webhookSecret,
          transfers: deps.transfers,
          mintArk: deps.ark.mint,
          signal: ctx.cancellationSignal,
          shutdown: shutdown.signal,
          lastAttempt: () => isLastAttempt(ctx),
          runCancelled: () => ctx.cancellationDetails?.cancelRequested === true,
          heartbeat: (details) => {
            last = details;
            ctx.heartbeat(details);
          },
          verdictsRecorded: () => (recorded = true),
        });
      } catch (err) {
        // Cancelled while its post-hooks ran: its files were verified (and given ARKs) in this
        // run, so the run counts them, in its totals and its audit event. No attempt follows;
        // the post-hooks stay owed to the next run.
        if (recorded && ctx.cancellationDetails?.cancelRequested) await catalogue.finishBatch(runId, batchNo);
        throw err;
      } finally {
        clearInterval(timer);
        shutdown.done();
      }
    }
    const result = await catalogue.finishBatch(runId, batchNo);
    if (ran === 'started') {
      const { files, bytes, failed, skipped, held, deferred } = result;
      // Failed and held files wait for someone (or the next run): a warning, where operators look.
      ctx.log[failed || held ? 'warn' : 'info']('batch done', { runId, batchNo, filesVerified: files, bytesVerified: bytes, failed, skipped, held, deferred, durationMs: Date.now() - started });
    }
    return result;
  }

  /** Takes the instrument's lease and opens the run (see HarvestActivities.beginRun). */
  async function beginRun(runId: string): Promise<BeginRunResult> {
    const { run, instrument } = await loadRun(runId);
    // A workflow reset in the Temporal UI runs an ended run's workflow again: it must not
    // harvest under a run whose outcome is recorded, nor beside the instrument's next run (an
    // ended run's lease is free to take). The workflow reports it as it does a disabled one.
    if (!isActiveRun(run.status)) {
      return { acquired: false, instrumentName: instrument.name, disabled: true, reason: `run ${runId} has ended (${run.status}); its workflow harvests nothing again: start a new harvest` };
    }
    // Disabling an instrument pauses, and deleting a schedule deletes, the Temporal Schedule,
    // but a trigger can come first (the change is still on its way to Temporal); an ad hoc run
    // was checked when it started.
    const skip = run.trigger === 'schedule' ? await scheduledRunRefusal(run, instrument) : undefined;
    if (skip) return { acquired: false, instrumentName: instrument.name, disabled: true, reason: skip };
    let lease = await catalogue.acquireLease(instrument.id, runId);
    if (!lease.acquired && (await releaseIfEnded(lease.holder))) lease = await catalogue.acquireLease(instrument.id, runId);
    if (!lease.acquired) return { acquired: false, instrumentName: instrument.name, holderRunId: lease.holder.runId };
    // Only a run still queued starts discovering. A run already on its way keeps its phase: the
    // workflow reset in the Temporal UI to before this step, or a late attempt of this step
    // (one that overran its time limit while the next attempt went on), must not put a
    // transferring run back to discovering, or discovery would not find its plan (existingPlan)
    // and list the source again (its deferred files counted twice), and finishRun would not
    // mark the destinations searched (markBackfilled needs 'transferring').
    await db
      .getRepository(HarvestRunEntity)
      .createQueryBuilder()
      .update()
      .set({ status: 'running', phase: () => "CASE WHEN phase = 'queued' THEN 'discovering' ELSE phase END", startedAt: () => 'coalesce(started_at, now())' })
      // A late attempt (the workflow was cancelled meanwhile and closed the run) opens nothing again.
      .where("id = :runId AND status IN ('pending', 'running')", { runId })
      .execute();
    return { acquired: true, instrumentName: instrument.name };
  }

  /** Records the run's outcome and releases its lease (see HarvestActivities.finishRun). */
  async function finishRun(runId: string, outcome: Parameters<HarvestActivities['finishRun']>[1]): Promise<void> {
    // Before the run's phase becomes 'finished': marking needs it still 'transferring'.
    await catalogue.markBackfilled(runId);
    // The first outcome stays: a cancel while a run was being closed as succeeded starts a
    // second finishRun (cancelled) before the first has ended, and either may finish first.
    const closed = await closeRun(db, runId, { status: outcome.status, error: outcome.error ?? null });
    Context.current().log.info(closed ? 'run closed' : 'run was closed already; outcome not recorded', { runId, status: outcome.status, ...(outcome.error && { error: outcome.error }) });
  }

  return {
    async createScheduledRun(scheduled, workflowId, firstExecutionRunId): Promise<string> {
      const instrument = await db.getRepository(InstrumentEntity).findOneBy({ id: scheduled.instrumentId });
      if (!instrument) {
        throw ApplicationFailure.nonRetryable(`instrument ${scheduled.instrumentId} of schedule ${scheduled.scheduleId} does not exist`, FAILURE_TYPES.notFound);
      }
      if (!(await db.getRepository(ScheduleEntity).exists({ where: { id: scheduled.scheduleId }, withDeleted: true }))) {
        throw ApplicationFailure.nonRetryable(`schedule ${scheduled.scheduleId} does not exist`, FAILURE_TYPES.notFound);
      }
      // One row per execution chain (temporal_run_id holds its first run id, as for ad hoc runs):
      // a retried activity, or an execution reset in the Temporal UI, finds the row the chain
      // made, and a backfill of a slot that already ran (same workflow id, new chain) gets a row of its own.
      const rows: Array<{ id: string }> = await db.query(
        `WITH made AS (
           INSERT INTO harvest_runs (instrument_id, trigger, workflow_id, temporal_run_id, schedule_id)
           VALUES ($1, 'schedule', $2, $3, $4)
           ON CONFLICT (workflow_id, temporal_run_id) WHERE workflow_id IS NOT NULL DO NOTHING
           RETURNING id)
         SELECT id FROM made UNION ALL SELECT id FROM harvest_runs WHERE workflow_id = $2 AND temporal_run_id = $3`,
        [instrument.id, workflowId, firstExecutionRunId, scheduled.scheduleId],
      );
      return rows[0].id;
    },

    beginRun: (runId) => reported('beginRun failed', { runId }, () => beginRun(runId)),

    discover: (runId) => stoppable({ runId }, (fields) => discover(runId, fields)),

    processBatch: (runId, batchNo) => stoppable({ runId, batchNo }, (fields) => runBatch(runId, batchNo, fields)),

    finishRun: (runId, outcome) => reported('finishRun failed', { runId }, () => finishRun(runId, outcome)),
  };
}
