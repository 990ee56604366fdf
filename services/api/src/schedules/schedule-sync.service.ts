import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { DataSource, In, IsNull, LessThan, Not, type EntityManager } from 'typeorm';
import type { ScheduledHarvest } from '@sheaf/contracts';
import { changedRows, InstrumentEntity, ScheduleEntity } from '@sheaf/db';
import { isTemporalUnreachable } from '@sheaf/harvests';
import { harvest, harvestSummary, searchAttributes, type HarvestInput } from '@sheaf/workflows';
import { DomainError, notFound } from '../common/domain-error';
import { messageOf } from '../common/error-message';
import { API_CONFIG, type ApiConfig } from '../config';
import { TemporalCalls } from '../temporal/temporal-calls';

const SCHEDULE_ID_PREFIX = 'sheaf-schedule-';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether Sheaf keeps the row's Temporal Schedule paused. */
function pausedOf(row: ScheduleEntity, instrument: InstrumentEntity): boolean {
  return !row.enabled || !instrument.enabled || instrument.deletedAt !== null;
}

/** The Temporal Schedule of a schedule row. */
export function temporalScheduleId(scheduleId: string): string {
  return `${SCHEDULE_ID_PREFIX}${scheduleId}`;
}

/**
 * Scheduled executions need a run row the workflow creates itself; until the harvest workflow
 * does, the run id is this placeholder, which the worker rejects as "does not exist" (a visible,
 * harmless failure) rather than harvesting anything else.
 */
const NO_RUN_YET = '00000000-0000-0000-0000-000000000000';
/** Pushes of one sync while the row keeps changing under it (each is one change older than the next). */
const MAX_SYNC_ROUNDS = 5;

/** A digest of the whole options given to Temporal; the workflow function counts by its name. */
function digestOf(options: ScheduleOptions): string {
  const json = JSON.stringify(options, (_key, value: unknown) => (typeof value === 'function' ? value.name : value));
  return createHash('sha256').update(json).digest('hex');
}

/**
 * Keeps each schedule row and its Temporal Schedule in step. A row records the revision Temporal
 * has; whenever they differ (`needs_sync`) a sync pushes the row's whole desired state (create,
 * update, pause/unpause, delete), so a sync can be repeated at any time. Syncs run after every
 * change, on request, at start-up and on a timer while some rows wait for Temporal. Each of the
 * start-up and timer passes first marks the rows whose schedule was pushed with other options than
 * this API would push now (the portal's address, the task queue or the action changed).
 */
@Injectable()
export class ScheduleSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('schedules');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly temporal: TemporalCalls,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Start-up reconciliation must not hold up start-up: Temporal may be down.
    this.background(() => this.reconcile());
    if (this.config.schedules.resyncSeconds > 0) {
      this.timer = setInterval(() => this.background(() => this.reconcile()), this.config.schedules.resyncSeconds * 1000);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.running, ...this.inFlight].map((p) => p?.catch(() => undefined)));
  }

  /** Rows whose instrument changed (name, enabled): marked in the caller's transaction. */
  async markInstrumentChanged(tx: EntityManager, instrumentId: string): Promise<string[]> {
    const rows = await changedRows<{ id: string }>(
      tx,
      `UPDATE schedules SET revision = revision + 1, needs_sync = true WHERE instrument_id = $1 AND deleted_at IS NULL RETURNING id`,
      [instrumentId],
    );
    return rows.map((r) => r.id);
  }

  /** Syncs after the response: Temporal's answer does not hold up a request that only touched them. */
  syncSoon(ids: string[]): void {
    if (!ids.length) return;
    const work: Promise<unknown> = this.syncEach(ids)
      .catch((err: unknown) => this.logger.warn(`schedule sync failed: ${messageOf(err)}`))
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  private background(before: () => Promise<unknown> = async () => undefined): void {
    if (this.running) return;
    this.running = before()
      .then(() => this.syncPending())
      .then((n) => n && this.logger.log(`re-synced ${n} schedule(s) with Temporal`))
      .catch((err: unknown) => this.logger.warn(`schedule re-sync failed: ${messageOf(err)}`))
      .finally(() => (this.running = undefined));
  }

  /** The instruments of `rows`, deleted ones too, by id. */
  private async instrumentsOf(rows: readonly ScheduleEntity[]): Promise<Map<string, InstrumentEntity>> {
    if (!rows.length) return new Map();
    const instruments = await this.dataSource
      .getRepository(InstrumentEntity)
      .find({ where: { id: In([...new Set(rows.map((r) => r.instrumentId))]) }, withDeleted: true });
    return new Map(instruments.map((i) => [i.id, i]));
  }

  /**
   * Marks `rows` for a push, as they were read: a row changed meanwhile is marked already, or was
   * pushed as it is now (its revision moved on). How many were marked. Also for a row whose
   * Temporal Schedule a call found missing.
   */
  async markForPush(rows: readonly ScheduleEntity[]): Promise<number> {
    if (!rows.length) return 0;
    const marked = await changedRows<{ id: string }>(
      this.dataSource,
      `UPDATE schedules s SET revision = s.revision + 1, needs_sync = true
       FROM unnest($1::uuid[], $2::int[]) AS r(id, revision)
       WHERE s.id = r.id AND s.revision = r.revision AND NOT s.needs_sync RETURNING s.id`,
      [rows.map((row) => row.id), rows.map((row) => row.revision)],
    );
    return marked.length;
  }

  /**
   * Before a pass's sync: the rows pushed with other options than this API's, then the ones
   * Temporal no longer has as pushed. markOutdated runs on the timer too, not only at start-up:
   * in a rolling deploy a replica with the old config may push the rows this one marked at its
   * start, and record the old config's digest; the next pass here marks them again. (Until the
   * old replicas are gone, they may push the old options back as often: each pass of each side.)
   */
  private async reconcile(): Promise<void> {
    await this.markOutdated();
    await this.lookForDrift();
  }

  /** Marks the live rows whose pushed options differ from the ones this API would push now: only the database is read. */
  private async markOutdated(): Promise<void> {
    const rows = await this.dataSource.getRepository(ScheduleEntity).find({ where: { deletedAt: IsNull(), needsSync: false } });
    const byId = await this.instrumentsOf(rows);
    const marked = await this.markForPush(rows.filter((row) => digestOf(this.options(row, byId.get(row.instrumentId)!)) !== row.pushedDigest));
    if (marked) this.logger.log(`${marked} schedule(s) to push again: what Sheaf gives Temporal changed since they were pushed`);
  }

  /** markDrifted, whose failure (Temporal down, or a list it refuses) leaves the pending rows' sync to go on. */
  private async lookForDrift(): Promise<void> {
    await this.markDrifted().catch((err: unknown) => this.logger.warn(`could not compare the schedules with Temporal's: ${messageOf(err)}`));
  }

  /**
   * Marks the rows whose Temporal Schedule is not what their last push left: missing (deleted in
   * the Temporal UI, or Temporal's data restored or replaced), paused or unpaused by hand, or
   * still there for a deleted row. Temporal's list is eventually consistent, so rows pushed in
   * the last minute are left to the next pass.
   */
  private async markDrifted(): Promise<void> {
    const settled = LessThan(new Date(Date.now() - 60_000));
    const live = await this.dataSource.getRepository(ScheduleEntity).find({ where: { needsSync: false, syncedAt: settled } });
    const inTemporal = await this.temporal.run('listing schedules', async (client) => {
      const paused = new Map<string, boolean>();
      for await (const schedule of client.schedule.list()) {
        if (schedule.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) paused.set(schedule.scheduleId.slice(SCHEDULE_ID_PREFIX.length), schedule.state.paused);
      }
      return paused;
    });
    const byId = await this.instrumentsOf(live);
    const drifted = live.filter((row) => inTemporal.get(row.id) !== pausedOf(row, byId.get(row.instrumentId)!));
    // Still in Temporal for a deleted row (a push that was lost, or Temporal's data restored).
    const liveIds = new Set(live.map((row) => row.id));
    const unknown = [...inTemporal.keys()].filter((id) => !liveIds.has(id) && UUID.test(id));
    const leftOver = unknown.length
      ? await this.dataSource.getRepository(ScheduleEntity).find({ where: { id: In(unknown), deletedAt: Not(IsNull()), needsSync: false, syncedAt: settled }, withDeleted: true })
      : [];
    const marked = await this.markForPush([...drifted, ...leftOver]);
    if (marked) this.logger.warn(`${marked} schedule(s) to mend: Temporal no longer has them as Sheaf pushed them (deleted, paused or resumed there)`);
  }

  /** Every row Temporal does not match yet (deleted ones too); returns how many got in sync. */
  async syncPending(): Promise<number> {
    const pending = await this.dataSource.getRepository(ScheduleEntity).find({ where: { needsSync: true }, withDeleted: true, order: { updatedAt: 'ASC' } });
    return this.syncEach(pending.map((row) => row.id));
  }

  /**
   * Syncs the rows one after the other; returns how many got in sync. An unreachable Temporal
   * stops the pass (the rest would fail the same way); a schedule Temporal refused for its own
   * reason keeps its sync_error and does not hold up the others.
   */
  private async syncEach(ids: readonly string[]): Promise<number> {
    let synced = 0;
    for (const id of ids) {
      if (!this.dataSource.isInitialized) break;
      const result = await this.sync(id);
      if (result.ok) synced++;
      else if (result.error.kind === 'unavailable') break;
    }
    return synced;
  }

  private options(row: ScheduleEntity, instrument: InstrumentEntity): ScheduleOptions {
    const scheduled: ScheduledHarvest = { instrumentId: instrument.id, scheduleId: row.id };
    const input: HarvestInput & { scheduled: ScheduledHarvest } = { runId: NO_RUN_YET, scheduled };
    const paused = pausedOf(row, instrument);
    return {
      scheduleId: temporalScheduleId(row.id),
      spec: { cronExpressions: [row.cron], timezone: row.timezone },
      action: {
        type: 'startWorkflow',
        workflowType: harvest,
        taskQueue: this.config.temporal.taskQueue,
        // Temporal appends the scheduled time to the id of each execution.
        workflowId: `harvest-${instrument.name}-schedule-${row.id}`,
        args: [input],
        memo: { instrument: instrument.name, scheduleId: row.id, trigger: 'schedule' },
        staticSummary: harvestSummary(instrument.name, 'schedule'),
        // The run is recorded once the workflow starts: its instrument's page lists it.
        staticDetails: `[${instrument.name} in the Sheaf portal](${this.config.api.portalUrl}/instruments/${instrument.id}): its runs and files`,
        typedSearchAttributes: [{ key: searchAttributes.instrument, value: instrument.name }],
      },
      // Never two harvests of one instrument at once (the worker's lease also guards ad-hoc runs).
      // A slot missed while Temporal was down runs when it is back, up to a day late: a harvest
      // takes what is new, so a late run is harmless, and a daily schedule would otherwise wait a
      // day. Several missed slots make one run (SKIP: the others find it running).
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      state: { paused, note: paused ? `paused by Sheaf (${row.enabled ? 'instrument disabled' : 'schedule disabled'})` : 'active' },
      memo: { sheafScheduleId: row.id, instrumentId: instrument.id },
    };
  }

  /** Makes Temporal match the row; returns the digest of the options pushed (null once deleted). */
  private async push(client: Client, row: ScheduleEntity, instrument: InstrumentEntity): Promise<string | null> {
    const handle = client.schedule.getHandle(temporalScheduleId(row.id));
    if (row.deletedAt) {
      try {
        await handle.delete();
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      return null;
    }
    const desired = this.options(row, instrument);
    const digest = digestOf(desired);
    const update = async () => {
      await handle.update(() => ({ spec: desired.spec, action: desired.action, policies: desired.policies, state: { paused: desired.state?.paused, note: desired.state?.note } }));
    };
    // An update reads the schedule first (the SDK's describe): no describe of our own, one query
    // to Temporal's scheduler fewer per push.
    try {
      await update();
      return digest;
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    try {
      await client.schedule.create(desired);
    } catch (err) {
      // Created meanwhile by another sync of this row: make it match.
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await update();
    }
    return digest;
  }

  /**
   * Pushes one row to Temporal. Never throws for Temporal's sake: the row keeps `needs_sync`
   * and the error's message, and a later sync finishes the job. The error is the one to answer
   * a request with: 503 `temporal_unavailable` while Temporal does not answer, 502
   * `temporal_refused` when it refuses the schedule.
   */
  async sync(id: string): Promise<{ ok: true } | { ok: false; error: DomainError }> {
    // A row changed while it was pushed may have had its newer revision pushed by another sync
    // before this (older) push reached Temporal: push again what the row says now. Each round
    // needs another change meanwhile; past the last, Temporal took every push, and the newest
    // change keeps needs_sync for the next pass.
    for (let round = 1; ; round++) {
      const result = await this.syncOnce(id);
      if (result !== 'changed meanwhile') return result;
      if (round === MAX_SYNC_ROUNDS) return { ok: true };
    }
  }

  private async syncOnce(id: string): Promise<{ ok: true } | { ok: false; error: DomainError } | 'changed meanwhile'> {
    const row = await this.dataSource.getRepository(ScheduleEntity).findOne({ where: { id }, withDeleted: true });
    if (!row) return { ok: false, error: notFound('Schedule') };
    const instrument = await this.dataSource.getRepository(InstrumentEntity).findOneOrFail({ where: { id: row.instrumentId }, withDeleted: true });
    let digest: string | null;
    try {
      digest = await this.temporal.run('syncing a schedule', async (client) => {
        try {
          return await this.push(client, row, instrument);
        } catch (err) {
          // A call cut off without an answer (a reset stream, a dropped connection): the push
          // sends the whole desired state, so sending it again is safe, within the same deadline.
          if (!isTemporalUnreachable(err)) throw err;
          return this.push(client, row, instrument);
        }
      });
    } catch (err) {
      const error = err instanceof DomainError ? err : new DomainError('refused_upstream', 'temporal_refused', `Temporal refused the schedule: ${messageOf(err)}`);
      await this.dataSource.query(`UPDATE schedules SET sync_error = $2 WHERE id = $1`, [id, error.message.slice(0, 2000)]);
      return { ok: false, error };
    }
    // Only the revision that was pushed counts: a change made meanwhile still needs its own sync.
    const marked = await changedRows(
      this.dataSource,
      `UPDATE schedules SET needs_sync = false, sync_error = NULL, synced_at = now(), pushed_digest = $3 WHERE id = $1 AND revision = $2 RETURNING id`,
      [id, row.revision, digest],
    );
    return marked.length ? { ok: true } : 'changed meanwhile';
  }
}
