import type { AuditEventDto } from '@/lib/api-types';

/** The audit log: what can be filtered on, how events are named, and before/after diffs. */

export interface AuditEntityType {
  type: string;
  label: string;
  /** The actions the API records for it (`<entity>.<verb>`). */
  actions: readonly string[];
  /** The portal page of one entity, where there is one. */
  href?: (id: string) => string;
}

export const AUDIT_ENTITY_TYPES: readonly AuditEntityType[] = [
  { type: 'instrument', label: 'Instrument', actions: ['instrument.created', 'instrument.updated', 'instrument.deleted', 'instrument.restored', 'instrument.granted', 'instrument.grant_revoked'], href: (id) => `/instruments/${id}` },
  { type: 'harvest_run', label: 'Harvest run', actions: ['harvest.started', 'harvest.cancel_requested'], href: (id) => `/runs/${id}` },
  { type: 'schedule', label: 'Schedule', actions: ['schedule.created', 'schedule.updated', 'schedule.deleted', 'schedule.restored', 'schedule.triggered', 'schedule.backfilled'], href: (id) => `/schedules/${id}` },
  { type: 'hook', label: 'Hook', actions: ['hook.created', 'hook.updated', 'hook.deleted', 'hook.restored'], href: (id) => `/hooks/${id}` },
  { type: 'storage_location', label: 'Storage location', actions: ['storage_location.created', 'storage_location.updated', 'storage_location.deleted', 'storage_location.restored'], href: (id) => `/storage/${id}` },
  { type: 'service_account', label: 'Service account', actions: ['service_account.created', 'service_account.updated', 'service_account.deleted', 'service_account.restored'], href: (id) => `/service-accounts/${id}` },
  { type: 'user', label: 'User', actions: ['user.created', 'user.updated', 'user.deleted', 'user.restored', 'user.self_updated'], href: (id) => `/users/${id}` },
  { type: 'group', label: 'Group', actions: ['group.created', 'group.updated', 'group.deleted', 'group.restored', 'group.member_added', 'group.member_removed'], href: (id) => `/groups/${id}` },
  { type: 'project', label: 'Project', actions: ['project.created', 'project.updated', 'project.deleted', 'project.restored', 'project.member_added', 'project.member_removed'], href: (id) => `/projects/${id}` },
  { type: 'api_token', label: 'API token', actions: ['api_token.created', 'api_token.revoked'] },
];

const BY_TYPE = new Map(AUDIT_ENTITY_TYPES.map((t) => [t.type, t]));

export function entityTypeLabel(type: string): string {
  return BY_TYPE.get(type)?.label ?? type;
}

export function entityHref(type: string, id: string): string | undefined {
  return BY_TYPE.get(type)?.href?.(id);
}

/** The API's own filter patterns: anything else is left out of the query instead of refused. */
export const ENTITY_TYPE_PATTERN = /^[a-z_]{1,64}$/;
export const ACTION_PATTERN = /^[a-z_]+\.[a-z_]+$/;

/** `group.member_added` → "member added". */
export function actionVerb(action: string): string {
  const dot = action.indexOf('.');
  return (dot < 0 ? action : action.slice(dot + 1)).replace(/_/g, ' ');
}

/**
 * Verbs that record a relation (a member, a grant) rather than the entity's own state: their
 * before/after describe the other side, so they never name the entity.
 */
const RELATION_VERBS = new Set(['member_added', 'member_removed', 'granted', 'grant_revoked']);

function verbOf(action: string): string {
  return action.slice(action.indexOf('.') + 1);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A readable name for the changed entity, from its before/after state when they carry one. */
export function entityName(event: Pick<AuditEventDto, 'action' | 'before' | 'after'>): string | undefined {
  if (RELATION_VERBS.has(verbOf(event.action))) return undefined;
  for (const state of [event.after, event.before]) {
    if (!state) continue;
    for (const key of ['name', 'displayName', 'email', 'instrumentName']) {
      const value = text(state[key]);
      if (value) return value;
    }
  }
  return undefined;
}

/** The other side of a relation event: "user marie@example.org", "group microscopy". */
export function relationSummary(event: Pick<AuditEventDto, 'action' | 'before' | 'after'>): string | undefined {
  if (!RELATION_VERBS.has(verbOf(event.action))) return undefined;
  const state = event.after ?? event.before;
  if (!state) return undefined;
  const kind = text(state.kind) ?? (state.userId !== undefined ? 'user' : undefined);
  const id = text(state.id) ?? text(state.userId);
  const who = text(state.name) ?? text(state.email) ?? (id === undefined ? undefined : shortId(id));
  if (!who) return undefined;
  return kind ? `${kind} ${who}` : who;
}

/** Ids are long: the first block identifies them on screen (the full id is in the link's title). */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

export type Change = 'added' | 'removed' | 'changed' | 'unchanged';

export interface DiffRow {
  /** Dotted path for nested objects: `config.host`. */
  field: string;
  change: Change;
  /** Absent (undefined) when the field did not exist on that side. */
  before?: unknown;
  after?: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Nested objects become dotted fields; arrays and scalars stay whole values. */
function flatten(state: Record<string, unknown> | null, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  if (!state) return into;
  for (const [key, value] of Object.entries(state)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && Object.keys(value).length > 0) flatten(value, path, into);
    else into.set(path, value);
  }
  return into;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Field-by-field before/after of one event, in the order fields first appear (before, then
 * fields only after has). A created entity has only "added" fields, a removed member "removed".
 */
export function auditDiff(before: Record<string, unknown> | null, after: Record<string, unknown> | null): DiffRow[] {
  const b = flatten(before);
  const a = flatten(after);
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  return fields.map((field): DiffRow => {
    const inBefore = b.has(field);
    const inAfter = a.has(field);
    if (!inBefore) return { field, change: 'added', after: a.get(field) };
    if (!inAfter) return { field, change: 'removed', before: b.get(field) };
    const change = sameValue(b.get(field), a.get(field)) ? 'unchanged' : 'changed';
    return { field, change, before: b.get(field), after: a.get(field) };
  });
}

/** Fields an update changed; `updatedAt` goes without saying. */
export function changedFields(rows: readonly DiffRow[]): string[] {
  return rows.filter((r) => r.change === 'changed' && r.field !== 'updatedAt').map((r) => r.field);
}

/** How the API marks a secret in before/after. */
export const SECRET = '***';

/** A value as text for the diff table; `undefined` means the side does not have the field. */
export function formatAuditValue(value: unknown): string {
  if (value === undefined) return '—';
  if (value === null) return 'none';
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The audit page's filters, as search parameters (all strings; empty means "any"). */
export interface AuditFilters {
  entityType: string;
  entityId: string;
  action: string;
  actorUserId: string;
  from: string;
  to: string;
}

export const NO_AUDIT_FILTERS: AuditFilters = { entityType: '', entityId: '', action: '', actorUserId: '', from: '', to: '' };

/** The audit page with these filters changed (the page offset starts over). */
export function auditHref(filters: AuditFilters, patch: Partial<AuditFilters>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filters, ...patch })) if (value) search.set(key, value);
  const query = search.toString();
  return query ? `/audit?${query}` : '/audit';
}
