import { Inject, Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { ServiceAccountEntity } from '@sheaf/db';
import { AuditService, REDACTED } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { DomainError, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import { SecretsService } from '../secrets/secrets.service';
import type { CreateServiceAccountDto, ServiceAccountDto, ServiceAccountQueryDto, UpdateServiceAccountDto } from './service-accounts.dto';

const NAME_TAKEN: UniqueConflict = { constraint: 'service_accounts_name_live', code: 'name_taken', message: 'Another service account has this name', field: 'name' };

function toDto(row: ServiceAccountEntity, instrumentCount: number): ServiceAccountDto {
  return {
    id: row.id,
    name: row.name,
    domain: row.domain,
    username: row.username,
    hasPassword: true,
    instrumentCount,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt,
  };
}

/** SMB credentials of instrument shares. The password is sealed on write and never returned. */
@Injectable()
export class ServiceAccountsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly secrets: SecretsService,
  ) {}

  private async instrumentCounts(manager: EntityManager, ids: string[]): Promise<Map<string, number>> {
    const rows = (await manager.query(
      `SELECT service_account_id AS id, count(*)::int AS n FROM instruments
        WHERE service_account_id = ANY($1) AND deleted_at IS NULL GROUP BY service_account_id`,
      [ids],
    )) as Array<{ id: string; n: number }>;
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  private async dto(manager: EntityManager, row: ServiceAccountEntity): Promise<ServiceAccountDto> {
    return toDto(row, (await this.instrumentCounts(manager, [row.id])).get(row.id) ?? 0);
  }

  /** Ordered by name, then id. */
  async list(query: ServiceAccountQueryDto): Promise<Page<ServiceAccountDto>> {
    const qb = this.dataSource
      .getRepository(ServiceAccountEntity)
      .createQueryBuilder('a')
      .withDeleted()
      .where(query.deleted ? 'a.deleted_at IS NOT NULL' : 'a.deleted_at IS NULL');
    if (query.q) {
      const pattern = likeContains(query.q);
      qb.andWhere(new Brackets((b) => b.where('a.name ILIKE :pattern', { pattern }).orWhere('a.username ILIKE :pattern', { pattern })));
    }
    const [rows, total] = await qb.orderBy('a.name').addOrderBy('a.id').take(query.limit).skip(query.offset).getManyAndCount();
    const counts = await this.instrumentCounts(this.dataSource.manager, rows.map((r) => r.id));
    return toPage(rows, total, query, (r) => toDto(r, counts.get(r.id) ?? 0));
  }

  async get(id: string): Promise<ServiceAccountDto> {
    return this.dataSource.transaction(async (tx) => {
      const row = await tx.getRepository(ServiceAccountEntity).findOne({ where: { id }, withDeleted: true });
      if (!row) throw notFound('Service account');
      return this.dto(tx, row);
    });
  }

  private write(work: (tx: EntityManager) => Promise<ServiceAccountDto>): Promise<ServiceAccountDto> {
    return transactionOrConflict(this.dataSource, NAME_TAKEN, work);
  }

  create(actor: Principal, body: CreateServiceAccountDto): Promise<ServiceAccountDto> {
    const passwordSealed = this.secrets.seal(body.password);
    return this.write(async (tx) => {
      const repo = tx.getRepository(ServiceAccountEntity);
      const row = await repo.save(repo.create({ name: body.name.trim(), domain: body.domain?.trim() ?? '', username: body.username.trim(), passwordSealed }));
      const after = await this.dto(tx, row);
      await this.audit.record(tx, actor, {
        action: 'service_account.created',
        entityType: 'service_account',
        entityId: row.id,
        after: { ...after, password: REDACTED },
      });
      return after;
    });
  }

  /** A password in the body replaces the stored one; without one the stored password stays. */
  update(actor: Principal, id: string, body: UpdateServiceAccountDto): Promise<ServiceAccountDto> {
    const passwordSealed = body.password === undefined ? undefined : this.secrets.seal(body.password);
    return this.write(async (tx) => {
      const row = await lockRow(tx, ServiceAccountEntity, id, 'Service account');
      const before = await this.dto(tx, row);
      const changes: Partial<ServiceAccountEntity> = {};
      if (body.name !== undefined) changes.name = body.name.trim();
      if (body.domain !== undefined) changes.domain = body.domain.trim();
      if (body.username !== undefined) changes.username = body.username.trim();
      if (passwordSealed !== undefined) changes.passwordSealed = passwordSealed;
      if (Object.keys(changes).length) await tx.getRepository(ServiceAccountEntity).update({ id }, changes);
      const after = await this.dto(tx, await tx.getRepository(ServiceAccountEntity).findOneByOrFail({ id }));
      await this.audit.record(tx, actor, {
        action: 'service_account.updated',
        entityType: 'service_account',
        entityId: id,
        before: { ...before, password: REDACTED },
        after: { ...after, password: REDACTED, ...(passwordSealed ? { passwordChanged: true } : {}) },
      });
      return after;
    });
  }

  /** Refused while a live instrument uses the account. */
  remove(actor: Principal, id: string): Promise<ServiceAccountDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, ServiceAccountEntity, id, 'Service account');
      const before = await this.dto(tx, row);
      if (before.instrumentCount > 0) {
        throw new DomainError('conflict', 'in_use', `${before.instrumentCount} instrument(s) use this service account; change them first`);
      }
      await tx.getRepository(ServiceAccountEntity).update({ id }, { deletedAt: new Date() });
      const after = await this.dto(tx, await tx.getRepository(ServiceAccountEntity).findOneOrFail({ where: { id }, withDeleted: true }));
      await this.audit.record(tx, actor, { action: 'service_account.deleted', entityType: 'service_account', entityId: id, before, after });
      return after;
    });
  }

  restore(actor: Principal, id: string): Promise<ServiceAccountDto> {
    return this.write(async (tx) => {
      const row = await lockRow(tx, ServiceAccountEntity, id, 'Service account', true);
      const before = await this.dto(tx, row);
      await tx.getRepository(ServiceAccountEntity).update({ id }, { deletedAt: null });
      const after = await this.dto(tx, await tx.getRepository(ServiceAccountEntity).findOneByOrFail({ id }));
      await this.audit.record(tx, actor, { action: 'service_account.restored', entityType: 'service_account', entityId: id, before, after });
      return after;
    });
  }
}
