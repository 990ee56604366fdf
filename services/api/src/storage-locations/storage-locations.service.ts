import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { STORAGE_TYPES_WITH_SECRET, validateStorageConfig, type Page, type StorageType } from '@sheaf/contracts';
import { StorageLocationEntity } from '@sheaf/db';
import { activeRunDeliveringTo } from '@sheaf/harvests';
import { AuditService, REDACTED } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { DomainError, HarvestRunningError, invalid, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import { storageLocation, LocationConfigError } from '@sheaf/rclone';
import { ConnectionTesterService, type ConnectionTestDto } from '../locations/connection-tester.service';
import { SecretsService } from '../secrets/secrets.service';
import type { CreateStorageLocationDto, StorageLocationDto, StorageLocationQueryDto, UpdateStorageLocationDto } from './storage-locations.dto';

const NAME_TAKEN: UniqueConflict = { constraint: 'storage_locations_name_live', code: 'name_taken', message: 'Another storage location has this name', field: 'name' };

function toDto(row: StorageLocationEntity, instrumentCount: number): StorageLocationDto {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config: row.config,
    hasSecret: Boolean(row.secretSealed),
    instrumentCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

/**
 * The config keys that say where a location's files are. A delivery records its path relative to
 * them, so after they change every recorded delivery names a place that holds nothing, unless the
 * files were moved there too.
 */
const ROOT_KEYS: Record<StorageType, readonly string[]> = {
  posix: ['path'],
  nfs: ['path'],
  s3: ['endpoint', 'bucket', 'prefix'],
  smb: ['host', 'port', 'share', 'path'],
};

/** The first of `keys` whose value changes (a key left out and one stored as null are the same). */
function changedKey(keys: readonly string[], before: Record<string, unknown>, after: Record<string, unknown>): string | undefined {
  return keys.find((key) => !isDeepStrictEqual(after[key] ?? null, before[key] ?? null));
}

/** The config must fit the type; only s3 and smb have (and need) a secret. */
function checkConfig(type: StorageType, config: unknown): void {
  const [problem] = validateStorageConfig(type, config);
  if (problem) throw invalid(problem.field ? `config.${problem.field}` : 'config', `config${problem.field ? `.${problem.field}` : ''} ${problem.message}`);
}

/** Destinations of harvested files: posix, s3, smb, nfs (mounted on the workers). */
@Injectable()
export class StorageLocationsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
    private readonly tester: ConnectionTesterService,
  ) {}

  private async instrumentCounts(manager: EntityManager, ids: string[]): Promise<Map<string, number>> {
    const rows = (await manager.query(
      `SELECT d.storage_location_id AS id, count(*)::int AS n FROM instrument_destinations d
         JOIN instruments i ON i.id = d.instrument_id AND i.deleted_at IS NULL
        WHERE d.storage_location_id = ANY($1) GROUP BY d.storage_location_id`,
      [ids],
    )) as Array<{ id: string; n: number }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /** With its sealed secret (to tell whether one is set); the secret never leaves this service. */
  private find(manager: EntityManager, id: string): Promise<StorageLocationEntity | null> {
    return manager.getRepository(StorageLocationEntity).createQueryBuilder('s').withDeleted().addSelect('s.secretSealed').where('s.id = :id', { id }).getOne();
  }

  private async dto(manager: EntityManager, row: StorageLocationEntity): Promise<StorageLocationDto> {
    return toDto(row, (await this.instrumentCounts(manager, [row.id])).get(row.id) ?? 0);
  }

  /** Ordered by name, then id. */
  async list(query: StorageLocationQueryDto): Promise<Page<StorageLocationDto>> {
    const qb = this.dataSource
      .getRepository(StorageLocationEntity)
      .createQueryBuilder('s')
      .withDeleted()
      .addSelect('s.secretSealed')
      .where(query.deleted ? 's.deleted_at IS NOT NULL' : 's.deleted_at IS NULL');
    if (query.type) qb.andWhere('s.type = :type', { type: query.type });
    if (query.q) qb.andWhere('s.name ILIKE :pattern', { pattern: likeContains(query.q) });
    const [rows, total] = await qb.orderBy('s.name').addOrderBy('s.id').take(query.limit).skip(query.offset).getManyAndCount();
    const counts = await this.instrumentCounts(this.dataSource.manager, rows.map((r) => r.id));
    return toPage(rows, total, query, (r) => toDto(r, counts.get(r.id) ?? 0));
  }

  async get(id: string): Promise<StorageLocationDto> {
    const row = await this.find(this.dataSource.manager, id);
    if (!row) throw notFound('Storage location');
    return this.dto(this.dataSource.manager, row);
  }

  private write(work: (tx: EntityManager) => Promise<StorageLocationDto>): Promise<StorageLocationDto> {
    return transactionOrConflict(this.dataSource, NAME_TAKEN, work);
  }

  create(actor: Principal, body: CreateStorageLocationDto): Promise<StorageLocationDto> {
    checkConfig(body.type, body.config);
    const needsSecret = STORAGE_TYPES_WITH_SECRET.includes(body.type);
    if (needsSecret && body.secret === undefined) throw invalid('secret', `secret is required for ${body.type} storage`);
    if (!needsSecret && body.secret !== undefined) throw invalid('secret', `${body.type} storage has no secret`);
    const secretSealed = body.secret === undefined ? null : this.secrets.seal(body.secret);
    return this.write(async (tx) => {
      const repo = tx.getRepository(StorageLocationEntity);
      const row = await repo.save(repo.create({ name: body.name.trim(), type: body.type, config: body.config, secretSealed }));
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, {
        action: 'storage_location.created',
        entityType: 'storage_location',
        entityId: row.id,
        after: secretSealed ? { ...after, secret: REDACTED } : after,
      });
      return after;
    });
  }

  /** A secret in the body replaces the stored one; without one the stored secret stays. */
  update(actor: Principal, id: string, body: UpdateStorageLocationDto): Promise<StorageLocationDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, StorageLocationEntity, id, 'Storage location', false, ['secretSealed']);
      if (body.config !== undefined) checkConfig(row.type, body.config);
      if (body.secret !== undefined && !STORAGE_TYPES_WITH_SECRET.includes(row.type)) throw invalid('secret', `${row.type} storage has no secret`);
      // An SMB password goes to whichever server the location names (NTLM, which a server can
      // crack offline): one entered for one server is not sent to another unless given again.
      const serverChanged = row.type === 'smb' && body.config !== undefined && changedKey(['host', 'port'], row.config, body.config) !== undefined;
      if (serverChanged && body.secret === undefined && row.secretSealed) {
        throw invalid('secret', 'give the password again when the host or port changes: the stored one is sent only to the server it was entered for');
      }
      if (body.config !== undefined && !isDeepStrictEqual(body.config, row.config)) {
        const active = await activeRunDeliveringTo(tx, id);
        if (active) throw new HarvestRunningError(`A harvest delivering to ${row.name} is running (run ${active}); change its settings when it has ended`, active);
      }
      const rootKey = body.config === undefined ? undefined : changedKey(ROOT_KEYS[row.type], row.config, body.config);
      if (rootKey !== undefined && !body.contentsMoved) {
        // Read from the runs' per-destination counters (a row per run and destination, counting
        // each verified delivery): no index of file_deliveries leads with the storage location.
        const [{ delivered }] = (await tx.query(
          `SELECT EXISTS (SELECT 1 FROM harvest_run_destinations WHERE storage_location_id = $1 AND files_verified > 0) AS delivered`,
          [id],
        )) as Array<{ delivered: boolean }>;
        if (delivered) {
          throw new DomainError(
            'conflict',
            'files_delivered',
            `Files delivered to ${row.name} are where config.${rootKey} says now: changed, the catalogue would name places that hold nothing. ` +
              'Move the files to the new place first and send contentsMoved: true with the change, or create another storage location for the new place.',
            `config.${rootKey}`,
          );
        }
      }
      const before = await this.dto(tx, row);
      if (body.name !== undefined) row.name = body.name.trim();
      if (body.config !== undefined) row.config = body.config;
      if (body.secret !== undefined) row.secretSealed = this.secrets.seal(body.secret);
      await tx.getRepository(StorageLocationEntity).save(row);
      const after = await this.dto(tx, (await this.find(tx, id))!);
      const secretNote = (dto: StorageLocationDto, changed: boolean) =>
        dto.hasSecret ? { ...dto, secret: REDACTED, ...(changed ? { secretChanged: true } : {}) } : dto;
      await this.audit.record(tx, actor, {
        action: 'storage_location.updated',
        entityType: 'storage_location',
        entityId: id,
        before: secretNote(before, false),
        after: { ...secretNote(after, body.secret !== undefined), ...(rootKey !== undefined && body.contentsMoved ? { contentsMoved: true } : {}) },
      });
      return after;
    });
  }

  /** Refused while a live instrument delivers here. */
  remove(actor: Principal, id: string): Promise<StorageLocationDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, StorageLocationEntity, id, 'Storage location', false, ['secretSealed']);
      const before = await this.dto(tx, row);
      if (before.instrumentCount > 0) {
        throw new DomainError('conflict', 'in_use', `${before.instrumentCount} instrument(s) deliver to this storage location; change them first`);
      }
      await tx.getRepository(StorageLocationEntity).update({ id }, { deletedAt: new Date() });
      const after = await this.dto(tx, (await this.find(tx, id))!);
      await this.audit.record(tx, actor, { action: 'storage_location.deleted', entityType: 'storage_location', entityId: id, before, after });
      return after;
    });
  }

  restore(actor: Principal, id: string): Promise<StorageLocationDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, StorageLocationEntity, id, 'Storage location', true, ['secretSealed']);
      const before = await this.dto(tx, row);
      await tx.getRepository(StorageLocationEntity).update({ id }, { deletedAt: null });
      const after = await this.dto(tx, (await this.find(tx, id))!);
      await this.audit.record(tx, actor, { action: 'storage_location.restored', entityType: 'storage_location', entityId: id, before, after });
      return after;
    });
  }

  /** posix/nfs: the folder exists and is writable; s3/smb: a small file is written and removed through rclone. */
  async test(id: string): Promise<ConnectionTestDto> {
    const row = await this.find(this.dataSource.manager, id);
    if (!row || row.deletedAt) throw notFound('Storage location');
    return this.tester.testDestination(
      storageLocation(row, 'dst', () => {
        if (!row.secretSealed) throw new LocationConfigError(`storage location ${row.name} has no secret stored`);
        return this.secrets.open(row.secretSealed);
      }),
    );
  }
}
