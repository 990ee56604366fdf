import { Inject, Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { hashPassword } from '@sheaf/crypto';
import { changedRows, UserEntity } from '@sheaf/db';
import { AuditService, REDACTED } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { DomainError, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import { lockRow } from '../common/rows';
import type { CreateUserDto, UpdateUserDto, UserDto, UserQueryDto } from './users.dto';

export function toUserDto(user: UserEntity): UserDto {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    deletedAt: user.deletedAt,
  };
}

const EMAIL_TAKEN: UniqueConflict = { constraint: 'users_email_live', code: 'email_taken', message: 'Another user has this email', field: 'email' };

/**
 * Users, managed by admins. Nobody changes their own role or password here, disables or deletes
 * themselves, and no change leaves no active admin.
 */
@Injectable()
export class UsersService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  private assertNotSelf(actor: Principal, id: string, what: string): void {
    if (actor.id === id) throw new DomainError('forbidden', 'own_account', `Nobody may ${what} their own account`);
  }

  /**
   * Refuses (409 `last_admin`) to demote, disable or delete the only active admin. The active
   * admins' rows are locked first, in id order, so two admins demoting, disabling or deleting each
   * other at once cannot both pass: the second waits for the first and then sees its change.
   */
  private async assertAdminRemains(tx: EntityManager, id: string, field?: string): Promise<void> {
    const admins = (await tx.query(`SELECT id = $1::uuid AS target FROM users WHERE role = 'admin' AND disabled_at IS NULL AND deleted_at IS NULL ORDER BY id FOR UPDATE`, [
      id,
    ])) as Array<{ target: boolean }>;
    if (admins.length === 1 && admins[0].target) {
      throw new DomainError('conflict', 'last_admin', 'This is the only active admin: make another user an admin first', field);
    }
  }

  /** Ordered by email, then id. */
  async list(query: UserQueryDto): Promise<Page<UserDto>> {
    const qb = this.dataSource.getRepository(UserEntity).createQueryBuilder('u').withDeleted();
    qb.where(query.deleted ? 'u.deleted_at IS NOT NULL' : 'u.deleted_at IS NULL');
    if (query.q) {
      const pattern = likeContains(query.q);
      qb.andWhere(new Brackets((b) => b.where('u.email ILIKE :pattern', { pattern }).orWhere('u.display_name ILIKE :pattern', { pattern })));
    }
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.disabled !== undefined) qb.andWhere(query.disabled ? 'u.disabled_at IS NOT NULL' : 'u.disabled_at IS NULL');
    const [rows, total] = await qb.orderBy('u.email').addOrderBy('u.id').take(query.limit).skip(query.offset).getManyAndCount();
    return toPage(rows, total, query, toUserDto);
  }

  async get(id: string): Promise<UserDto> {
    const user = await this.dataSource.getRepository(UserEntity).findOne({ where: { id }, withDeleted: true });
    if (!user) throw notFound('User');
    return toUserDto(user);
  }

  async create(actor: Principal, body: CreateUserDto): Promise<UserDto> {
    const passwordHash = await hashPassword(body.password);
    return transactionOrConflict(this.dataSource, EMAIL_TAKEN, async (tx) => {
      const repo = tx.getRepository(UserEntity);
      const user = await repo.save(
        repo.create({ email: body.email.trim().toLowerCase(), displayName: body.displayName.trim(), role: body.role ?? 'user', passwordHash }),
      );
      const dto = toUserDto(user);
      await this.audit.record(tx, actor, { action: 'user.created', entityType: 'user', entityId: user.id, after: { ...dto, password: REDACTED } });
      return dto;
    });
  }

  async update(actor: Principal, id: string, body: UpdateUserDto): Promise<UserDto> {
    if (body.role !== undefined && actor.id === id) {
      throw new DomainError('forbidden', 'own_role', 'Nobody may change their own role', 'role');
    }
    if (body.password !== undefined && actor.id === id) {
      throw new DomainError('forbidden', 'own_password', 'Change your own password with PATCH /api/auth/me, which asks for the current one', 'password');
    }
    if (body.disabled === true) this.assertNotSelf(actor, id, 'disable');
    const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
    return transactionOrConflict(this.dataSource, EMAIL_TAKEN, async (tx) => {
      if (body.role !== undefined && body.role !== 'admin') await this.assertAdminRemains(tx, id, 'role');
      else if (body.disabled === true) await this.assertAdminRemains(tx, id, 'disabled');
      const user = await lockRow(tx, UserEntity, id, 'User');
      const before = toUserDto(user);
      if (body.email !== undefined) user.email = body.email.trim().toLowerCase();
      if (body.displayName !== undefined) user.displayName = body.displayName.trim();
      if (body.role !== undefined) user.role = body.role;
      if (body.disabled !== undefined) user.disabledAt = body.disabled ? (user.disabledAt ?? new Date()) : null;
      if (passwordHash !== undefined) {
        user.passwordHash = passwordHash;
        // A reset ends the user's sessions (someone else may hold one).
        user.passwordChangedAt = new Date();
      }
      const saved = await tx.getRepository(UserEntity).save(user);
      const after = toUserDto(saved);
      await this.audit.record(tx, actor, {
        action: 'user.updated',
        entityType: 'user',
        entityId: id,
        before,
        after: passwordHash ? { ...after, password: REDACTED, passwordChanged: true } : after,
      });
      return after;
    });
  }

  async remove(actor: Principal, id: string): Promise<UserDto> {
    this.assertNotSelf(actor, id, 'delete');
    return this.dataSource.transaction(async (tx) => {
      await this.assertAdminRemains(tx, id);
      const user = await lockRow(tx, UserEntity, id, 'User');
      const before = toUserDto(user);
      user.deletedAt = new Date();
      // A restore (an account brought back later) must not bring back the credentials it had:
      // its API tokens are revoked, and its sessions end as a password change ends them.
      user.passwordChangedAt = user.deletedAt;
      const after = toUserDto(await tx.getRepository(UserEntity).save(user));
      const revoked = await changedRows(tx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [id]);
      await this.audit.record(tx, actor, { action: 'user.deleted', entityType: 'user', entityId: id, before, after: { ...after, apiTokensRevoked: revoked.length } });
      return after;
    });
  }

  async restore(actor: Principal, id: string): Promise<UserDto> {
    return transactionOrConflict(this.dataSource, EMAIL_TAKEN, async (tx) => {
      const user = await lockRow(tx, UserEntity, id, 'User', true);
      const before = toUserDto(user);
      user.deletedAt = null;
      const after = toUserDto(await tx.getRepository(UserEntity).save(user));
      await this.audit.record(tx, actor, { action: 'user.restored', entityType: 'user', entityId: id, before, after });
      return after;
    });
  }
}
