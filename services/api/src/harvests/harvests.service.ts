import { Inject, Injectable, Logger } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { changedRows, HarvestRequestEntity, HarvestRunEntity, InstrumentEntity } from '@sheaf/db';
import { activeRunOf, isActiveRun, startHarvest, temporalUiWorkflowUrl } from '@sheaf/harvests';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { isForeignKeyViolation } from '../common/db-errors';
import { DomainError, HarvestRunningError, invalid, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { API_CONFIG, type ApiConfig } from '../config';
import { TemporalCalls } from '../temporal/temporal-calls';
import { assertHarvestable, harvestableInstrument } from './harvestable';
import type { DestinationProgressDto, HarvestQueryDto, HarvestRunDetailDto, HarvestRunDto, RunFailureDto, RunFailureQueryDto, RunFailureStatus, StartedHarvestDto } from './harvests.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const FAILURES_SHOWN = 50;
/**
 * A claimed key without a run after the Temporal call timeout and this much more belongs to a
 * request that died: a live one is still starting its run (its lock, the run's row and audit
 * event, then the workflow's start, bounded by that timeout). One that waited longer than that
 * for the instrument's row still records the run it started under the key (see `start`).
 */
const CLAIM_MARGIN_MS = 60_000;

type RunWithName = HarvestRunEntity & { instrumentName: string };

interface FailureRow {
  id: string;
  path: string;
  outcome: RunFailureStatus;
  reason: string | null;
}

function toFailure(row: FailureRow): RunFailureDto {
  return { fileVersionId: row.id, path: row.path, status: row.outcome, reason: row.reason };
}

/** A page of a run's failures ($1 run, $2 outcome or null, $3 limit, $4 offset): see failuresOf; list-plans.spec checks its plan. */
export const RUN_FAILURES_PAGE = `SELECT f.id, f.path, i.outcome, i.reason
   FROM (SELECT file_version_id, batch_no, outcome, reason FROM harvest_items
          WHERE run_id = $1 AND outcome IS NOT NULL AND ($2::text IS NULL OR outcome = $2)
          ORDER BY batch_no, file_version_id LIMIT $3 OFFSET $4) i
   JOIN file_versions f ON f.id = i.file_version_id
  ORDER BY i.batch_no, i.file_version_id`;

@Injectable()
export class HarvestsService {
  private readonly logger = new Logger('harvests');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly temporal: TemporalCalls,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  private temporalUrl(workflowId: string): string {
    return temporalUiWorkflowUrl(this.config.temporal.uiUrl, this.config.temporal.namespace, workflowId);
  }

  private toDto(run: RunWithName): HarvestRunDto {
    return {
      id: run.id,
      instrumentId: run.instrumentId,
      instrumentName: run.instrumentName,
      status: run.status,
      phase: run.phase,
      trigger: run.trigger,
      workflowId: run.workflowId,
      temporalRunId: run.temporalRunId,
      temporalUrl: run.workflowId ? this.temporalUrl(run.workflowId) : null,
      filesDiscovered: Number(run.filesDiscovered),
      bytesDiscovered: Number(run.bytesDiscovered),
      filesTotal: Number(run.filesTotal),
      bytesTotal: Number(run.bytesTotal),
      filesDone: Number(run.filesDone),
      bytesDone: Number(run.bytesDone),
      filesFailed: Number(run.filesFailed),
      filesSkipped: Number(run.filesSkipped),
      filesHeld: Number(run.filesHeld),
      filesDeferred: Number(run.filesDeferred),
      filesInQuietPeriod: Number(run.listingDeferred),
      filesInFuture: Number(run.filesFuture),
      latestFutureMtime: run.futureMtimeLatest,
      batchesTotal: run.batchesTotal,
      batchesDone: run.batchesDone,
      error: run.error,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
    };
  }

  /** Runs with their instrument's name; a deleted instrument's runs too, as its files stay visible. */
  private runs() {
    return this.dataSource
      .getRepository(HarvestRunEntity)
      .createQueryBuilder('r')
      .withDeleted()
      .innerJoin(InstrumentEntity, 'i', 'i.id = r.instrument_id')
      .addSelect('i.name', 'instrument_name');
  }

  private async findRun(principal: Principal, id: string): Promise<RunWithName> {
    const { entities, raw } = await this.runs().where('r.id = :id', { id }).getRawAndEntities();
    const run = entities[0];
    if (!run || !this.access.canSeeInstrument(await this.access.scopeOf(principal), run.instrumentId)) throw notFound('Harvest run');
    return Object.assign(run, { instrumentName: (raw[0] as { instrument_name: string }).instrument_name });
  }

  /** Newest first (created, then id); users see runs of the instruments they can see. */
  async list(principal: Principal, query: HarvestQueryDto): Promise<Page<HarvestRunDto>> {
    const visible = this.access.instrumentCondition(await this.access.scopeOf(principal), 'r.instrument_id');
    const qb = this.runs().where(visible.sql, visible.params);
    if (query.instrumentId) qb.andWhere('r.instrument_id = :instrumentId', { instrumentId: query.instrumentId });
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    if (query.trigger) qb.andWhere('r.trigger = :trigger', { trigger: query.trigger });
    if (query.from) qb.andWhere('r.created_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('r.created_at < :to', { to: query.to });
    const total = await qb.getCount();
    const { entities, raw } = await qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').limit(query.limit).offset(query.offset).getRawAndEntities();
    return toPage(entities, total, query, (run, i) => this.toDto(Object.assign(run, { instrumentName: (raw[i] as { instrument_name: string }).instrument_name })));
  }

  /** Live progress: the run row (updated per batch by the worker) and what each destination was owed and got. */
  async get(principal: Principal, id: string): Promise<HarvestRunDetailDto> {
    const run = await this.findRun(principal, id);
    // Counters kept by a trigger on transfers: constant time however many files the run has.
    // What planning counted as owed; a destination added while the run transferred was owed
    // nothing by the plan, yet gets the batches that start after: what it got counts as owed.
    const destinations = (await this.dataSource.query(
      `SELECT s.id AS storage_location_id, s.name, s.type,
              coalesce(c.files_verified, 0)::text AS files_verified, coalesce(c.attempts_failed, 0)::text AS attempts_failed,
              coalesce(c.bytes_verified, 0)::text AS bytes_verified, greatest(c.files_total, c.files_verified, 0)::text AS files_total
         FROM storage_locations s
         LEFT JOIN harvest_run_destinations c ON c.storage_location_id = s.id AND c.run_id = $1
        WHERE s.id IN (SELECT storage_location_id FROM instrument_destinations WHERE instrument_id = $2)
           OR c.run_id IS NOT NULL
        ORDER BY s.name, s.id`,
      [run.id, run.instrumentId],
    )) as Array<{ storage_location_id: string; name: string; type: DestinationProgressDto['type']; files_verified: string; attempts_failed: string; bytes_verified: string; files_total: string }>;
    const failures = await this.failuresPreview(run.id);
    return {
      ...this.toDto(run),
      destinations: destinations.map((d) => ({
        storageLocationId: d.storage_location_id,
        name: d.name,
        type: d.type,
        filesVerified: Number(d.files_verified),
        attemptsFailed: Number(d.attempts_failed),
        bytesVerified: Number(d.bytes_verified),
        filesTotal: Number(d.files_total),
      })),
      failures,
    };
  }

  /**
   * Every failed, held and deferred file of a run, a page at a time, in the order its batches
   * took them (batch, then file version id; `get` shows the first 50).
   */
  async failures(principal: Principal, id: string, query: RunFailureQueryDto): Promise<Page<RunFailureDto>> {
    const run = await this.findRun(principal, id);
    const [{ total }] = (await this.dataSource.query(
      `SELECT count(*)::int AS total FROM harvest_items WHERE run_id = $1 AND outcome IS NOT NULL AND ($2::text IS NULL OR outcome = $2)`,
      [run.id, query.status ?? null],
    )) as Array<{ total: number }>;
    return toPage(await this.failuresOf(run.id, query), total, query, (f) => f);
  }

  /** The first 50 of `failures`: the run's page polls `get`, which reads these 50 rows. */
  private failuresPreview(runId: string): Promise<RunFailureDto[]> {
    return this.failuresOf(runId, { limit: FAILURES_SHOWN, offset: 0 });
  }

  /**
   * A run's failed, held and deferred files, as its batches recorded them when they finished (the
   * versions' own status and reason change with later runs), in the order of
   * harvest_items_outcome_order (batch, file version id), which holds the items with an outcome
   * alone: a page reads its rows and those before it, and sorts nothing. By path, every page
   * joined all of the run's outcomes to their versions and sorted them (seconds at a million).
   */
  private async failuresOf(runId: string, page: { limit: number; offset: number; status?: RunFailureStatus }): Promise<RunFailureDto[]> {
    const rows = (await this.dataSource.query(RUN_FAILURES_PAGE, [runId, page.status ?? null, page.limit, page.offset])) as FailureRow[];
    return rows.map(toFailure);
  }

  /**
   * Starts an ad-hoc harvest. With an Idempotency-Key, the same caller and key give the same run
   * (keys are per user); a key reused for another instrument is refused.
   */
  async start(principal: Principal, instrumentId: string, idempotencyKey: string | undefined): Promise<StartedHarvestDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw invalid('Idempotency-Key', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces');
    }
    await this.access.assertInstrumentVisible(principal, instrumentId, 'Instrument', 'instrumentId');
    if (idempotencyKey !== undefined) {
      const earlier = await this.claimKey(principal, instrumentId, idempotencyKey);
      if (earlier) return earlier;
    }
    try {
      const started = await this.startRun(principal, instrumentId);
      if (idempotencyKey !== undefined) await this.keepRun(principal, instrumentId, idempotencyKey, started.runId);
      return started;
    } catch (err) {
      // Nothing was started under this key: a retry with it may try again.
      if (idempotencyKey !== undefined) await this.dataSource.getRepository(HarvestRequestEntity).delete({ userId: principal.id, idempotencyKey, runId: IsNull() });
      throw err;
    }
  }

  /**
   * Names the run under the key this request claimed. The claim may be gone: a retry took it for
   * dead (this request waited for the instrument's row past CLAIM_MARGIN_MS) and then gave it up
   * (refused, as this run was active), so the key is written again, or a retry holds it anew,
   * which then finds this run under it. A run another request named first is kept, as is a key
   * used meanwhile for another instrument.
   */
  private async keepRun(principal: Principal, instrumentId: string, key: string, runId: string): Promise<void> {
    const kept = await changedRows(
      this.dataSource,
      `INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id, run_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, idempotency_key) DO UPDATE SET run_id = EXCLUDED.run_id
        WHERE harvest_requests.run_id IS NULL AND harvest_requests.instrument_id = EXCLUDED.instrument_id
       RETURNING run_id`,
      [principal.id, key, instrumentId, runId],
    );
    if (!kept.length) this.logger.warn({ msg: 'Idempotency-Key taken by another request while this one started its run', runId, userId: principal.id });
  }

  /** Records the key, or answers with the run an earlier request under it started. */
  private async claimKey(principal: Principal, instrumentId: string, key: string): Promise<StartedHarvestDto | undefined> {
    let inserted: unknown[];
    try {
      inserted = (await this.dataSource.query(
        `INSERT INTO harvest_requests (user_id, idempotency_key, instrument_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING run_id`,
        [principal.id, key, instrumentId],
      )) as unknown[];
    } catch (err) {
      // No such instrument (an admin's scope is not looked up). A deleted one is still a row:
      // a key used for it before it was deleted still replays its run.
      if (isForeignKeyViolation(err, 'harvest_requests_instrument_id_fkey')) throw notFound('Instrument', 'instrumentId');
      throw err;
    }
    if (inserted.length) return undefined;
    const earlier = await this.dataSource.getRepository(HarvestRequestEntity).findOneBy({ userId: principal.id, idempotencyKey: key });
    // The request that held the key failed and gave it up since: claim it again.
    if (!earlier) return this.claimKey(principal, instrumentId, key);
    if (earlier.instrumentId !== instrumentId) {
      throw new DomainError('conflict', 'idempotency_key_reused', 'This Idempotency-Key was used for another instrument', 'Idempotency-Key');
    }
    if (!earlier.runId) {
      // A request that died between claiming the key and starting the run must not block the key
      // forever. Its age is checked by the delete itself: a claim another retry made anew since
      // (it found the same dead one) is not taken from it.
      const freed = await changedRows(
        this.dataSource,
        `DELETE FROM harvest_requests WHERE user_id = $1 AND idempotency_key = $2 AND run_id IS NULL AND created_at < now() - make_interval(secs => $3)
         RETURNING idempotency_key`,
        [principal.id, key, (this.config.temporalCallTimeoutMs + CLAIM_MARGIN_MS) / 1000],
      );
      if (freed.length) return this.claimKey(principal, instrumentId, key);
      throw new DomainError('conflict', 'idempotency_key_in_progress', 'A request with this Idempotency-Key is still starting the harvest; retry shortly');
    }
    const run = await this.dataSource.getRepository(HarvestRunEntity).findOneByOrFail({ id: earlier.runId });
    return { runId: run.id, workflowId: run.workflowId ?? '', temporalRunId: run.temporalRunId, temporalUrl: run.workflowId ? this.temporalUrl(run.workflowId) : '', replayed: true };
  }

  private async startRun(principal: Principal, instrumentId: string): Promise<StartedHarvestDto> {
    const instrument = await harvestableInstrument(this.dataSource.manager, instrumentId, 'instrumentId');
    const started = await this.oneStartAtATime(instrument, async (manager) => {
      const active = await activeRunOf(manager, instrumentId);
      if (active) throw new HarvestRunningError(`A harvest of ${instrument.name} is already running (run ${active})`, active);
      // The deadline is the workflow start's alone: the transaction before it may wait for the
      // instrument's row (a rename holding it) longer than the Temporal call timeout.
      return this.temporal.around('starting the harvest workflow', (bounded) =>
        startHarvest({
          dataSource: manager,
          client: this.temporal.client,
          aroundStart: bounded,
          taskQueue: this.config.temporal.taskQueue,
          instrumentId,
          trigger: principal.token ? 'api' : 'manual',
          portalUrl: this.config.api.portalUrl,
          // Checked again where the run is recorded: the instrument may have been deleted or
          // disabled since, or its grant to the caller revoked.
          admit: async (tx, locked) => {
            await this.access.assertStillGranted(tx, principal, instrumentId, 'Instrument', 'instrumentId');
            await assertHarvestable(tx, locked, 'instrumentId');
          },
          record: (tx, run) =>
            this.audit.record(tx, principal, {
              action: 'harvest.started',
              entityType: 'harvest_run',
              entityId: run.runId,
              after: { instrumentId, instrument: instrument.name, workflowId: run.workflowId },
            }),
        }),
      );
    });
    this.logger.log({ msg: 'harvest started', runId: started.runId, workflowId: started.workflowId, instrument: instrument.name, userId: principal.id });
    return { ...started, temporalUrl: this.temporalUrl(started.workflowId), replayed: false };
  }

  /**
   * Runs `start` while no other request starts a harvest of the instrument: two requests at once
   * would both find no active run, and both start one. `start` does its work on the connection
   * that holds the lock (`manager`): one that asked the pool for another could wait forever
   * when every pooled connection holds a lock of its own (a burst of starts). A request that
   * finds the lock taken is refused at once.
   */
  private async oneStartAtATime<T>(instrument: { id: string; name: string }, start: (manager: EntityManager) => Promise<T>): Promise<T> {
    const lock = `harvest-start:${instrument.id}`;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [lock])) as Array<{ locked: boolean }>;
      if (!locked) throw new HarvestRunningError(`A harvest of ${instrument.name} is being started by another request`);
      // The run is recorded under the instrument's row FOR SHARE, which waits for a rename of a
      // name its files grant by (FOR UPDATE, rewriting them all): not cut by the pool's
      // statement_timeout, which is set back before the connection returns to the pool.
      await runner.query(`SELECT set_config('statement_timeout', '0', false)`);
      try {
        return await start(runner.manager);
      } finally {
        await runner.query(`SELECT set_config('statement_timeout', $1, false)`, [String(this.config.statementTimeoutMs)]);
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lock]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Asks Temporal to cancel the run's workflow; the worker records the outcome. Idempotent: a run
   * already cancelled, or one whose cancellation was asked for before (its audit event, written
   * once Temporal took the request), answers as the first request did, without asking again or
   * recording a second event. One at a time per run: two at once would both ask. A request that
   * finds another asking is refused at once (409 `cancel_in_progress`) rather than waiting for it:
   * waiting, each would hold a pooled connection for as long as Temporal takes to answer (up to
   * the call timeout), then ask Temporal in turn if that one failed, and a client retrying on
   * its timeouts could use up the pool (see `oneStartAtATime`).
   */
  async cancel(principal: Principal, id: string): Promise<HarvestRunDto> {
    const run = await this.findRun(principal, id);
    if (run.status === 'cancelled') return this.toDto(run);
    if (!isActiveRun(run.status)) throw new DomainError('conflict', 'run_finished', `The run has already ended (${run.status}): there is nothing to cancel`);
    const workflowId = run.workflowId;
    if (!workflowId) throw new DomainError('conflict', 'run_not_started', 'The run has no workflow yet');
    const requested = await this.dataSource.transaction(async (tx) => {
      const [{ locked }] = (await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`harvest-cancel:${id}`])) as Array<{ locked: boolean }>;
      if (!locked) throw new DomainError('conflict', 'cancel_in_progress', 'A cancel of this run is being requested; retry shortly');
      // A revoke that came after findRun: it waits for this cancel (up to the Temporal call), or
      // this for it, and then the run is not the caller's to cancel.
      await this.access.assertStillGranted(tx, principal, run.instrumentId, 'Harvest run');
      // Taken once the request that held it committed: its audit event is seen here.
      const [earlier] = (await tx.query(`SELECT 1 FROM audit_events WHERE entity_type = 'harvest_run' AND entity_id = $1 AND action = 'harvest.cancel_requested' LIMIT 1`, [
        id,
      ])) as unknown[];
      if (earlier) return false;
      try {
        await this.temporal.run('cancelling the harvest workflow', (client) => client.workflow.getHandle(workflowId).cancel());
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new DomainError('conflict', 'workflow_gone', 'Temporal no longer knows this run’s workflow');
        throw err;
      }
      await this.audit.record(tx, principal, { action: 'harvest.cancel_requested', entityType: 'harvest_run', entityId: id, after: { workflowId } });
      return true;
    });
    if (requested) this.logger.log({ msg: 'harvest cancel requested', runId: id, workflowId, userId: principal.id });
    return this.toDto(run);
  }
}
