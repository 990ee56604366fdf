import { Inject, Injectable } from '@nestjs/common';
import { Brackets, DataSource, type EntityManager } from 'typeorm';
import type { Page } from '@sheaf/contracts';
import { hashPassword } from '@sheaf/crypto';
import { UserEntity } from '@sheaf/db';
import { AuditService, REDACTED } from '../audit/audit.service';
import { ApiTokensService } from '../auth/api-tokens.service';
import type { ApiTokenDto } from '../auth/auth.dto';
import type { Principal } from '../auth/principal';
import { transactionOrConflict, type UniqueConflict } from '../common/db-errors';
import { DomainError, notFound } from '../common/domain-error';
import { toPage, type PageQueryDto } from '../common/pagination';
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

/** What a user's event says of the API tokens it revoked (each has its own `api_token.revoked` event too). */
function tokensRevoked(ids: string[]): { apiTokensRevoked: number; apiTokenIds: string[] } {
  return { apiTokensRevoked: ids.length, apiTokenIds: ids };
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
    private readonly tokens: ApiTokensService,
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
      if (body.disabled === false) user.disabledAt = null;
      let revoked: string[] | undefined;
      if (body.disabled === true) {
        // For good: an account is disabled after a compromise too, and enabling it again must not
        // bring back what someone else may hold. Its sessions end as a password change ends
        // them, and its API tokens are revoked. Again on every request, an already disabled
        // account too (one disabled before disabling did this still has them).
        const now = new Date();
        user.disabledAt ??= now;
        user.passwordChangedAt = now;
        revoked = await this.tokens.revokeAll(tx, actor, id, 'user.updated');
      }
      if (passwordHash !== undefined) {
        user.passwordHash = passwordHash;
        // A reset ends the user's sessions (someone else may hold one). Their API tokens stay, as
        // on a change of one's own password: an admin revokes them one by one
        // (DELETE /api/users/:id/tokens/:tokenId), or all at once by disabling the user.
        user.passwordChangedAt = new Date();
      }
      const saved = await tx.getRepository(UserEntity).save(user);
      const after = toUserDto(saved);
      await this.audit.record(tx, actor, {
        action: 'user.updated',
        entityType: 'user',
        entityId: id,
        before,
        after: { ...after, ...(passwordHash !== undefined && { password: REDACTED, passwordChanged: true }), ...(revoked !== undefined && tokensRevoked(revoked)) },
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
      const revoked = await this.tokens.revokeAll(tx, actor, id, 'user.deleted');
      await this.audit.record(tx, actor, { action: 'user.deleted', entityType: 'user', entityId: id, before, after: { ...after, ...tokensRevoked(revoked) } });
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

  /** A user's API tokens (deleted users' too), newest first. */
  async listTokens(id: string, query: PageQueryDto): Promise<Page<ApiTokenDto>> {
    await this.get(id);
    return this.tokens.list(id, query);
  }

  /** Revokes one of a user's API tokens, recorded with the admin as actor. */
  async revokeToken(actor: Principal, id: string, tokenId: string): Promise<ApiTokenDto> {
    await this.get(id);
    return this.tokens.revoke(actor, id, tokenId);
  }
}
