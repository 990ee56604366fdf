import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { DomainError, HarvestRunningError } from '../common/domain-error';

/** Which names: a group's or a project's (the keys of `file_versions.access` and of an access hook's config, and their tables). */
export type GrantKind = 'groups' | 'projects';

/** What a message calls one of a kind. */
const NOUN = { groups: 'group', projects: 'project' } as const satisfies Record<GrantKind, string>;

/** What to do with access granted by a group's or project's old name when it is renamed. */
export const GRANTS_BY_NAME_CHOICES = ['rename', 'keep'] as const;
export type GrantsByNameChoice = (typeof GRANTS_BY_NAME_CHOICES)[number];

/**
 * Whether a file version's access names `$1`, ignoring case: written as the GIN indexes
 * `file_versions_access_groups` and `_projects` are, so they serve it. Only in a list: `?` also
 * matches a bare string, whose elements could not be read.
 */
const filesNaming = (kind: GrantKind, alias: string) =>
  `lower((${alias}.access -> '${kind}')::text)::jsonb ? lower($1) AND jsonb_typeof(${alias}.access -> '${kind}') = 'array'`;

/** Access hooks (live, enabled or not) whose config names `$1` among its literal `kind`, ignoring case. */
const hooksNaming = (kind: GrantKind) =>
  `SELECT h.id, h.name, h.instrument_id FROM hooks h
    WHERE h.kind = 'access' AND h.deleted_at IS NULL
      AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(h.config -> '${kind}') WHEN 'array' THEN h.config -> '${kind}' ELSE '[]' END) n WHERE lower(n) = lower($1))
    ORDER BY h.name, h.id`;

interface NameGrants {
  files: number;
  hooks: Array<{ id: string; name: string; instrument_id: string | null }>;
}

/** Whether no file version and no access hook grants anything by the name. */
const grantsNothing = (grants: NameGrants) => !grants.files && !grants.hooks.length;

async function readNameGrants(tx: EntityManager, kind: GrantKind, name: string): Promise<NameGrants> {
  const [{ files }] = (await tx.query(`SELECT count(*)::int AS files FROM file_versions f WHERE ${filesNaming(kind, 'f')}`, [name])) as Array<{ files: number }>;
  const hooks = (await tx.query(hooksNaming(kind), [name])) as NameGrants['hooks'];
  return { files, hooks };
}

/**
 * A harvest that may write the old name on files after the rename: one of an instrument with
 * files naming it (a batch writes back the access it read when it began) or one an access hook
 * naming it applies to (its batches read hooks when they begin). Those instruments are locked
 * first, FOR UPDATE: a run's row, whose foreign key takes FOR KEY SHARE on its instrument, is
 * inserted only once the rename has committed (and then reads the new names), and one inserted
 * before the lock is seen here.
 */
async function runWritingName(tx: EntityManager, kind: GrantKind, name: string, hooks: NameGrants['hooks']): Promise<string | undefined> {
  const hookInstruments = hooks.map((h) => h.instrument_id);
  const locked = (await tx.query(
    `SELECT i.id FROM instruments i
      WHERE $2::boolean OR i.id = ANY($3::uuid[]) OR i.id IN (SELECT f.instrument_id FROM file_versions f WHERE ${filesNaming(kind, 'f')})
      ORDER BY i.id FOR UPDATE`,
    [name, hookInstruments.includes(null), hookInstruments.filter((id) => id !== null)],
  )) as Array<{ id: string }>;
  const [active] = (await tx.query(`SELECT r.id FROM harvest_runs r WHERE r.status IN ('pending', 'running') AND r.instrument_id = ANY($1::uuid[]) ORDER BY r.created_at DESC LIMIT 1`, [
    locked.map((i) => i.id),
  ])) as Array<{ id: string }>;
  return active?.id;
}

/**
 * Renames `from` to `to` in every file version's access and every access hook's literal names (in
 * order, without doubles), each hook's change audited as its own. Returns the file versions changed.
 */
async function renameGrants(
  tx: EntityManager,
  what: { kind: GrantKind; from: string; to: string; hooks: NameGrants['hooks'] },
  audit: { service: AuditService; actor: Principal },
): Promise<number> {
  const { kind, from, to, hooks } = what;
  // The names in their order, `from` (any case) replaced by `to`, a name met twice (ignoring case) kept once.
  const renamed = (list: string) =>
    `(SELECT coalesce(jsonb_agg(n ORDER BY o), '[]') FROM (
        SELECT DISTINCT ON (lower(n)) n, o
          FROM (SELECT CASE WHEN lower(e) = lower($1) THEN $2 ELSE e END AS n, o FROM jsonb_array_elements_text(${list}) WITH ORDINALITY AS x(e, o)) named
         ORDER BY lower(n), o) kept)`;
  const updated = (await tx.query(
    `UPDATE file_versions f SET access = jsonb_set(f.access, '{${kind}}', ${renamed(`f.access -> '${kind}'`)}), updated_at = now()
      WHERE ${filesNaming(kind, 'f')}`,
    [from, to],
  )) as [unknown, number];
  for (const hook of hooks) {
    const [[changed]] = (await tx.query(
      `UPDATE hooks h SET config = jsonb_set(h.config, '{${kind}}', ${renamed(`h.config -> '${kind}'`)}), updated_at = now()
        FROM hooks old WHERE h.id = $3 AND old.id = h.id RETURNING old.config AS before, h.config AS after`,
      [from, to, hook.id],
    )) as [Array<{ before: object; after: object }>, number];
    await audit.service.record(tx, audit.actor, { action: 'hook.updated', entityType: 'hook', entityId: hook.id, before: { config: changed.before }, after: { config: changed.after } });
  }
  return updated[1];
}

/**
 * A deleted group (or project) leaves the access granted by its name on files and hooks; a new
 * one of that name, or one renamed to it, would take that access over. Refused (409
 * name_of_deleted on `name`): restore the deleted one instead, or choose another name.
 */
export async function refuseNameOfDeleted(tx: EntityManager, what: { kind: GrantKind; name: string }): Promise<void> {
  const { kind, name } = what;
  const noun = NOUN[kind];
  const [deleted] = (await tx.query(`SELECT id FROM ${kind} WHERE deleted_at IS NOT NULL AND lower(name) = lower($1) ORDER BY deleted_at DESC LIMIT 1`, [name])) as Array<{
    id: string;
  }>;
  if (!deleted) return;
  const grants = await readNameGrants(tx, kind, name);
  if (grantsNothing(grants)) return;
  throw new DomainError(
    'conflict',
    'name_of_deleted',
    `A deleted ${noun} (${deleted.id}) was named ${JSON.stringify(name)}, and ${granting(grants)} access by that name: restore that ${noun} instead (its members can be changed), or choose another name.`,
    'name',
  );
}

/** `2 file versions and the access hook "X" grant`, for a message. */
function granting(grants: NameGrants): string {
  const hookNames = grants.hooks.map((h) => JSON.stringify(h.name));
  const what = [
    ...(grants.files ? [`${grants.files} file version${grants.files === 1 ? '' : 's'}`] : []),
    ...(hookNames.length ? [`the access hook${hookNames.length === 1 ? '' : 's'} ${hookNames.join(', ')}`] : []),
  ].join(' and ');
  return `${what} ${grants.files + hookNames.length === 1 ? 'grants' : 'grant'}`;
}

/**
 * Access hooks and the files they (or external hooks) granted name groups and projects by name,
 * so a rename would take that access from the members silently, and give it to whichever group
 * or project takes the old name next. A rename (other than of case: names compare ignoring case)
 * of a name something grants access by is refused unless `choice` says what to do: `rename` the
 * name there too (refused while a harvest could write the old name again), or `keep` the old
 * one. A rename to a deleted one's name is refused as a new one of that name is
 * (refuseNameOfDeleted). Returns what the group's or project's audit event should say of it;
 * each hook changed gets its own.
 */
export async function renameWithGrants(
  tx: EntityManager,
  what: { kind: GrantKind; from: string; to: string; choice: GrantsByNameChoice | undefined },
  audit: { service: AuditService; actor: Principal },
): Promise<Record<string, unknown>> {
  const { kind, from, to, choice } = what;
  const noun = NOUN[kind];
  if (from.toLowerCase() === to.toLowerCase()) return {};
  // Not cut by the API's statement_timeout from here on (this transaction only, the caller's;
  // idle_in_transaction_session_timeout still bounds it between statements): the names are
  // looked for in every file version, counted (refuseNameOfDeleted, readNameGrants) and then
  // renamed, a million of them as likely as a few, after waiting for their instruments' rows.
  await tx.query(`SET LOCAL statement_timeout = 0`);
  await refuseNameOfDeleted(tx, { kind, name: to });
  const grants = await readNameGrants(tx, kind, from);
  if (grantsNothing(grants)) return {};
  if (choice === undefined) {
    throw new DomainError(
      'conflict',
      'granted_by_name',
      `${granting(grants)} access to this ${noun} by its name, ${JSON.stringify(from)}. Renamed, its members would lose that access, and a ${noun} named ${JSON.stringify(from)} later would gain it. ` +
        `Say what becomes of those grants (grantsByName): "rename" renames them too, "keep" leaves the old name there. ` +
        `Names that hooks take from metadata, webhooks or commands are not renamed.`,
      'grantsByName',
    );
  }
  const summary = { files: grants.files, hooks: grants.hooks.map((h) => h.name) };
  if (choice === 'keep') return { grantsKept: summary };
  const active = await runWritingName(tx, kind, from, grants.hooks);
  if (active) {
    throw new HarvestRunningError(`A harvest is running (run ${active}) that may write the name ${JSON.stringify(from)} on files after the rename: rename the grants once it has ended`, active);
  }
  return { grantsRenamed: { ...summary, files: await renameGrants(tx, { kind, from, to, hooks: grants.hooks }, audit) } };
}
