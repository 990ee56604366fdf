import { Inject, Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditEventEntity } from '@sheaf/db';
import type { Page } from '@sheaf/contracts';
import type { Principal } from '../auth/principal';
import { toPage } from '../common/pagination';
import { AuditEventDto, type AuditQueryDto } from './audit.dto';

/**
 * Keys whose values never reach the audit log, whatever a caller passes in. `remote` is an rclone
 * connection string, which can carry keys (`:s3,secret_access_key=...:bucket`).
 */
const SECRET_KEYS = new Set(['password', 'passwordHash', 'passwordSealed', 'secret', 'secretSealed', 'headersSealed', 'sourceRemoteSealed', 'secretAccessKey', 'token', 'tokenHash', 'remote']);
/** Keys whose value maps names to secrets (a webhook's headers, `Authorization: Bearer ...`): names stay, values go. */
const SECRET_MAPS = new Set(['headers']);
export const REDACTED = '***';

/**
 * A webhook's URL with only its origin: paths and query strings carry tokens (a Slack hook's
 * path is its secret), as the worker's messages assume too.
 */
export function redactedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return REDACTED;
  }
  return url.pathname === '/' && !url.search ? url.origin : `${url.origin}/${REDACTED}`;
}

/**
 * A copy with every secret value shown as `***` (booleans such as `hasSecret` are not secrets).
 * The log is kept for good: a credential it held would outlive its rotation.
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, v]) => {
        if (v === null || v === undefined || typeof v === 'boolean') return [key, v];
        if (SECRET_KEYS.has(key)) return [key, REDACTED];
        if (key === 'url' && typeof v === 'string') return [key, redactedUrl(v)];
        if (SECRET_MAPS.has(key) && typeof v === 'object' && !Array.isArray(v)) return [key, Object.fromEntries(Object.keys(v).map((name) => [name, REDACTED]))];
        return [key, redact(v)];
      }),
    );
  }
  return value;
}

export interface AuditEntry {
  /** `<entity type>.<verb>`, e.g. `instrument.updated`, `group.member_added`. */
  action: string;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** An entry's side as stored (JSON: a Date as its text, no undefined keys), without `updatedAt`. */
function comparable(side: unknown): unknown {
  const json: unknown = JSON.parse(JSON.stringify(side) ?? 'null');
  if (!json || typeof json !== 'object' || Array.isArray(json)) return json;
  const what: Record<string, unknown> = { ...json };
  delete what['updatedAt'];
  return what;
}

/**
 * Whether an entry with both sides says nothing changed (an empty or no-op PATCH). Compared before
 * redaction, so a secret replaced still differs; `updatedAt` says when, not what.
 */
function changesNothing(entry: AuditEntry): boolean {
  return entry.before !== undefined && entry.after !== undefined && isDeepStrictEqual(comparable(entry.before), comparable(entry.after));
}

/**
 * Redacted again on the way out: events written before a key was redacted on write (rclone
 * connection strings and webhook header values before 627a0d8, full webhook URLs before 3562181)
 * hold it as it was, and the log is kept for good. redact leaves its own output as it is.
 */
function toDto(row: AuditEventEntity): AuditEventDto {
  return {
    id: row.id,
    at: row.at,
    actorUserId: row.actorUserId,
    actor: row.actor,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    before: row.before == null ? null : redact(row.before),
    after: row.after == null ? null : redact(row.after),
  };
}

/** Every change to configuration or access, with who, when, before and after. */
@Injectable()
export class AuditService {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Written in the caller's transaction: the change and its audit event commit together. An entry
   * whose before and after are the same (changesNothing) is not written: nothing changed.
   */
  async record(manager: EntityManager, actor: Principal | 'system', entry: AuditEntry): Promise<void> {
    if (changesNothing(entry)) return;
    // jsonb parameters go through JSON.stringify: a Date becomes its ISO text, as redact makes it.
    await manager.query(
      `INSERT INTO audit_events (actor_user_id, actor, action, entity_type, entity_id, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        actor === 'system' ? null : actor.id,
        // After a token leaks, which changes it made (and not the user's own sessions) must be told apart.
        actor === 'system' ? 'system:api' : actor.token ? `${actor.email} (API token ${actor.token.id})` : actor.email,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.before === undefined ? null : JSON.stringify(redact(entry.before)),
        entry.after === undefined ? null : JSON.stringify(redact(entry.after)),
      ],
    );
  }

  /** Newest first (time, then id). */
  async list(query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    const qb = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('a');
    if (query.entityType) qb.andWhere('a.entity_type = :entityType', { entityType: query.entityType });
    if (query.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: query.entityId });
    if (query.actorUserId) qb.andWhere('a.actor_user_id = :actorUserId', { actorUserId: query.actorUserId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.from) qb.andWhere('a.at >= :from', { from: query.from });
    if (query.to) qb.andWhere('a.at < :to', { to: query.to });
    const [rows, total] = await qb.orderBy('a.at', 'DESC').addOrderBy('a.id', 'DESC').take(query.limit).skip(query.offset).getManyAndCount();
    return toPage(rows, total, query, toDto);
  }
}
