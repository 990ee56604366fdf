import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, In, type EntityManager } from 'typeorm';
import { API_TOKEN_PREFIX, type Page, type TokenScope } from '@sheaf/contracts';
import { ApiTokenEntity, changedRows } from '@sheaf/db';
import { AuditService } from '../audit/audit.service';
import { DomainError, notFound } from '../common/domain-error';
import { toPage, type PageQueryDto } from '../common/pagination';
import type { ApiTokenDto, CreateApiTokenDto, CreatedApiTokenDto } from './auth.dto';
import type { Principal } from './principal';

/** 256 random bits: a plain SHA-256 is enough at rest (nothing to brute-force). */
const TOKEN_BYTES = 32;
const SHOWN_PREFIX = API_TOKEN_PREFIX.length + 6;
/** `last_used_at` is written at most this often per token. */
const LAST_USED_RESOLUTION = '1 minute';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toDto(row: ApiTokenEntity): ApiTokenDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.tokenPrefix,
    scope: row.scope,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

interface TokenOwnerRow {
  token_id: string;
  scope: TokenScope;
  user_id: string;
  email: string;
  display_name: string;
  role: Principal['role'];
}

/** API tokens for integrators: created by a user, acting as that user, limited by scope. */
@Injectable()
export class ApiTokensService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  private get tokens() {
    return this.dataSource.getRepository(ApiTokenEntity);
  }

  async create(principal: Principal, body: CreateApiTokenDto): Promise<CreatedApiTokenDto> {
    const token = `${API_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
    const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
    return this.dataSource.transaction(async (tx) => {
      // The user's row, FOR SHARE: a disable or delete (FOR UPDATE, then revokeAll) either waits
      // for this token and revokes it, or commits first and the token is refused here; a token
      // inserted after its revokeAll would come back when the user is enabled or restored.
      const [owner] = (await tx.query(`SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL AND deleted_at IS NULL FOR SHARE`, [principal.id])) as unknown[];
      if (!owner) throw new DomainError('unauthorized', 'unauthorized', 'The account is disabled or deleted');
      const repo = tx.getRepository(ApiTokenEntity);
      const saved = await repo.save(
        repo.create({ userId: principal.id, name: body.name, scope: body.scope, tokenHash: hashToken(token), tokenPrefix: token.slice(0, SHOWN_PREFIX), expiresAt }),
      );
      const dto = toDto(saved);
      await this.audit.record(tx, principal, { action: 'api_token.created', entityType: 'api_token', entityId: saved.id, after: { ...dto, userId: principal.id } });
      return { ...dto, token };
    });
  }

  /** A user's tokens (the caller's own, or any user's for an admin), newest first. */
  async list(userId: string, query: PageQueryDto): Promise<Page<ApiTokenDto>> {
    const [rows, total] = await this.tokens.findAndCount({
      where: { userId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    return toPage(rows, total, query, toDto);
  }

  /**
   * Revokes one of a user's tokens (the caller's own, or any user's for an admin), recorded with
   * the caller as actor; revoking twice is harmless.
   */
  async revoke(actor: Principal, userId: string, id: string): Promise<ApiTokenDto> {
    return this.dataSource.transaction(async (tx) => {
      const repo = tx.getRepository(ApiTokenEntity);
      const row = await repo.findOne({ where: { id, userId }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw notFound('API token');
      if (row.revokedAt) return toDto(row);
      const before = toDto(row);
      row.revokedAt = new Date();
      await repo.save(row);
      const after = toDto(row);
      await this.audit.record(tx, actor, { action: 'api_token.revoked', entityType: 'api_token', entityId: id, before: { ...before, userId }, after: { ...after, userId } });
      return after;
    });
  }

  /**
   * Revokes every live token of a user in the caller's transaction, each audited as
   * `api_token.revoked` (found by its token id) with `revokedWith`, the action of the user's
   * event that did it; the ids revoked, for that event.
   */
  async revokeAll(tx: EntityManager, actor: Principal, userId: string, revokedWith: 'user.updated' | 'user.deleted'): Promise<string[]> {
    const ids = (await changedRows<{ id: string }>(tx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [userId])).map((r) => r.id);
    const rows = ids.length ? await tx.getRepository(ApiTokenEntity).find({ where: { id: In(ids) }, order: { createdAt: 'ASC', id: 'ASC' } }) : [];
    for (const row of rows) {
      const after = toDto(row);
      await this.audit.record(tx, actor, { action: 'api_token.revoked', entityType: 'api_token', entityId: row.id, before: { ...after, revokedAt: null, userId }, after: { ...after, userId, revokedWith } });
    }
    return rows.map((r) => r.id);
  }

  /** The live user behind a token, or undefined (unknown, revoked, expired, or the user is disabled or deleted). */
  async authenticate(token: string): Promise<Principal | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT t.id AS token_id, t.scope, u.id AS user_id, u.email, u.display_name, u.role
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
          AND u.deleted_at IS NULL AND u.disabled_at IS NULL`,
      [hashToken(token)],
    )) as TokenOwnerRow[];
    const row = rows[0];
    if (!row) return undefined;
    await this.dataSource.query(
      `UPDATE api_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')`,
      [row.token_id],
    );
    return {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      role: row.role,
      token: { id: row.token_id, scope: row.scope },
    };
  }
}
