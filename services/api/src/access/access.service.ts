import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { isAdmin, type Principal } from '../auth/principal';
import { notFound } from '../common/domain-error';

/** What one caller may see: everything (admins), or what their groups and projects are granted. */
export type Scope =
  | { all: true }
  | {
      all: false;
      userId: string;
      /** Instruments granted to one of the user's groups or projects (projects also through groups). */
      instrumentIds: string[];
      /** The user's group and project names in lower case, as the access hook's are compared. */
      groupNames: string[];
      projectNames: string[];
    };

/** The scope of a caller who is not an admin. */
export type LimitedScope = Extract<Scope, { all: false }>;

/** A SQL condition plus its named parameters, for a TypeORM query builder. */
export interface Condition {
  sql: string;
  params: Record<string, unknown>;
}

/** The user's ($1) live groups, and live projects directly or through one of those groups. */
const MEMBERSHIPS_SQL = `
  WITH my_groups AS (
    SELECT g.id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id AND g.deleted_at IS NULL
    WHERE m.user_id = $1
  ), my_projects AS (
    SELECT DISTINCT p.id, p.name FROM project_members m JOIN projects p ON p.id = m.project_id AND p.deleted_at IS NULL
    WHERE m.user_id = $1 OR m.group_id IN (SELECT id FROM my_groups)
  )`;

const SCOPE_SQL = `${MEMBERSHIPS_SQL}
  SELECT
    (SELECT coalesce(array_agg(lower(name) ORDER BY name), '{}') FROM my_groups) AS group_names,
    (SELECT coalesce(array_agg(lower(name) ORDER BY name), '{}') FROM my_projects) AS project_names,
    (SELECT coalesce(array_agg(DISTINCT g.instrument_id), '{}') FROM instrument_grants g
      WHERE g.group_id IN (SELECT id FROM my_groups) OR g.project_id IN (SELECT id FROM my_projects)) AS instrument_ids`;

/** Whether the instrument ($2) is granted to the user ($1), as the scope would say now. */
const GRANTED_SQL = `${MEMBERSHIPS_SQL}
  SELECT EXISTS (SELECT 1 FROM instrument_grants g
    WHERE g.instrument_id = $2 AND (g.group_id IN (SELECT id FROM my_groups) OR g.project_id IN (SELECT id FROM my_projects))) AS granted`;

/**
 * The one place that decides who sees which instruments, runs, files and ARKs. Admins see all;
 * a user sees an instrument (and its runs and files) through a grant to one of their groups or
 * projects, directly or through a group, and a file also when the access hook named one of
 * their groups or projects. Everything else is "not found", never "forbidden".
 */
@Injectable()
export class AccessService {
  /** One scope per request: the principal object lives as long as its request. */
  private readonly scopes = new WeakMap<Principal, Promise<Scope>>();

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  scopeOf(principal: Principal): Promise<Scope> {
    let scope = this.scopes.get(principal);
    if (!scope) {
      scope = this.loadScope(principal);
      this.scopes.set(principal, scope);
    }
    return scope;
  }

  private async loadScope(principal: Principal): Promise<Scope> {
    if (isAdmin(principal)) return { all: true };
    const [row] = (await this.dataSource.query(SCOPE_SQL, [principal.id])) as Array<{
      group_names: string[];
      project_names: string[];
      instrument_ids: string[];
    }>;
    return { all: false, userId: principal.id, instrumentIds: row.instrument_ids, groupNames: row.group_names, projectNames: row.project_names };
  }

  /** Rows whose `column` (an instrument id) the scope covers. */
  instrumentCondition(scope: Scope, column: string): Condition {
    if (scope.all) return { sql: 'TRUE', params: {} };
    return { sql: `${column} = ANY(:scopeInstrumentIds)`, params: { scopeInstrumentIds: scope.instrumentIds } };
  }

  /** File versions (alias `alias`) the scope covers: by instrument, or by the access hook's names. */
  fileCondition(scope: Scope, alias: string): Condition {
    if (scope.all) return { sql: 'TRUE', params: {} };
    const byName = this.fileNameCondition(scope, alias);
    return {
      sql: `(${alias}.instrument_id = ANY(:scopeInstrumentIds) OR ${byName.sql})`,
      params: { scopeInstrumentIds: scope.instrumentIds, ...byName.params },
    };
  }

  /**
   * The access hook's half of fileCondition: file versions (alias `alias`) whose groups or projects
   * name one of the scope's, whatever their instrument. For queries that read the granted
   * instruments one by one (scope.instrumentIds) and these through the names' own indexes.
   */
  fileNameCondition(scope: LimitedScope, alias: string): Condition {
    return {
      sql:
        // In lower case on both sides (names are unique ignoring case), as the indexes are.
        `(lower((${alias}.access -> 'groups')::text)::jsonb ?| :scopeGroupNames::text[]` +
        ` OR lower((${alias}.access -> 'projects')::text)::jsonb ?| :scopeProjectNames::text[])`,
      params: { scopeGroupNames: scope.groupNames, scopeProjectNames: scope.projectNames },
    };
  }

  canSeeInstrument(scope: Scope, instrumentId: string): boolean {
    return scope.all || scope.instrumentIds.includes(instrumentId);
  }

  /**
   * Whether the scope covers a file version: decided in SQL by fileCondition, as lists decide it,
   * so a file's page and its list agree on names whatever the database's locale does to case.
   */
  async canSeeFile(scope: Scope, file: { id: string; instrumentId: string }): Promise<boolean> {
    if (scope.all || scope.instrumentIds.includes(file.instrumentId)) return true;
    const condition = this.fileCondition(scope, 'f');
    const row: unknown = await this.dataSource
      .createQueryBuilder()
      .select('1')
      .from('file_versions', 'f')
      .where('f.id = :fileVersionId', { fileVersionId: file.id })
      .andWhere(condition.sql, condition.params)
      .getRawOne();
    return row !== undefined;
  }

  /**
   * Throws the usual 404 unless the caller may still see the instrument, asked afresh in `tx`
   * (the scope was read when the request began). A caller who is not an admin has the
   * instrument's row FOR SHARE first: a revoke, which holds it FOR UPDATE, either commits before
   * this looks (and the grant is gone), or waits until `tx` has done what it checked this for.
   */
  async assertStillGranted(tx: EntityManager, principal: Principal, instrumentId: string, what: string, field?: string): Promise<void> {
    if (isAdmin(principal)) return;
    await tx.query(`SELECT 1 FROM instruments WHERE id = $1 FOR SHARE`, [instrumentId]);
    const [{ granted }] = (await tx.query(GRANTED_SQL, [principal.id, instrumentId])) as Array<{ granted: boolean }>;
    if (!granted) throw notFound(what, field);
  }

  /** Throws the usual 404 unless the caller may see the instrument. */
  async assertInstrumentVisible(principal: Principal, instrumentId: string, what = 'Instrument', field?: string): Promise<void> {
    if (!this.canSeeInstrument(await this.scopeOf(principal), instrumentId)) throw notFound(what, field);
  }
}
