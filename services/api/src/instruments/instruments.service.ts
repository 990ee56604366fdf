import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import { SOURCE_TYPES_WITH_ACCOUNT, pathTemplateProblem, validateSourceConfig, type Page, type SourceType } from '@sheaf/contracts';
import { changedRows, GroupEntity, InstrumentDestinationEntity, InstrumentEntity, ProjectEntity, SEALED_SOURCE_REMOTE, ServiceAccountEntity, StorageLocationEntity } from '@sheaf/db';
import { activeRunOf, activeRunsPlannedFor } from '@sheaf/harvests';
import type { PrincipalRefDto } from '../access/access.dto';
import { AccessService } from '../access/access.service';
import { AuditService } from '../audit/audit.service';
import { isAdmin, seesStoredCredentials, type Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { messageOf } from '../common/error-message';
import { DomainError, HarvestRunningError, invalid, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import { connectionRemote, LocationConfigError, sourceLocation } from '@sheaf/rclone';
import { ConnectionTesterService, type ConnectionTestDto } from '../locations/connection-tester.service';
import { ScheduleSyncService } from '../schedules/schedule-sync.service';
import { SecretsService } from '../secrets/secrets.service';
import type {
  CreateInstrumentDto,
  DestinationDto,
  DestinationInputDto,
  InstrumentDto,
  InstrumentQueryDto,
  RunSummaryDto,
  UpdateInstrumentDto,
} from './instruments.dto';

const DEFAULT_TEMPLATE = '{instrument}/{path}';
const NAME_TAKEN: UniqueConflict = { constraint: 'instruments_name_live', code: 'name_taken', message: 'Another instrument has this name', field: 'name' };

interface Extras {
  destinations: Map<string, DestinationDto[]>;
  grants: Map<string, PrincipalRefDto[]>;
  lastRuns: Map<string, RunSummaryDto>;
}

/**
 * Whether an rclone remote is a connection string (`:sftp,host=...,pass=...:path`), whose options
 * may hold credentials: it is stored sealed (instruments.source_remote_sealed), `source_config`
 * keeping *** in its place. A named remote (`lab:data`) takes no options and stays in clear.
 */
function isConnectionString(remote: unknown): remote is string {
  return typeof remote === 'string' && remote.startsWith(':');
}

/** Whether the stored row's connection string is sealed apart (its config holds *** for it). */
function hasSealedRemote(row: InstrumentEntity): boolean {
  return row.sourceType === 'rclone' && row.sourceConfig['remote'] === SEALED_SOURCE_REMOTE && Boolean(row.sourceRemoteSealed);
}

/** What to store for a source config a client sent: the config (*** for a sealed connection string) and the sealed string. */
interface IncomingSource {
  /** The config as the checks read it: the real connection string, or undefined where a kept one cannot be opened. */
  checked: Record<string, unknown>;
  stored: Record<string, unknown>;
  sealed: string | null;
  /** The remote was sent as *** and kept: when it cannot be opened, the checks leave it out (it was checked when given). */
  remoteKept: boolean;
}

/** `sourceConfig` is the config as this answer shows it (the connection string opened, or ***). */
function toDto(row: InstrumentEntity, extras: Extras, sourceConfig: Record<string, unknown>): InstrumentDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    location: row.location,
    sourceType: row.sourceType,
    sourceConfig,
    serviceAccountId: row.serviceAccountId,
    minAgeSeconds: row.minAgeSeconds,
    enabled: row.enabled,
    destinations: extras.destinations.get(row.id) ?? [],
    grants: extras.grants.get(row.id) ?? [],
    lastRun: extras.lastRuns.get(row.id) ?? null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

/**
 * The audit's only trace of a connection string change (an rclone `remote` is *** on both sides,
 * it may hold credentials).
 */
function changedRemote(before: InstrumentDto, after: InstrumentDto): { remoteChanged?: true } {
  return before.sourceConfig['remote'] !== after.sourceConfig['remote'] ? { remoteChanged: true } : {};
}

function group<T extends { instrument_id: string }, U>(rows: T[], map: (row: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>();
  for (const row of rows) out.set(row.instrument_id, [...(out.get(row.instrument_id) ?? []), map(row)]);
  return out;
}

/**
 * `remoteUnknown`: a stored connection string kept (sent back as ***) that cannot be opened here
 * (no key, another key) is not checked again; it was when it was given, and the worker checks it
 * before each harvest.
 */
function checkSource(type: SourceType, config: unknown, serviceAccountId: string | null, remoteUnknown = false): void {
  const [problem] = validateSourceConfig(type, config).filter((p) => !(remoteUnknown && p.field === 'remote'));
  if (problem) {
    throw invalid(problem.field ? `sourceConfig.${problem.field}` : 'sourceConfig', `sourceConfig${problem.field ? `.${problem.field}` : ''} ${problem.message}`);
  }
  if (type === 'rclone' && !remoteUnknown) {
    // The worker turns a connection string into a remote of its own: refuse one it could not read.
    try {
      connectionRemote(String((config as { remote: unknown }).remote), 'src', 'sourceConfig.remote');
    } catch (err) {
      if (err instanceof LocationConfigError) throw invalid('sourceConfig.remote', err.message);
      throw err;
    }
  }
  if (SOURCE_TYPES_WITH_ACCOUNT.includes(type) && !serviceAccountId) throw invalid('serviceAccountId', `serviceAccountId is required for ${type} sources`);
  if (!SOURCE_TYPES_WITH_ACCOUNT.includes(type) && serviceAccountId) throw invalid('serviceAccountId', `${type} sources use no service account`);
}

function checkDestinations(destinations: DestinationInputDto[]): void {
  const seen = new Set<string>();
  destinations.forEach((d, i) => {
    if (seen.has(d.storageLocationId)) throw invalid(`destinations[${i}].storageLocationId`, 'each storage location may appear once');
    seen.add(d.storageLocationId);
    const problem = d.pathTemplate === undefined ? undefined : pathTemplateProblem(d.pathTemplate);
    if (problem) throw invalid(`destinations[${i}].pathTemplate`, `pathTemplate ${problem}`);
  });
}

/** Instruments: admins configure them; users see the ones their groups and projects are granted. */
@Injectable()
export class InstrumentsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('instruments');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly tester: ConnectionTesterService,
    private readonly scheduleSync: ScheduleSyncService,
  ) {}

  private async extras(manager: EntityManager, ids: string[]): Promise<Extras> {
    // One after another: inside a transaction the manager has a single connection.
    const destinations = (await manager.query(
      `SELECT d.instrument_id, d.storage_location_id, s.name, s.type, d.path_template
         FROM instrument_destinations d JOIN storage_locations s ON s.id = d.storage_location_id
        WHERE d.instrument_id = ANY($1) ORDER BY s.name, s.id`,
      [ids],
    )) as Array<{ instrument_id: string; storage_location_id: string; name: string; type: DestinationDto['storageType']; path_template: string }>;
    const grants = (await manager.query(
      `SELECT g.instrument_id, CASE WHEN g.group_id IS NULL THEN 'project' ELSE 'group' END AS kind,
              coalesce(g.group_id, g.project_id) AS id, coalesce(gr.name, p.name) AS name
         FROM instrument_grants g
         LEFT JOIN groups gr ON gr.id = g.group_id LEFT JOIN projects p ON p.id = g.project_id
        WHERE g.instrument_id = ANY($1) AND coalesce(gr.deleted_at, p.deleted_at) IS NULL
        ORDER BY kind, name, id`,
      [ids],
    )) as Array<{ instrument_id: string; kind: 'group' | 'project'; id: string; name: string }>;
    // Each instrument's newest run, the first entry of its harvest_runs_instrument_recent (a
    // DISTINCT ON over the instruments read and sorted every run of each).
    const runs = (await manager.query(
      `SELECT g.instrument_id, r.id, r.status, r.phase, r.created_at, r.finished_at
         FROM unnest($1::uuid[]) AS g(instrument_id)
        CROSS JOIN LATERAL (
          SELECT id, status, phase, created_at, finished_at FROM harvest_runs
           WHERE instrument_id = g.instrument_id ORDER BY created_at DESC, id DESC LIMIT 1) r`,
      [ids],
    )) as Array<{ instrument_id: string; id: string; status: RunSummaryDto['status']; phase: RunSummaryDto['phase']; created_at: Date; finished_at: Date | null }>;
    return {
      destinations: group(destinations, (d) => ({ storageLocationId: d.storage_location_id, storageLocationName: d.name, storageType: d.type, pathTemplate: d.path_template })),
      grants: group(grants, (g) => ({ kind: g.kind, id: g.id, name: g.name })),
      lastRuns: new Map(runs.map((r) => [r.instrument_id, { id: r.id, status: r.status, phase: r.phase, createdAt: r.created_at, finishedAt: r.finished_at }])),
    };
  }

  /**
   * Seals, before the API serves, the rclone connection strings of instruments stored in clear
   * (before they were sealed, or by an API without a key). A failure is logged: the next start
   * tries again.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const { sealed, left, busy } = await this.sealStoredRemotes();
      if (sealed) this.logger.log(`sealed the rclone connection strings of ${sealed} instrument(s) stored in clear`);
      if (left) this.logger.warn(`${left} instrument(s) keep their rclone connection string in clear: SHEAF_ENCRYPTION_KEY is not configured to seal them`);
      if (busy) this.logger.warn(`${busy} instrument(s) keep their rclone connection string in clear until the API starts again: their rows were being changed`);
    } catch (err) {
      this.logger.warn(`sealing the rclone connection strings of instruments stored in clear failed: ${messageOf(err)}`);
    }
  }

  /**
   * Seals the connection strings instruments hold in clear in their source config (deleted ones
   * too: a restore brings them back), one transaction per instrument; one another API sealed
   * meanwhile is left alone, and one that fails is logged and left as it is. Neither updated_at
   * nor the audit changes (nobody changed the instrument). Returns how many it sealed, how many
   * it left for want of a key, and how many it left because their rows were locked.
   */
  private async sealStoredRemotes(): Promise<{ sealed: number; left: number; busy: number }> {
    const inClear = `source_type = 'rclone' AND jsonb_typeof(source_config -> 'remote') = 'string' AND source_config ->> 'remote' LIKE ':%'`;
    const rows = (await this.dataSource.query(`SELECT id FROM instruments WHERE ${inClear} ORDER BY id`)) as Array<{ id: string }>;
    if (!this.secrets.canSeal) return { sealed: 0, left: rows.length, busy: 0 };
    let sealed = 0;
    let busy = 0;
    for (const { id } of rows) {
      try {
        const done = await this.dataSource.transaction(async (tx) => {
          // FOR NO KEY UPDATE (only non-key columns change), not FOR UPDATE: a discovery's
          // file_versions inserts hold FOR KEY SHARE on their instrument's row (the foreign key)
          // for the whole batch, which FOR UPDATE would wait for. SKIP LOCKED: a row locked even
          // so (an edit, a rename's FOR UPDATE over its files, which may take minutes) is left in
          // clear until the next start rather than hold the API's start up, or fail at the
          // statement timeout; workers of this release read both forms.
          const [row] = (await tx.query(`SELECT source_config ->> 'remote' AS remote FROM instruments WHERE id = $1 AND ${inClear} FOR NO KEY UPDATE SKIP LOCKED`, [id])) as Array<{
            remote: string;
          }>;
          if (!row) {
            // Sealed by another API meanwhile, or locked: skipped.
            const [clear] = (await tx.query(`SELECT 1 FROM instruments WHERE id = $1 AND ${inClear}`, [id])) as unknown[];
            if (clear) busy++;
            return false;
          }
          await tx.query(`UPDATE instruments SET source_config = jsonb_set(source_config, '{remote}', to_jsonb($2::text)), source_remote_sealed = $3 WHERE id = $1`, [
            id,
            SEALED_SOURCE_REMOTE,
            this.secrets.seal(row.remote),
          ]);
          return true;
        });
        if (done) sealed++;
      } catch (err) {
        this.logger.warn(`instrument ${id}: its rclone connection string stored in clear could not be sealed: ${messageOf(err)}`);
      }
    }
    return { sealed, left: 0, busy };
  }

  /** Reads the sealed connection string of a row read without it (select: false), where it has one. */
  private async withSealedRemote(manager: EntityManager, row: InstrumentEntity): Promise<InstrumentEntity> {
    if (row.sourceRemoteSealed === undefined && row.sourceType === 'rclone' && row.sourceConfig['remote'] === SEALED_SOURCE_REMOTE) {
      const [stored] = (await manager.query(`SELECT source_remote_sealed FROM instruments WHERE id = $1`, [row.id])) as Array<{ source_remote_sealed: string | null }>;
      row.sourceRemoteSealed = stored?.source_remote_sealed ?? null;
    }
    return row;
  }

  /**
   * The row's connection string, opened; undefined where it has none sealed or it cannot be opened
   * here (no key, another key): answers show *** then, as they do to those who may not see it.
   */
  private openedRemote(row: InstrumentEntity): string | undefined {
    if (!hasSealedRemote(row)) return undefined;
    try {
      return this.secrets.open(row.sourceRemoteSealed!);
    } catch {
      return undefined;
    }
  }

  /**
   * The source config as an answer shows it: an rclone remote only to admins signed in to the
   * portal (API tokens and users get ***), and to every admin answer of a change, as before it
   * was sealed.
   */
  private shownSourceConfig(row: InstrumentEntity, showConnectionString: boolean): Record<string, unknown> {
    if (row.sourceType !== 'rclone') return row.sourceConfig;
    if (!showConnectionString) return { ...row.sourceConfig, remote: SEALED_SOURCE_REMOTE };
    const opened = this.openedRemote(row);
    return opened === undefined ? row.sourceConfig : { ...row.sourceConfig, remote: opened };
  }

  /**
   * What to store for the source config a client sent (`row`: the stored instrument, read with its
   * sealed connection string; null on create). A connection string is sealed (refused without a
   * key, like any secret), the config keeping ***; the same one sent again (as the portal does
   * with every save) keeps what is stored, sealed or (stored before sealing, with no key now) in
   * clear. A *** remote stands for the stored one, which it keeps; where none is stored it is refused.
   */
  private incomingSource(row: InstrumentEntity | null, type: SourceType, config: Record<string, unknown>): IncomingSource {
    const remote = config['remote'];
    if (type !== 'rclone' || typeof remote !== 'string') return { checked: config, stored: config, sealed: null, remoteKept: false };
    const storedRemote = row?.sourceType === 'rclone' ? row.sourceConfig['remote'] : undefined;
    const sealedStored = row !== null && hasSealedRemote(row);
    if (remote === SEALED_SOURCE_REMOTE) {
      if (!sealedStored && (typeof storedRemote !== 'string' || storedRemote === SEALED_SOURCE_REMOTE)) {
        throw invalid('sourceConfig.remote', `sourceConfig.remote is ${SEALED_SOURCE_REMOTE}, which stands for the stored connection string, but none is stored: send it`);
      }
      const opened = sealedStored ? this.openedRemote(row) : (storedRemote as string);
      if (!sealedStored && isConnectionString(opened) && this.secrets.canSeal) {
        // Stored in clear by an older release and not sealed yet: sealed now.
        return { checked: { ...config, remote: opened }, stored: { ...config, remote: SEALED_SOURCE_REMOTE }, sealed: this.secrets.seal(opened), remoteKept: true };
      }
      return { checked: { ...config, remote: opened }, stored: { ...config, remote: storedRemote }, sealed: sealedStored ? row.sourceRemoteSealed : null, remoteKept: true };
    }
    if (!isConnectionString(remote)) return { checked: config, stored: config, sealed: null, remoteKept: false };
    if (sealedStored && this.openedRemote(row) === remote) {
      return { checked: config, stored: { ...config, remote: SEALED_SOURCE_REMOTE }, sealed: row.sourceRemoteSealed, remoteKept: false };
    }
    // Stored in clear by an older release, sent back unchanged where no key can seal it: kept as it is.
    if (!this.secrets.canSeal && storedRemote === remote) return { checked: config, stored: config, sealed: null, remoteKept: false };
    return { checked: config, stored: { ...config, remote: SEALED_SOURCE_REMOTE }, sealed: this.secrets.seal(remote), remoteKept: false };
  }

  private async dto(manager: EntityManager, row: InstrumentEntity): Promise<InstrumentDto> {
    await this.withSealedRemote(manager, row);
    return toDto(row, await this.extras(manager, [row.id]), this.shownSourceConfig(row, true));
  }

  /** Ordered by name, then id; users see only granted instruments, and never deleted ones (asking is 403). */
  async list(principal: Principal, query: InstrumentQueryDto): Promise<Page<InstrumentDto>> {
    if (query.deleted && !isAdmin(principal)) throw new DomainError('forbidden', 'admin_only', 'Only admins can list deleted instruments', 'deleted');
    const scope = await this.access.scopeOf(principal);
    const visible = this.access.instrumentCondition(scope, 'i.id');
    const qb = this.dataSource
      .getRepository(InstrumentEntity)
      .createQueryBuilder('i')
      .withDeleted()
      .addSelect('i.sourceRemoteSealed')
      .where(query.deleted ? 'i.deleted_at IS NOT NULL' : 'i.deleted_at IS NULL')
      .andWhere(visible.sql, visible.params);
    if (query.q) {
      const pattern = likeContains(query.q);
      qb.andWhere(
        new Brackets((b) =>
          b.where('i.name ILIKE :pattern', { pattern }).orWhere('i.description ILIKE :pattern', { pattern }).orWhere('i.location ILIKE :pattern', { pattern }),
        ),
      );
    }
    if (query.sourceType) qb.andWhere('i.source_type = :sourceType', { sourceType: query.sourceType });
    if (query.enabled !== undefined) qb.andWhere('i.enabled = :enabled', { enabled: query.enabled });
    if (query.groupId) qb.andWhere('EXISTS (SELECT 1 FROM instrument_grants g WHERE g.instrument_id = i.id AND g.group_id = :groupId)', { groupId: query.groupId });
    if (query.projectId) {
      qb.andWhere('EXISTS (SELECT 1 FROM instrument_grants g WHERE g.instrument_id = i.id AND g.project_id = :projectId)', { projectId: query.projectId });
    }
    const [rows, total] = await qb.orderBy('i.name').addOrderBy('i.id').take(query.limit).skip(query.offset).getManyAndCount();
    const extras = await this.extras(this.dataSource.manager, rows.map((r) => r.id));
    return toPage(rows, total, query, (r) => toDto(r, extras, this.shownSourceConfig(r, seesStoredCredentials(principal))));
  }

  async get(principal: Principal, id: string): Promise<InstrumentDto> {
    await this.access.assertInstrumentVisible(principal, id);
    const row = await this.dataSource.getRepository(InstrumentEntity).findOne({ where: { id }, withDeleted: isAdmin(principal) });
    if (!row) throw notFound('Instrument');
    await this.withSealedRemote(this.dataSource.manager, row);
    return toDto(row, await this.extras(this.dataSource.manager, [row.id]), this.shownSourceConfig(row, seesStoredCredentials(principal)));
  }

  /**
   * Names are unique ignoring case among live instruments, beyond the index (which compares them
   * as written: instruments saved before this check may differ only in case): the name is a
   * folder at every destination (`{instrument}`), and on an SMB share `Krios` and `krios` are one.
   * One name change at a time, so two requests cannot both find a name free.
   */
  private async assertNameFree(tx: EntityManager, name: string, id: string | null): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sheaf:instrument-names'))`);
    const [other] = (await tx.query(`SELECT name FROM instruments WHERE lower(name) = lower($1) AND deleted_at IS NULL AND id IS DISTINCT FROM $2 LIMIT 1`, [
      name,
      id,
    ])) as Array<{ name: string }>;
    if (other) {
      const caseOnly = other.name === name ? '' : ` (${other.name}: names must differ by more than case)`;
      throw new DomainError('conflict', NAME_TAKEN.code, `${NAME_TAKEN.message}${caseOnly}`, NAME_TAKEN.field);
    }
  }

  /**
   * A new name must not be one under which another instrument delivered files: the name is a
   * folder at its destinations ({instrument} in path templates). A file there with the same bytes
   * would count as delivered for this instrument too (two versions and ARKs for one stored file),
   * a different one would fail for good. That is the name of a deleted instrument that delivered
   * files (restoring it takes the name back with its catalogue), or a former name of another
   * instrument, live or deleted, that delivered files before it was renamed (the audit trail
   * keeps every rename; a run before the rename counts, even one that delivered under a name
   * before that, which errs on refusing). An instrument may take its own former name back.
   */
  private async assertNameNotAtDestinations(tx: EntityManager, name: string, id: string | null): Promise<void> {
    // The runs' per-destination counters, as a storage location's move reads them (a row per run
    // and destination, counting verified deliveries), not every version of the instrument.
    const delivered = (before: string) =>
      `EXISTS (SELECT 1 FROM harvest_runs r JOIN harvest_run_destinations d ON d.run_id = r.id WHERE r.instrument_id = i.id AND d.files_verified > 0${before})`;
    const [deleted] = (await tx.query(`SELECT i.name FROM instruments i WHERE lower(i.name) = lower($1) AND i.deleted_at IS NOT NULL AND ${delivered('')} LIMIT 1`, [
      name,
    ])) as Array<{ name: string }>;
    if (deleted) {
      throw new DomainError(
        'conflict',
        'name_of_deleted',
        `A deleted instrument named ${deleted.name} delivered files, and its name is a folder at its destinations: restore it instead, or choose another name`,
        'name',
      );
    }
    const [renamed] = (await tx.query(
      `SELECT e.before ->> 'name' AS former, i.name AS now FROM audit_events e JOIN instruments i ON i.id::text = e.entity_id
       WHERE e.entity_type = 'instrument' AND e.action = 'instrument.updated'
         AND lower(e.before ->> 'name') = lower($1) AND lower(e.after ->> 'name') <> lower($1) AND i.id IS DISTINCT FROM $2::uuid
         AND ${delivered(' AND r.created_at < e.at')}
       LIMIT 1`,
      [name, id],
    )) as Array<{ former: string; now: string }>;
    if (renamed) {
      throw new DomainError(
        'conflict',
        'former_name',
        `Instrument ${renamed.now} delivered files as ${renamed.former}, and that name is a folder at its destinations: choose another name`,
        'name',
      );
    }
  }

  private write(work: (tx: EntityManager) => Promise<InstrumentDto>): Promise<InstrumentDto> {
    return transactionOrConflict(this.dataSource, NAME_TAKEN, work);
  }

  /**
   * The service account and storage locations an instrument is given are read FOR SHARE: their
   * deletion (which locks the row, then counts the live instruments using it) waits for this
   * transaction and then counts it, instead of both committing a live instrument that uses a
   * deleted one.
   */
  private async assertServiceAccount(tx: EntityManager, id: string | null): Promise<void> {
    if (id && !(await tx.getRepository(ServiceAccountEntity).findOne({ where: { id }, select: { id: true }, lock: { mode: 'pessimistic_read' } }))) {
      throw notFound('Service account', 'serviceAccountId');
    }
  }

  private async replaceDestinations(tx: EntityManager, instrumentId: string, destinations: DestinationInputDto[]): Promise<void> {
    const ids = destinations.map((d) => d.storageLocationId);
    const found = ids.length ? await tx.getRepository(StorageLocationEntity).find({ where: ids.map((id) => ({ id })), select: { id: true }, lock: { mode: 'pessimistic_read' } }) : [];
    const live = new Set(found.map((s) => s.id));
    const missing = ids.findIndex((id) => !live.has(id));
    if (missing >= 0) throw notFound('Storage location', `destinations[${missing}].storageLocationId`);
    // A destination that stays keeps its row: when it was added, and whether a harvest has given
    // it every version verified before (instrument_destinations.backfilled_at).
    const links = tx.getRepository(InstrumentDestinationEntity);
    const dropped = links.createQueryBuilder().delete().where('instrument_id = :instrumentId', { instrumentId });
    await (ids.length ? dropped.andWhere('storage_location_id NOT IN (:...ids)', { ids }) : dropped).execute();
    if (destinations.length) {
      await links.upsert(
        destinations.map((d) => ({ instrumentId, storageLocationId: d.storageLocationId, pathTemplate: d.pathTemplate ?? DEFAULT_TEMPLATE })),
        ['instrumentId', 'storageLocationId'],
      );
    }
  }

  create(actor: Principal, body: CreateInstrumentDto): Promise<InstrumentDto> {
    const serviceAccountId = body.serviceAccountId ?? null;
    checkSource(body.sourceType, body.sourceConfig, serviceAccountId);
    checkDestinations(body.destinations ?? []);
    const source = this.incomingSource(null, body.sourceType, body.sourceConfig);
    return this.write(async (tx) => {
      await this.assertServiceAccount(tx, serviceAccountId);
      await this.assertNameFree(tx, body.name, null);
      await this.assertNameNotAtDestinations(tx, body.name, null);
      const repo = tx.getRepository(InstrumentEntity);
      const row = await repo.save(
        repo.create({
          name: body.name,
          description: body.description ?? '',
          location: body.location ?? '',
          sourceType: body.sourceType,
          sourceConfig: source.stored,
          sourceRemoteSealed: source.sealed,
          serviceAccountId,
          minAgeSeconds: body.minAgeSeconds ?? 60,
          enabled: body.enabled ?? true,
        }),
      );
      await this.replaceDestinations(tx, row.id, body.destinations ?? []);
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, { action: 'instrument.created', entityType: 'instrument', entityId: row.id, after });
      return after;
    });
  }

  async update(actor: Principal, id: string, body: UpdateInstrumentDto): Promise<InstrumentDto> {
    if (body.sourceType !== undefined && body.sourceConfig === undefined) throw invalid('sourceConfig', 'sourceConfig is required when sourceType changes');
    if (body.destinations) checkDestinations(body.destinations);
    let schedules: string[] = [];
    const updated = await this.write(async (tx) => {
      const row = await lockRow(tx, InstrumentEntity, id, 'Instrument', false, ['sourceRemoteSealed']);
      const source = body.sourceConfig === undefined ? undefined : this.incomingSource(row, body.sourceType ?? row.sourceType, body.sourceConfig);
      // Compared as the admin sees it (the connection string opened; a *** sent back is the stored one), not as stored (sealed anew, or in clear by an older release).
      const sourceConfigChanged =
        body.sourceConfig !== undefined &&
        !isDeepStrictEqual(body.sourceConfig, source?.remoteKept ? { ...row.sourceConfig, remote: SEALED_SOURCE_REMOTE } : this.shownSourceConfig(row, true));
      await this.refuseWhileHarvesting(tx, row, body, sourceConfigChanged);
      const before = await this.dto(tx, row);
      // Schedules carry the instrument's name and pause with it.
      if ((body.name !== undefined && body.name !== row.name) || (body.enabled !== undefined && body.enabled !== row.enabled)) {
        schedules = await this.scheduleSync.markInstrumentChanged(tx, id);
      }
      if (body.name !== undefined && body.name.toLowerCase() !== row.name.toLowerCase()) {
        await this.assertNameFree(tx, body.name, id);
        await this.assertNameNotAtDestinations(tx, body.name, id);
      }
      if (body.name !== undefined) row.name = body.name;
      if (body.description !== undefined) row.description = body.description;
      if (body.location !== undefined) row.location = body.location;
      if (body.sourceType !== undefined) row.sourceType = body.sourceType;
      if (source !== undefined) {
        row.sourceConfig = source.stored;
        row.sourceRemoteSealed = source.sealed;
      }
      if (body.serviceAccountId !== undefined) row.serviceAccountId = body.serviceAccountId;
      if (body.minAgeSeconds !== undefined) row.minAgeSeconds = body.minAgeSeconds;
      if (body.enabled !== undefined) row.enabled = body.enabled;
      // Only a source being changed is checked: one stored under older rules can still be
      // renamed, described or disabled (the worker refuses to harvest it, saying why).
      if (body.sourceType !== undefined || body.sourceConfig !== undefined || body.serviceAccountId !== undefined) {
        const checked = source?.checked ?? { ...row.sourceConfig, ...(hasSealedRemote(row) && { remote: this.openedRemote(row) }) };
        checkSource(row.sourceType, checked, row.serviceAccountId, (source?.remoteKept ?? hasSealedRemote(row)) && checked['remote'] === undefined);
      }
      if (body.serviceAccountId) await this.assertServiceAccount(tx, body.serviceAccountId);
      await tx.getRepository(InstrumentEntity).save(row);
      if (body.destinations) await this.replaceDestinations(tx, id, body.destinations);
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, { action: 'instrument.updated', entityType: 'instrument', entityId: id, before, after: { ...after, ...changedRemote(before, after) } });
      return after;
    });
    this.scheduleSync.syncSoon(schedules);
    return updated;
  }

  /**
   * What a running harvest reads batch by batch (its source, its name and its destinations' path
   * templates, which place its files) cannot change under it: later batches would read another
   * source than the one listed, or write under another folder. Destinations may come and go, but
   * one the run planned for and that was detached meanwhile comes back only after it: with another
   * template, or after its root moved while detached, its later batches would write elsewhere.
   */
  private async refuseWhileHarvesting(tx: EntityManager, row: InstrumentEntity, body: UpdateInstrumentDto, sourceConfigChanged: boolean): Promise<void> {
    const templates = new Map(
      body.destinations
        ? (await tx.getRepository(InstrumentDestinationEntity).findBy({ instrumentId: row.id })).map((d) => [d.storageLocationId, d.pathTemplate])
        : [],
    );
    const templateChanged = (body.destinations ?? []).some(
      (d) => templates.has(d.storageLocationId) && templates.get(d.storageLocationId) !== (d.pathTemplate ?? DEFAULT_TEMPLATE),
    );
    const changed = [
      body.name !== undefined && body.name !== row.name && 'name',
      body.sourceType !== undefined && body.sourceType !== row.sourceType && 'sourceType',
      sourceConfigChanged && 'sourceConfig',
      body.serviceAccountId !== undefined && body.serviceAccountId !== row.serviceAccountId && 'serviceAccountId',
      templateChanged && 'destination path templates',
    ].filter((field): field is string => field !== false);
    const added = (body.destinations ?? []).map((d) => d.storageLocationId).filter((id) => !templates.has(id));
    const detached = added.length ? await activeRunsPlannedFor(tx, row.id, added) : [];
    if (detached.length) {
      const names = [...new Set(detached.map((d) => d.storageLocationName))].join(', ');
      const runId = detached[0].runId;
      throw new HarvestRunningError(`A harvest of ${row.name} is running (run ${runId}) that planned deliveries to ${names}, detached since: attach it again once the run has ended; cancel it or wait`, runId);
    }
    if (changed.length === 0) return;
    const active = await activeRunOf(tx, row.id);
    if (active) {
      throw new HarvestRunningError(`A harvest of ${row.name} is running (run ${active}): its ${changed.join(', ')} cannot change until it ends; cancel it or wait`, active);
    }
  }

  /** Refused while a harvest runs or a live schedule starts harvests of it. */
  remove(actor: Principal, id: string): Promise<InstrumentDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, InstrumentEntity, id, 'Instrument');
      const active = await activeRunOf(tx, id);
      if (active) throw new HarvestRunningError(`A harvest of this instrument is running (run ${active}); cancel it first`, active);
      const [{ schedules }] = (await tx.query(`SELECT count(*)::int AS schedules FROM schedules WHERE instrument_id = $1 AND deleted_at IS NULL`, [id])) as Array<{
        schedules: number;
      }>;
      if (schedules > 0) throw new DomainError('conflict', 'has_schedules', `${schedules} schedule(s) harvest this instrument; delete them first`);
      const before = await this.dto(tx, row);
      row.deletedAt = new Date();
      await tx.getRepository(InstrumentEntity).save(row);
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, { action: 'instrument.deleted', entityType: 'instrument', entityId: id, before, after });
      return after;
    });
  }

  /**
   * Refused while a storage location it delivers to, or its service account, is deleted (both can
   * be once no live instrument uses them): restored, it would accept harvests that cannot run.
   */
  restore(actor: Principal, id: string): Promise<InstrumentDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, InstrumentEntity, id, 'Instrument', true);
      // Read FOR SHARE (see assertServiceAccount): a deletion of one of them waits, then counts
      // this instrument; one committed before is seen deleted here.
      const locations = (await tx.query(
        `SELECT s.name, s.deleted_at IS NOT NULL AS deleted FROM storage_locations s JOIN instrument_destinations d ON d.storage_location_id = s.id
          WHERE d.instrument_id = $1 ORDER BY s.name FOR SHARE OF s`,
        [id],
      )) as Array<{ name: string; deleted: boolean }>;
      const accounts = row.serviceAccountId
        ? ((await tx.query(`SELECT name, deleted_at IS NOT NULL AS deleted FROM service_accounts WHERE id = $1 FOR SHARE`, [row.serviceAccountId])) as Array<{ name: string; deleted: boolean }>)
        : [];
      const storages = locations.filter((l) => l.deleted).map((l) => l.name).join(', ');
      const account = accounts.find((a) => a.deleted)?.name;
      if (storages) throw new DomainError('conflict', 'destination_deleted', `It delivers to deleted storage location(s) ${storages}; restore them first`);
      if (account) throw new DomainError('conflict', 'service_account_deleted', `Its service account ${account} is deleted; restore it first`);
      await this.assertNameFree(tx, row.name, id);
      const before = await this.dto(tx, row);
      row.deletedAt = null;
      await tx.getRepository(InstrumentEntity).save(row);
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, { action: 'instrument.restored', entityType: 'instrument', entityId: id, before, after });
      return after;
    });
  }

  /** Grants the instrument (its runs and files) to a group or project; granting twice is harmless. */
  grant(actor: Principal, id: string, kind: 'group' | 'project', granteeId: string): Promise<InstrumentDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, InstrumentEntity, id, 'Instrument');
      const grantee = kind === 'group' ? await tx.getRepository(GroupEntity).findOneBy({ id: granteeId }) : await tx.getRepository(ProjectEntity).findOneBy({ id: granteeId });
      if (!grantee) throw notFound(kind === 'group' ? 'Group' : 'Project', `${kind}Id`);
      const inserted = (await tx.query(
        `INSERT INTO instrument_grants (instrument_id, ${kind}_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id`,
        [id, granteeId],
      )) as unknown[];
      if (inserted.length) {
        await this.audit.record(tx, actor, { action: 'instrument.granted', entityType: 'instrument', entityId: id, after: { kind, id: granteeId, name: grantee.name } });
      }
      return this.dto(tx, row);
    });
  }

  /** A deleted instrument's grants too: its runs and files stay visible through them. */
  revoke(actor: Principal, id: string, kind: 'group' | 'project', granteeId: string): Promise<InstrumentDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, InstrumentEntity, id, 'Instrument', 'either');
      const removed = await changedRows(tx, `DELETE FROM instrument_grants WHERE instrument_id = $1 AND ${kind}_id = $2 RETURNING id`, [id, granteeId]);
      if (!removed.length) throw notFound('Grant', `${kind}Id`);
      // A deleted group or project keeps its grants (hidden while deleted) and can lose them too.
      const where = { where: { id: granteeId }, withDeleted: true };
      const grantee = kind === 'group' ? await tx.getRepository(GroupEntity).findOneOrFail(where) : await tx.getRepository(ProjectEntity).findOneOrFail(where);
      await this.audit.record(tx, actor, { action: 'instrument.grant_revoked', entityType: 'instrument', entityId: id, before: { kind, id: granteeId, name: grantee.name } });
      return this.dto(tx, row);
    });
  }

  /** Lists the source with rclone (the first files), as the worker would see it. */
  async test(id: string): Promise<ConnectionTestDto> {
    const row = await this.dataSource.getRepository(InstrumentEntity).createQueryBuilder('i').addSelect('i.sourceRemoteSealed').where('i.id = :id', { id }).getOne();
    if (!row) throw notFound('Instrument');
    // A sealed connection string that does not open answers 503 (no key) or 422 (another key), as an SMB password does.
    const config = hasSealedRemote(row) ? { ...row.sourceConfig, remote: this.secrets.open(row.sourceRemoteSealed!) } : row.sourceConfig;
    const account = row.serviceAccountId
      ? await this.dataSource
          .getRepository(ServiceAccountEntity)
          .createQueryBuilder('a')
          .addSelect('a.passwordSealed')
          .where('a.id = :id', { id: row.serviceAccountId })
          .getOne()
      : null;
    const source = sourceLocation(
      { name: row.name, type: row.sourceType, config },
      account && { name: account.name, username: account.username, domain: account.domain, password: () => this.secrets.open(account.passwordSealed) },
    );
    return this.tester.testSource(source);
  }
}
