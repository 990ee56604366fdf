import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { isValidArk, parseArk } from '@sheaf/ark';
import type { Page } from '@sheaf/contracts';
import { FileVersionEntity, TransferEntity } from '@sheaf/db';
import { AccessService, type Condition, type LimitedScope, type Scope } from '../access/access.service';
import type { Principal } from '../auth/principal';
import { invalid, notFound } from '../common/domain-error';
import { toPage } from '../common/pagination';
import { likeContains } from '../common/query';
import type { DeliveryDto, FileDetailDto, FileDto, FileQueryDto, FileSort, FileVersionSummaryDto, TransferDto, TransferQueryDto } from './files.dto';

const TRANSFERS_SHOWN = 100;
const VERSIONS_SHOWN = 100;

/** The column and direction of each file search order; each has an index. */
const FILE_ORDER: Record<FileSort, [string, 'ASC' | 'DESC']> = {
  newest: ['f.created_at', 'DESC'],
  oldest: ['f.created_at', 'ASC'],
  'acquired-newest': ['f.mtime', 'DESC'],
  'acquired-oldest': ['f.mtime', 'ASC'],
  // file_versions_verified holds the verified versions alone: these orders list only those.
  'verified-newest': ['f.verified_at', 'DESC'],
  'verified-oldest': ['f.verified_at', 'ASC'],
  path: ['f.path', 'ASC'],
};

/**
 * The orders an index also keeps within each instrument, so that a caller's granted instruments
 * can be read one by one: file_versions_instrument_recent (instrument_id, created_at DESC, id DESC)
 * and file_versions_instrument_mtime (instrument_id, mtime DESC, id DESC), forwards or backwards,
 * and the unique (instrument_id, path, version), in path order (id then only orders the few
 * versions of one path).
 */
const PER_INSTRUMENT_ORDER: Partial<Record<FileSort, string>> = {
  newest: 'created_at',
  oldest: 'created_at',
  'acquired-newest': 'mtime',
  'acquired-oldest': 'mtime',
  path: 'path',
};

/**
 * The most index entries a user's page may walk instrument by instrument (instruments × (offset
 * + limit)); past it the one query, which walks the order across instruments, is the cheaper.
 */
const PER_INSTRUMENT_READS = 100_000;

/**
 * Filters that the one query answers through an index over all instruments (the trigram index
 * on the path, file_versions_mtime, the ARK's key, file_versions_sha256, the metadata index for
 * a key and its value): a user's search with one of them keeps the one query.
 */
const GLOBAL_FILTERS = ['path', 'pathPrefix', 'name', 'sha256', 'from', 'to', 'verifiedFrom', 'verifiedTo', 'ark', 'metaValue'] as const;

/**
 * How far a user's transfer page walks the newest attempts before it reads from the file versions
 * instead: `margin` times as far as the page's matches should be if spread evenly, at least `min`
 * attempts, and not at all when they should be further than `max`, nor when the visible versions
 * are fewer than one per `perVersion` attempts of that walk.
 */
const TRANSFER_WALK = { margin: 3, min: 2_000, max: 50_000, perVersion: 4 };

/** A file version as the list reads it (the grant spec's plain query reads the same columns). */
export interface FileRow {
  id: string;
  instrument_id: string;
  instrument_name: string;
  path: string;
  size: string;
  mtime: Date;
  version: number;
  status: FileDto['status'];
  sha256: string | null;
  ark: string | null;
  metadata: Record<string, string>;
  verified_at: Date | null;
  created_at: Date;
}

/** A file version as its page reads it: the list's columns and why it waits, how often it was tried, who may see it. */
interface FileDetailRow extends FileRow {
  reason: string | null;
  attempts: number;
  access: { groups: string[]; projects: string[] };
}

/** A transfer as the list reads it (the grant spec's plain query reads the same columns). */
export interface TransferRow {
  id: string;
  run_id: string;
  file_version_id: string;
  path: string;
  instrument_id: string;
  storage_location_id: string;
  storage_location_name: string;
  attempt: number;
  bytes: string;
  duration_ms: number;
  source_sha256: string | null;
  destination_sha256: string | null;
  status: TransferDto['status'];
  error: string | null;
  created_at: Date;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function toFileDto(row: FileRow): FileDto {
  return {
    id: row.id,
    instrumentId: row.instrument_id,
    instrumentName: row.instrument_name,
    path: row.path,
    name: baseName(row.path),
    size: Number(row.size),
    mtime: row.mtime,
    version: row.version,
    status: row.status,
    sha256: row.sha256,
    ark: row.ark,
    metadata: row.metadata,
    verifiedAt: row.verified_at,
    createdAt: row.created_at,
  };
}

function toTransferDto(row: TransferRow): TransferDto {
  return {
    id: row.id,
    runId: row.run_id,
    fileVersionId: row.file_version_id,
    path: row.path,
    instrumentId: row.instrument_id,
    storageLocationId: row.storage_location_id,
    storageLocationName: row.storage_location_name,
    attempt: row.attempt,
    bytes: Number(row.bytes),
    durationMs: row.duration_ms,
    sourceSha256: row.source_sha256,
    destinationSha256: row.destination_sha256,
    status: row.status,
    error: row.error,
    createdAt: row.created_at,
  };
}

/** count(*) of a query whose joins are one-to-one (TypeORM's getCount adds a costly DISTINCT). */
async function countRows(qb: SelectQueryBuilder<object>): Promise<number> {
  const row = (await qb.clone().select('count(*)::bigint', 'n').orderBy().limit(undefined).offset(undefined).getRawOne()) as { n: string } | undefined;
  return Number(row?.n ?? 0);
}

/**
 * The normalised spelling of an ARK in a query, or a 400 naming `field`: also for one whose check
 * character does not match (a mistyped ARK), which names no file, as the resolver says.
 */
export function normalizedArk(input: string, field: string): string {
  const ark = parseArk(input);
  if (!ark) throw invalid(field, `${field} must be an ARK such as ark:99999/fk4bc7d2x59`);
  if (!isValidArk(input)) throw invalid(field, `${field} is not a valid ARK: its last character is not the check character of the rest, so a character may be mistyped`);
  return ark.normalized;
}

/**
 * The versions the access hook named one of the caller's groups or projects on, in instruments
 * not granted to them (those are read by instrument): found through the names' GIN indexes
 * alone, and fenced with OFFSET 0 so that the planner neither walks a global order nor
 * intersects them with a filter's index (a metadata key on a third of the catalogue costs more
 * to scan than the named versions); the caller filters the few rows that come out.
 */
function namedElsewhere(byName: Condition): string {
  return `SELECT * FROM file_versions f WHERE ${byName.sql} AND f.instrument_id <> ALL(CAST(:scopeInstrumentIds AS uuid[])) OFFSET 0`;
}

/** The search's filters on file versions (alias f), each a condition of its own. */
function fileFilters(query: FileQueryDto): Condition[] {
  const filters: Condition[] = [];
  if (query.instrumentId) filters.push({ sql: 'f.instrument_id = :instrumentId', params: { instrumentId: query.instrumentId } });
  if (query.path) filters.push({ sql: 'f.path ILIKE :path', params: { path: likeContains(query.path) } });
  // LIKE 'prefix%' (not starts_with) so the trigram index can answer it.
  if (query.pathPrefix) filters.push({ sql: 'f.path LIKE :pathPrefix', params: { pathPrefix: `${query.pathPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } });
  if (query.name) {
    // The trigram index on the path narrows; the last segment decides.
    filters.push({ sql: `f.path ILIKE :namePattern AND regexp_replace(f.path, '^.*/', '') ILIKE :namePattern`, params: { namePattern: likeContains(query.name) } });
  }
  // The version the ARK names (arks.ark is its key, and a version has at most one ARK).
  if (query.ark) filters.push({ sql: 'f.id IN (SELECT ark_f.file_version_id FROM arks ark_f WHERE ark_f.ark = :ark)', params: { ark: normalizedArk(query.ark, 'ark') } });
  if (query.metaKey !== undefined) {
    if (query.metaValue !== undefined) filters.push({ sql: 'f.metadata @> :metaPair::jsonb', params: { metaPair: JSON.stringify({ [query.metaKey]: query.metaValue }) } });
    else filters.push({ sql: 'f.metadata ? :metaKey', params: { metaKey: query.metaKey } });
  }
  if (query.status) filters.push({ sql: 'f.status = :status', params: { status: query.status } });
  if (query.sha256) filters.push({ sql: 'f.sha256 = :sha256', params: { sha256: query.sha256.toLowerCase() } });
  if (query.from) filters.push({ sql: 'f.mtime >= :from', params: { from: query.from } });
  if (query.to) filters.push({ sql: 'f.mtime < :to', params: { to: query.to } });
  if (query.sort === 'verified-newest' || query.sort === 'verified-oldest') filters.push({ sql: 'f.verified_at IS NOT NULL', params: {} });
  if (query.verifiedFrom) filters.push({ sql: 'f.verified_at >= :verifiedFrom', params: { verifiedFrom: query.verifiedFrom } });
  if (query.verifiedTo) filters.push({ sql: 'f.verified_at < :verifiedTo', params: { verifiedTo: query.verifiedTo } });
  return filters;
}

/** The file catalogue and its copy history; users see files of granted instruments or named by the access hook. */
@Injectable()
export class FilesService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  private files(): SelectQueryBuilder<FileVersionEntity> {
    return this.dataSource
      .getRepository(FileVersionEntity)
      .createQueryBuilder('f')
      // A deleted instrument's files stay in the catalogue, as its runs and ARKs do (TypeORM
      // would add "deleted_at IS NULL" to the join).
      .withDeleted()
      .innerJoin('instruments', 'i', 'i.id = f.instrument_id')
      .leftJoin('arks', 'a', 'a.file_version_id = f.id')
      .select([
        'f.id AS id',
        'f.instrument_id AS instrument_id',
        'i.name AS instrument_name',
        'f.path AS path',
        'f.size AS size',
        'f.mtime AS mtime',
        'f.version AS version',
        'f.status AS status',
        'f.sha256 AS sha256',
        'a.ark AS ark',
        'f.metadata AS metadata',
        'f.verified_at AS verified_at',
        'f.created_at AS created_at',
      ]);
  }

  /** In the requested order, newest first by default (id breaks ties). */
  async search(principal: Principal, query: FileQueryDto): Promise<Page<FileDto>> {
    if (query.metaValue !== undefined && query.metaKey === undefined) throw invalid('metaValue', 'metaValue needs metaKey');
    const filters = fileFilters(query);
    const scope = await this.access.scopeOf(principal);
    const sort = query.sort ?? 'newest';
    const [column, direction] = FILE_ORDER[sort];
    const visible = this.access.fileCondition(scope, 'f');
    const qb = this.files().where(visible.sql, visible.params);
    for (const filter of filters) qb.andWhere(filter.sql, filter.params);
    let total: number;
    if (!scope.all && GLOBAL_FILTERS.every((name) => query[name] === undefined)) {
      // A user's files, read through the granted instruments and the access hook's names apart
      // rather than through fileCondition's OR, which keeps the planner off the per-instrument indexes.
      const counts = await this.countByGrant(scope, filters);
      total = counts.granted + counts.named;
      const key = PER_INSTRUMENT_ORDER[sort];
      // Index entries the per-instrument reading may walk: offset+limit of each instrument (one
      // when the search names it), and never more than the granted instruments' rows when no
      // other filter makes it skip some.
      const depth = query.offset + query.limit;
      const perInstrument = (query.instrumentId ? 1 : scope.instrumentIds.length) * depth;
      const rowFilters = query.status !== undefined || query.metaKey !== undefined;
      if (key && Math.min(perInstrument, rowFilters ? Infinity : counts.granted) <= PER_INSTRUMENT_READS) {
        return toPage(await this.pageByGrant(scope, filters, key, direction, query), total, query, toFileDto);
      }
    } else {
      total = await countRows(qb);
    }
    const rows = (await qb.orderBy(column, direction).addOrderBy('f.id', direction).limit(query.limit).offset(query.offset).getRawMany()) as FileRow[];
    return toPage(rows, total, query, toFileDto);
  }

  /**
   * fileCondition's count in two parts that never share a row: the versions of the granted
   * instruments (file_versions_instrument_recent, an index-only count without filters), and the
   * versions the access hook granted by name in other instruments (the names' GIN indexes).
   */
  private async countByGrant(scope: LimitedScope, filters: Condition[]): Promise<{ granted: number; named: number }> {
    const where = filters.map((c) => ` AND (${c.sql})`).join('');
    const params: Record<string, unknown> = Object.assign({ scopeInstrumentIds: scope.instrumentIds }, ...filters.map((c) => c.params));
    let granted = '0';
    let named = '0';
    if (scope.instrumentIds.length > 0) granted = `(SELECT count(*) FROM file_versions f WHERE f.instrument_id = ANY(CAST(:scopeInstrumentIds AS uuid[]))${where})`;
    if (scope.groupNames.length > 0 || scope.projectNames.length > 0) {
      const byName = this.access.fileNameCondition(scope, 'f');
      Object.assign(params, byName.params);
      named = `(SELECT count(*) FROM (${namedElsewhere(byName)}) f WHERE TRUE${where})`;
    }
    const [row] = (await this.dataSource.query(
      ...this.dataSource.driver.escapeQueryWithParameters(`SELECT ${granted}::bigint AS granted, ${named}::bigint AS named`, params, {}),
    )) as Array<{ granted: string; named: string }>;
    return { granted: Number(row.granted), named: Number(row.named) };
  }

  /**
   * One page of the files a user may see, ordered by `key` (a column of an index that starts
   * with instrument_id) then id, both `direction`: the same rows as the one query with
   * fileCondition, read as the top offset+limit of each granted instrument (each through its own
   * index), plus the top offset+limit of the versions the access hook granted by name in other
   * instruments (namedElsewhere), merged; the page's instruments and ARKs are joined last. The two
   * parts never share a row, so their union is exactly fileCondition's rows, and every row of the
   * page is among the top offset+limit of its part (and of its instrument).
   */
  private async pageByGrant(scope: LimitedScope, filters: Condition[], key: string, direction: 'ASC' | 'DESC', query: FileQueryDto): Promise<FileRow[]> {
    const where = filters.map((c) => ` AND (${c.sql})`).join('');
    const params: Record<string, unknown> = Object.assign({}, ...filters.map((c) => c.params));
    const order = (alias: string) => `${alias}.k ${direction}, ${alias}.id ${direction}`;
    const parts: string[] = [];
    if (scope.instrumentIds.length > 0) {
      parts.push(
        `(SELECT v.id, v.k FROM unnest(CAST(:scopeInstrumentIds AS uuid[])) AS g(instrument_id)
           CROSS JOIN LATERAL (
             SELECT f.id, f.${key} AS k FROM file_versions f
              WHERE f.instrument_id = g.instrument_id${where}
              ORDER BY f.${key} ${direction}, f.id ${direction} LIMIT :depth) v)`,
      );
    }
    if (scope.groupNames.length > 0 || scope.projectNames.length > 0) {
      const byName = this.access.fileNameCondition(scope, 'f');
      Object.assign(params, byName.params);
      parts.push(
        `(SELECT f.id, f.${key} AS k FROM (${namedElsewhere(byName)}) f
           WHERE TRUE${where}
           ORDER BY f.${key} ${direction}, f.id ${direction} LIMIT :depth)`,
      );
    }
    if (parts.length === 0) return [];
    Object.assign(params, { scopeInstrumentIds: scope.instrumentIds, depth: query.offset + query.limit, pageLimit: query.limit, pageOffset: query.offset });
    const sql = `
      SELECT f.id AS id, f.instrument_id AS instrument_id, i.name AS instrument_name, f.path AS path, f.size AS size,
             f.mtime AS mtime, f.version AS version, f.status AS status, f.sha256 AS sha256, a.ark AS ark,
             f.metadata AS metadata, f.verified_at AS verified_at, f.created_at AS created_at
        FROM (SELECT u.id, u.k FROM (${parts.join(' UNION ALL ')}) u ORDER BY ${order('u')} LIMIT :pageLimit OFFSET :pageOffset) p
        JOIN file_versions f ON f.id = p.id
        JOIN instruments i ON i.id = f.instrument_id
        LEFT JOIN arks a ON a.file_version_id = f.id
       ORDER BY ${order('p')}`;
    return (await this.dataSource.query(...this.dataSource.driver.escapeQueryWithParameters(sql, params, {}))) as FileRow[];
  }

  /** One file version with its versions, deliveries (hashes), ARK and transfer history. */
  async get(principal: Principal, id: string): Promise<FileDetailDto> {
    const row = (await this.files()
      .addSelect(['f.reason AS reason', 'f.attempts AS attempts', 'f.access AS access'])
      .where('f.id = :id', { id })
      .getRawOne()) as FileDetailRow | undefined;
    const scope = await this.access.scopeOf(principal);
    if (!row || !(await this.access.canSeeFile(scope, { id: row.id, instrumentId: row.instrument_id }))) throw notFound('File');
    // Only the versions the caller may see (the access hook grants each version on its own), and
    // the newest of them: a file rewritten hourly has thousands. One more tells whether there are more.
    // All of them when the caller sees the instrument, else those the hook named one of their
    // groups or projects (fileCondition, for rows of this one instrument): without an OR, the
    // planner reads the newest first through the unique (instrument_id, path, version) index, and
    // only they look up their ARK.
    const visible = scope.all || this.access.canSeeInstrument(scope, row.instrument_id) ? { sql: 'TRUE', params: {} } : this.access.fileNameCondition(scope, 'f');
    const versions = (await this.dataSource.query(
      ...this.dataSource.driver.escapeQueryWithParameters(
        `SELECT v.id, v.version, v.size, v.mtime, v.status, v.sha256, a.ark, v.created_at
           FROM (SELECT f.id, f.version, f.size, f.mtime, f.status, f.sha256, f.created_at FROM file_versions f
                  WHERE f.instrument_id = :instrumentId AND f.path = :path AND ${visible.sql}
                  ORDER BY f.version DESC LIMIT :versionsShown) v
           LEFT JOIN arks a ON a.file_version_id = v.id
          ORDER BY v.version DESC`,
        { ...visible.params, instrumentId: row.instrument_id, path: row.path, versionsShown: VERSIONS_SHOWN + 1 },
        {},
      ),
    )) as Array<{
      id: string;
      version: number;
      size: string;
      mtime: Date;
      status: FileVersionSummaryDto['status'];
      sha256: string | null;
      ark: string | null;
      created_at: Date;
    }>;
    const deliveries = (await this.dataSource.query(
      `SELECT d.storage_location_id, s.name, s.type, d.destination_path, d.status, d.algorithm, d.source_sha256, d.destination_sha256, d.verified_at, d.reason
         FROM file_deliveries d JOIN storage_locations s ON s.id = d.storage_location_id
        WHERE d.file_version_id = $1 ORDER BY s.name, s.id`,
      [id],
    )) as Array<{
      storage_location_id: string;
      name: string;
      type: DeliveryDto['storageType'];
      destination_path: string;
      status: DeliveryDto['status'];
      algorithm: string;
      source_sha256: string | null;
      destination_sha256: string | null;
      verified_at: Date | null;
      reason: string | null;
    }>;
    const transfers = (await this.transfers()
      .where('t.file_version_id = :id', { id })
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(TRANSFERS_SHOWN)
      .getRawMany()) as TransferRow[];
    return {
      ...toFileDto(row),
      reason: row.reason,
      attempts: row.attempts,
      access: { groups: row.access.groups ?? [], projects: row.access.projects ?? [] },
      instrumentVisible: this.access.canSeeInstrument(scope, row.instrument_id),
      versions: versions.slice(0, VERSIONS_SHOWN).map((v) => ({
        id: v.id,
        version: v.version,
        size: Number(v.size),
        mtime: v.mtime,
        status: v.status,
        sha256: v.sha256,
        ark: v.ark,
        createdAt: v.created_at,
      })),
      versionsTruncated: versions.length > VERSIONS_SHOWN,
      deliveries: deliveries.map((d) => ({
        storageLocationId: d.storage_location_id,
        storageLocationName: d.name,
        storageType: d.type,
        destinationPath: d.destination_path,
        status: d.status,
        algorithm: d.algorithm,
        sourceSha256: d.source_sha256,
        destinationSha256: d.destination_sha256,
        verifiedAt: d.verified_at,
        reason: d.reason,
      })),
      transfers: transfers.map(toTransferDto),
    };
  }

  private transfers(): SelectQueryBuilder<TransferEntity> {
    return this.dataSource
      .getRepository(TransferEntity)
      .createQueryBuilder('t')
      // Copies to a deleted storage location stay in the history, as its deliveries do.
      .withDeleted()
      .innerJoin('file_versions', 'f', 'f.id = t.file_version_id')
      .innerJoin('storage_locations', 's', 's.id = t.storage_location_id')
      .select([
        't.id AS id',
        't.run_id AS run_id',
        't.file_version_id AS file_version_id',
        'f.path AS path',
        'f.instrument_id AS instrument_id',
        't.storage_location_id AS storage_location_id',
        's.name AS storage_location_name',
        't.attempt AS attempt',
        't.bytes AS bytes',
        't.duration_ms AS duration_ms',
        't.source_sha256 AS source_sha256',
        't.destination_sha256 AS destination_sha256',
        't.status AS status',
        't.error AS error',
        't.created_at AS created_at',
      ]);
  }

  /** Every copy attempt, newest first (created, then id). */
  async listTransfers(principal: Principal, query: TransferQueryDto): Promise<Page<TransferDto>> {
    const scope = await this.access.scopeOf(principal);
    // A user's attempts or one instrument's: read from the visible file versions.
    if ((!scope.all || query.instrumentId) && !query.runId && !query.fileVersionId) return this.transfersOfVersions(scope, query);
    // Everyone's attempts (most are a match), a run's and a version's (their own indexes, a run's
    // transfers_run_recent in the page's order): the one query.
    const visible = this.access.fileCondition(scope, 'f');
    const qb = this.transfers().where(visible.sql, visible.params);
    if (query.runId) qb.andWhere('t.run_id = :runId', { runId: query.runId });
    if (query.fileVersionId) qb.andWhere('t.file_version_id = :fileVersionId', { fileVersionId: query.fileVersionId });
    if (query.instrumentId) qb.andWhere('f.instrument_id = :instrumentId', { instrumentId: query.instrumentId });
    if (query.storageLocationId) qb.andWhere('t.storage_location_id = :storageLocationId', { storageLocationId: query.storageLocationId });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    if (query.from) qb.andWhere('t.created_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('t.created_at < :to', { to: query.to });
    const total = await countRows(qb);
    const rows = (await qb.orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').limit(query.limit).offset(query.offset).getRawMany()) as TransferRow[];
    return toPage(rows, total, query, toTransferDto);
  }

  /**
   * The attempts on the file versions of some instruments (a user's, or the one asked for), the
   * same rows as the one query with fileCondition. Transfers have no instrument: the one query
   * walks transfers_recent and looks up each attempt's version, which is quick when matches are
   * frequent among the newest attempts and takes seconds when they are rare or old. Here the
   * visible versions come first (their instrument's index, or the access hook's names' GIN
   * indexes for versions of other instruments, so the two parts never share a version), then
   * their attempts (transfers_file): so the total, and the page when the newest attempts would
   * not hold it soon. When they should (the matches' share of all attempts, about reltuples, puts
   * offset+limit of them within TRANSFER_WALK.margin times as far, and the visible versions are not
   * much fewer than the attempts that walk would look at), the newest attempts are walked that far
   * first; if the walk holds offset+limit matches (or all of them), they are the newest.
   */
  private async transfersOfVersions(scope: Scope, query: TransferQueryDto): Promise<Page<TransferDto>> {
    const instrument = query.instrumentId ? ' AND f.instrument_id = :instrumentId' : '';
    const versions: string[] = [];
    if (scope.all) {
      versions.push(`SELECT f.id FROM file_versions f WHERE TRUE${instrument}`);
    } else {
      if (scope.instrumentIds.length > 0) versions.push(`SELECT f.id FROM file_versions f WHERE f.instrument_id = ANY(CAST(:scopeInstrumentIds AS uuid[]))${instrument}`);
      if (scope.groupNames.length > 0 || scope.projectNames.length > 0) {
        const byName = this.access.fileNameCondition(scope, 'f');
        versions.push(`SELECT f.id FROM file_versions f WHERE ${byName.sql} AND f.instrument_id <> ALL(CAST(:scopeInstrumentIds AS uuid[]))${instrument}`);
      }
    }
    if (versions.length === 0) return toPage([], 0, query, toTransferDto);
    const visible = this.access.fileCondition(scope, 'f');
    const params: Record<string, unknown> = {
      ...visible.params,
      instrumentId: query.instrumentId,
      storageLocationId: query.storageLocationId,
      status: query.status,
      from: query.from,
      to: query.to,
      pageLimit: query.limit,
      pageOffset: query.offset,
    };
    const conditions = [
      query.from ? ' AND t.created_at >= :from' : '',
      query.to ? ' AND t.created_at < :to' : '',
      query.storageLocationId ? ' AND t.storage_location_id = :storageLocationId' : '',
      query.status ? ' AND t.status = :status' : '',
    ];
    const range = conditions[0] + conditions[1];
    const attempt = conditions[2] + conditions[3];
    const sql = async <T>(text: string) => (await this.dataSource.query(...this.dataSource.driver.escapeQueryWithParameters(text, params, {}))) as T[];
    const attemptsOfVersions = `(${versions.join(' UNION ALL ')}) v JOIN transfers t ON t.file_version_id = v.id WHERE TRUE${range}${attempt}`;

    const [counted] = await sql<{ n: string }>(`SELECT count(*) AS n FROM ${attemptsOfVersions}`);
    const total = Number(counted.n);
    if (query.offset >= total) return toPage([], total, query, toTransferDto);
    const ids =
      (await this.transferPage(query, total, sql, params, versions, `${visible.sql}${instrument}${attempt}`, range, attempt)) ??
      // OFFSET 0: the whole set, then the sort; not the walk down transfers_recent again.
      (
        await sql<{ id: string }>(
          `SELECT x.id FROM (SELECT t.id, t.created_at FROM ${attemptsOfVersions} OFFSET 0) x
            ORDER BY x.created_at DESC, x.id DESC LIMIT :pageLimit OFFSET :pageOffset`,
        )
      ).map((r) => r.id);
    if (ids.length === 0) return toPage([], total, query, toTransferDto);
    const page = (await this.transfers().where('t.id = ANY(:pageIds)', { pageIds: ids }).orderBy('t.created_at', 'DESC').addOrderBy('t.id', 'DESC').getRawMany()) as TransferRow[];
    return toPage(page, total, query, toTransferDto);
  }

  /**
   * The page's ids from a walk down the newest attempts (within the date range) of the status or
   * storage location asked for (transfers_unverified_recent, transfers_location_recent), when that
   * walk should hold them soon and does; else undefined.
   */
  private async transferPage(
    query: TransferQueryDto,
    total: number,
    sql: <T>(text: string) => Promise<T[]>,
    params: Record<string, unknown>,
    versions: string[],
    match: string,
    range: string,
    attempt: string,
  ): Promise<string[] | undefined> {
    const depth = query.offset + query.limit;
    // The attempts the walk goes down: all of them (about reltuples), or, filtered by status or
    // storage location, the planner's estimate of that status's or location's.
    const population = attempt
      ? (await sql<Record<string, Array<{ Plan: { 'Plan Rows': number } }>>>(`EXPLAIN (FORMAT JSON) SELECT 1 FROM transfers t WHERE TRUE${attempt}`))[0]['QUERY PLAN'][0].Plan['Plan Rows']
      : Number((await sql<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = 'transfers'::regclass`))[0]?.n ?? 0);
    const walk = (depth * Math.max(total, population)) / total;
    if (walk > TRANSFER_WALK.max) return undefined;
    const probe = Math.ceil(Math.min(TRANSFER_WALK.max, Math.max(TRANSFER_WALK.min, TRANSFER_WALK.margin * walk)));
    const versionsFew = Math.ceil(probe / TRANSFER_WALK.perVersion);
    Object.assign(params, { depth, probe, versionsFew });
    // Not when the visible versions are much fewer than the attempts the walk would look at (an
    // index-only count, stopped there): their attempts are then the quicker read. Many versions
    // make the planner hash the whole transfers table instead, hence the factor.
    const [seen] = await sql<{ n: string }>(`SELECT count(*) AS n FROM (${versions.join(' UNION ALL ')} LIMIT :versionsFew) v`);
    if (Number(seen.n) < versionsFew) return undefined;
    const newest = (
      await sql<{ id: string }>(
        `SELECT t.id FROM (
            SELECT t.id, t.created_at, t.file_version_id, t.storage_location_id, t.status FROM transfers t
             WHERE TRUE${range}${attempt} ORDER BY t.created_at DESC, t.id DESC LIMIT :probe) t
           JOIN file_versions f ON f.id = t.file_version_id
          WHERE ${match}
          ORDER BY t.created_at DESC, t.id DESC LIMIT :depth`,
      )
    ).map((r) => r.id);
    return newest.length >= Math.min(depth, total) ? newest.slice(query.offset) : undefined;
  }
}
