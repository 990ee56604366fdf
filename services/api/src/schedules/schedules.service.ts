import { Inject, Injectable } from '@nestjs/common';
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleHandle } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { InstrumentEntity, ScheduleEntity } from '@sheaf/db';
import { activeRunOf } from '@sheaf/harvests';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { isAdmin, type Principal } from '../auth/principal';
import { DomainError, invalid, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { lockRow } from '../common/rows';
import { harvestableInstrument } from '../harvests/harvestable';
import { TemporalCalls } from '../temporal/temporal-calls';
import { canonicalTimeZone, cronProblem, timeZoneProblem } from './cron';
import { ScheduleSyncService, temporalScheduleId } from './schedule-sync.service';
import type { BackfillDto, CreateScheduleDto, RunNowDto, ScheduleDetailDto, ScheduleDto, ScheduleQueryDto, UpdateScheduleDto } from './schedules.dto';

/**
 * The longest range one backfill may cover. Overlap SKIP keeps it to one harvest at a time, but
 * Temporal still walks every slot of the range, and each slot that finds no harvest running
 * starts one.
 */
const MAX_BACKFILL_DAYS = 366;
const DESCRIBE_TIMEOUT_MS = 2_000;

type Row = ScheduleEntity & { instrumentName: string; instrumentEnabled: boolean };
/** The instrument columns `rows()` selects beside each schedule. */
type InstrumentColumns = { instrument_name: string; instrument_enabled: boolean };

function withInstrument(schedule: ScheduleEntity, raw: InstrumentColumns): Row {
  return Object.assign(schedule, { instrumentName: raw.instrument_name, instrumentEnabled: raw.instrument_enabled });
}

function toDto(row: Row): ScheduleDto {
  return {
    id: row.id,
    instrumentId: row.instrumentId,
    instrumentName: row.instrumentName,
    instrumentEnabled: row.instrumentEnabled,
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled,
    description: row.description,
    synced: !row.needsSync,
    syncError: row.syncError,
    syncedAt: row.syncedAt,
    temporalScheduleId: temporalScheduleId(row.id),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

/**
 * Whether the instrument is live, locked FOR SHARE until the transaction ends: an instrument's
 * delete locks it FOR UPDATE and refuses while it has schedules, so a schedule made meanwhile
 * either waits for the delete and finds the instrument gone, or makes the delete see it.
 */
async function liveInstrumentLocked(tx: EntityManager, instrumentId: string): Promise<boolean> {
  return !!(await tx.getRepository(InstrumentEntity).createQueryBuilder('i').where('i.id = :instrumentId', { instrumentId }).setLock('pessimistic_read').getOne());
}

function normaliseCron(cron: string): string {
  const problem = cronProblem(cron);
  if (problem) throw invalid('cron', `cron ${problem}`);
  return cron.trim().split(/\s+/).join(' ');
}

/** The zone as stored and given to Temporal: one it would refuse is a 400 before anything is saved. */
function checkTimeZone(timezone: string): string {
  const canonical = canonicalTimeZone(timezone);
  if (!canonical) throw invalid('timezone', `timezone ${timeZoneProblem(timezone)}`);
  return canonical;
}

/** Harvest schedules: rows here, mirrored to Temporal Schedules by ScheduleSyncService. */
@Injectable()
export class SchedulesService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly sync: ScheduleSyncService,
    private readonly temporal: TemporalCalls,
  ) {}

  private rows(manager: EntityManager = this.dataSource.manager) {
    return manager
      .getRepository(ScheduleEntity)
      .createQueryBuilder('s')
      .withDeleted()
      .innerJoin(InstrumentEntity, 'i', 'i.id = s.instrument_id')
      .addSelect('i.name', 'instrument_name')
      .addSelect('i.enabled', 'instrument_enabled');
  }

  private async load(id: string, manager?: EntityManager): Promise<Row | undefined> {
    const { entities, raw } = await this.rows(manager).where('s.id = :id', { id }).getRawAndEntities();
    return entities[0] && withInstrument(entities[0], raw[0] as InstrumentColumns);
  }

  private async visible(principal: Principal, id: string): Promise<Row> {
    const row = await this.load(id);
    if (!row || (row.deletedAt && !isAdmin(principal))) throw notFound('Schedule');
    if (!this.access.canSeeInstrument(await this.access.scopeOf(principal), row.instrumentId)) throw notFound('Schedule');
    return row;
  }

  /** Ordered by instrument name, then id; users see live schedules of the instruments they can see (deleted ones: 403). */
  async list(principal: Principal, query: ScheduleQueryDto): Promise<Page<ScheduleDto>> {
    if (query.deleted && !isAdmin(principal)) throw new DomainError('forbidden', 'admin_only', 'Only admins can list deleted schedules', 'deleted');
    const scope = this.access.instrumentCondition(await this.access.scopeOf(principal), 's.instrument_id');
    const qb = this.rows()
      .where(query.deleted ? 's.deleted_at IS NOT NULL' : 's.deleted_at IS NULL')
      .andWhere(scope.sql, scope.params);
    if (query.instrumentId) qb.andWhere('s.instrument_id = :instrumentId', { instrumentId: query.instrumentId });
    if (query.enabled !== undefined) qb.andWhere('s.enabled = :enabled', { enabled: query.enabled });
    if (query.synced !== undefined) qb.andWhere('s.needs_sync = :needsSync', { needsSync: !query.synced });
    const total = await qb.getCount();
    const { entities, raw } = await qb.orderBy('i.name').addOrderBy('s.id').limit(query.limit).offset(query.offset).getRawAndEntities();
    return toPage(entities, total, query, (s, i) => toDto(withInstrument(s, raw[i] as InstrumentColumns)));
  }

  /** The row, and the next start times Temporal plans (best effort). */
  async get(principal: Principal, id: string): Promise<ScheduleDetailDto> {
    const row = await this.visible(principal, id);
    let nextRunTimes: string[] = [];
    // A row Temporal does not match yet has no trustworthy plan there.
    if (!row.deletedAt && !row.needsSync) {
      try {
        const description = await this.temporal.run('describing a schedule', (client) => client.schedule.getHandle(temporalScheduleId(id)).describe(), DESCRIBE_TIMEOUT_MS);
        nextRunTimes = description.state.paused ? [] : description.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString());
      } catch (err) {
        if (!(err instanceof DomainError) && !(err instanceof ScheduleNotFoundError)) throw err;
      }
    }
    return { ...toDto(row), nextRunTimes };
  }

  /** Saves the change, then syncs; an unreachable Temporal leaves the row `synced: false`. */
  private async change(actor: Principal, action: string, work: (tx: EntityManager) => Promise<{ id: string; before?: ScheduleDto }>): Promise<ScheduleDto> {
    const { id } = await this.dataSource.transaction(async (tx) => {
      const { id, before } = await work(tx);
      const after = toDto((await this.load(id, tx))!);
      await this.audit.record(tx, actor, { action, entityType: 'schedule', entityId: id, before, after });
      return { id };
    });
    await this.sync.sync(id);
    return toDto((await this.load(id))!);
  }

  /**
   * One live schedule per instrument, cron and time zone: a second would only be skipped at every
   * slot (overlap SKIP), and is what a client retrying a create after a timeout would make. One
   * check at a time per instrument, so two requests cannot both find none.
   */
  private async assertNoTwin(tx: EntityManager, row: { id?: string; instrumentId: string; cron: string; timezone: string }, field: 'cron' | null): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`sheaf:schedules:${row.instrumentId}`]);
    const [twin] = (await tx.query(
      `SELECT id FROM schedules WHERE instrument_id = $1 AND cron = $2 AND timezone = $3 AND deleted_at IS NULL AND id IS DISTINCT FROM $4 LIMIT 1`,
      [row.instrumentId, row.cron, row.timezone, row.id ?? null],
    )) as Array<{ id: string }>;
    if (twin) throw new DomainError('conflict', 'schedule_exists', `This instrument already has a schedule with this cron and time zone (${twin.id})`, field ?? undefined);
  }

  create(actor: Principal, body: CreateScheduleDto): Promise<ScheduleDto> {
    const cron = normaliseCron(body.cron);
    const timezone = checkTimeZone(body.timezone ?? 'UTC');
    return this.change(actor, 'schedule.created', async (tx) => {
      if (!(await liveInstrumentLocked(tx, body.instrumentId))) throw notFound('Instrument', 'instrumentId');
      await this.assertNoTwin(tx, { instrumentId: body.instrumentId, cron, timezone }, 'cron');
      const repo = tx.getRepository(ScheduleEntity);
      const row = await repo.save(repo.create({ instrumentId: body.instrumentId, cron, timezone, enabled: body.enabled ?? true, description: body.description ?? '' }));
      return { id: row.id };
    });
  }

  update(actor: Principal, id: string, body: UpdateScheduleDto): Promise<ScheduleDto> {
    const cron = body.cron === undefined ? undefined : normaliseCron(body.cron);
    const timezone = body.timezone === undefined ? undefined : checkTimeZone(body.timezone);
    return this.change(actor, 'schedule.updated', async (tx) => {
      const row = await lockRow(tx, ScheduleEntity, id, 'Schedule');
      const before = toDto((await this.load(id, tx))!);
      if ((cron !== undefined && cron !== row.cron) || (timezone !== undefined && timezone !== row.timezone)) {
        await this.assertNoTwin(tx, { id, instrumentId: row.instrumentId, cron: cron ?? row.cron, timezone: timezone ?? row.timezone }, 'cron');
      }
      if (cron !== undefined) row.cron = cron;
      if (timezone !== undefined) row.timezone = timezone;
      if (body.enabled !== undefined) row.enabled = body.enabled;
      if (body.description !== undefined) row.description = body.description;
      row.revision += 1;
      row.needsSync = true;
      await tx.getRepository(ScheduleEntity).save(row);
      return { id, before };
    });
  }

  /** Soft delete: the Temporal Schedule is deleted; a restore creates it again. */
  remove(actor: Principal, id: string): Promise<ScheduleDto> {
    return this.setDeleted(actor, id, true);
  }

  restore(actor: Principal, id: string): Promise<ScheduleDto> {
    return this.setDeleted(actor, id, false);
  }

  private setDeleted(actor: Principal, id: string, deleted: boolean): Promise<ScheduleDto> {
    return this.change(actor, deleted ? 'schedule.deleted' : 'schedule.restored', async (tx) => {
      const row = await lockRow(tx, ScheduleEntity, id, 'Schedule', !deleted);
      const before = toDto((await this.load(id, tx))!);
      if (!deleted && !(await liveInstrumentLocked(tx, row.instrumentId))) {
        throw new DomainError('conflict', 'instrument_deleted', 'The instrument of this schedule is deleted; restore it first');
      }
      // A restore sends no cron: the refusal names no field.
      if (!deleted) await this.assertNoTwin(tx, row, null);
      row.deletedAt = deleted ? new Date() : null;
      row.revision += 1;
      row.needsSync = true;
      await tx.getRepository(ScheduleEntity).save(row);
      return { id, before };
    });
  }

  /** Pushes the row to Temporal now; 503 while Temporal stays unreachable, 502 when it refuses the schedule. */
  async resync(id: string): Promise<ScheduleDto> {
    if (!(await this.load(id))) throw notFound('Schedule');
    await this.pushNow(id);
    return toDto((await this.load(id))!);
  }

  /**
   * A live schedule whose instrument may be harvested now (else the 404 or 409), pushed to
   * Temporal first when it is behind: "run now" and backfill start harvests through it. Refused
   * before any call to Temporal, so an unreachable one does not hide why.
   */
  private async runnable(id: string): Promise<Row> {
    const row = await this.load(id);
    if (!row || row.deletedAt) throw notFound('Schedule');
    await harvestableInstrument(this.dataSource.manager, row.instrumentId);
    if (row.needsSync) await this.pushNow(id);
    return row;
  }

  /** A refusal is kept as the row's sync error too: the schedule's page shows it. */
  private async pushNow(id: string): Promise<void> {
    const result = await this.sync.sync(id);
    if (!result.ok) throw result.error;
  }

  /**
   * A call on the row's Temporal Schedule ("run now", backfill). Temporal may have lost the
   * schedule while the row says it is in sync (deleted in the Temporal UI, a dev server started
   * afresh): the row is then marked as the drift check would mark it, pushed, and the call made
   * once more, unless the schedule was deleted meanwhile (404: its push deleted it in Temporal).
   * Still missing after that: 502, never the SDK's error as a 500.
   */
  private async onSchedule(what: string, row: Row, call: (handle: ScheduleHandle) => Promise<void>): Promise<void> {
    const attempt = () => this.temporal.run(what, (client) => call(client.schedule.getHandle(temporalScheduleId(row.id))));
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
    await this.sync.markForPush([row]);
    await this.pushNow(row.id);
    const pushed = await this.load(row.id);
    if (!pushed || pushed.deletedAt) throw notFound('Schedule');
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
      throw new DomainError('refused_upstream', 'temporal_refused', `Temporal refused the request (${what}): it has no such schedule, even after it was pushed again`);
    }
  }

  /**
   * "Run now": triggers the Temporal Schedule with overlap SKIP (its default would be ALLOW_ALL),
   * and not at all while any harvest of the instrument (scheduled or ad hoc) is running.
   */
  async runNow(actor: Principal, id: string): Promise<RunNowDto> {
    const row = await this.runnable(id);
    const active = await activeRunOf(this.dataSource.manager, row.instrumentId);
    if (active) return { started: false, message: `A harvest of ${row.instrumentName} is already running`, activeRunId: active };
    await this.onSchedule('triggering a schedule', row, (handle) => handle.trigger(ScheduleOverlapPolicy.SKIP));
    await this.audit.record(this.dataSource.manager, actor, { action: 'schedule.triggered', entityType: 'schedule', entityId: id });
    return { started: true, message: 'Triggered (skipped by Temporal if this schedule’s previous harvest is still running)', activeRunId: null };
  }

  /**
   * Runs the schedule for every slot it would have had in [from, to), skipping overlaps. Temporal
   * takes both ends of a backfill as inclusive (its scheduler counts a slot at the start since
   * version 4, and one at the end always): it is given the millisecond before `to`, which leaves
   * out a slot at `to` itself (slots fall on whole seconds). Answers with the row after the push.
   */
  async backfill(actor: Principal, id: string, body: BackfillDto): Promise<ScheduleDto> {
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (!(to > from)) throw invalid('to', 'to must be after from');
    if (to.getTime() - from.getTime() > MAX_BACKFILL_DAYS * 86_400_000) throw invalid('to', `a backfill may span at most ${MAX_BACKFILL_DAYS} days`);
    if (to.getTime() > Date.now() + 60_000) throw invalid('to', 'to must not be in the future');
    const row = await this.runnable(id);
    const end = new Date(to.getTime() - 1);
    await this.onSchedule('backfilling a schedule', row, (handle) => handle.backfill({ start: from, end, overlap: ScheduleOverlapPolicy.SKIP }));
    await this.audit.record(this.dataSource.manager, actor, { action: 'schedule.backfilled', entityType: 'schedule', entityId: id, after: { from: body.from, to: body.to } });
    return toDto((await this.load(id))!);
  }
}
