import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, QueryFailedError } from 'typeorm';
import { HarvestRunEntity } from './entities/harvest-run.entity';
import { InstrumentDestinationEntity, InstrumentEntity } from './entities/instrument.entity';
import { StorageLocationEntity } from './entities/storage-location.entity';
import { UserEntity } from './entities/user.entity';
import {
  ArkEntity,
  AuditEventEntity,
  FileDeliveryEntity,
  FileVersionEntity,
  HarvestBatchEntity,
  HookEntity,
  TransferEntity,
} from './entities/catalogue.entities';
import { ServiceAccountEntity } from './entities/service-account.entity';
import { GroupEntity, GroupMemberEntity, InstrumentGrantEntity, ProjectEntity, ProjectMemberEntity } from './entities/access.entities';
import {
  ApiTokenEntity,
  HarvestRequestEntity,
  NotificationEntity,
  NotificationReceiptEntity,
  ScheduleEntity,
} from './entities/control-plane.entities';
import { InitialSchema1732350000000 } from './migrations/1732350000000-initial-schema';
import { Catalogue1732360000000 } from './migrations/1732360000000-catalogue';
import { ControlPlane1732370000000 } from './migrations/1732370000000-control-plane';
import { FileSort1732380000000 } from './migrations/1732380000000-file-sort';
import { ListingPerConnection1732390000000 } from './migrations/1732390000000-listing-per-connection';
import { DestinationBackfill1732400000000 } from './migrations/1732400000000-destination-backfill';
import { ListingDeferred1732410000000 } from './migrations/1732410000000-listing-deferred';
import { BatchPreexisting1732420000000 } from './migrations/1732420000000-batch-preexisting';
import { PostHooksOwed1732430000000 } from './migrations/1732430000000-post-hooks-owed';
import { RunDestinationTotals1732440000000 } from './migrations/1732440000000-run-destination-totals';
import { RoutedPath1732450000000 } from './migrations/1732450000000-routed-path';
import { BackfillOnCompletion1732460000000 } from './migrations/1732460000000-backfill-on-completion';
import { ItemHookSkipped1732470000000 } from './migrations/1732470000000-item-hook-skipped';
import { DeliveryReason1732480000000 } from './migrations/1732480000000-delivery-reason';
import { DestinationAddedAt1732490000000 } from './migrations/1732490000000-destination-added-at';
import { FutureMtimes1732500000000 } from './migrations/1732500000000-future-mtimes';
import { DestinationClaims1732510000000 } from './migrations/1732510000000-destination-claims';
import { ItemOutcomes1732520000000 } from './migrations/1732520000000-item-outcomes';
import { DeferredOutcomes1732530000000 } from './migrations/1732530000000-deferred-outcomes';
import { ScheduleSummaries1732540000000 } from './migrations/1732540000000-schedule-summaries';
import { SchedulePushedDigest1732550000000 } from './migrations/1732550000000-schedule-pushed-digest';
import { PasswordChangedAt1732560000000 } from './migrations/1732560000000-password-changed-at';
import { ScheduledRunExecutions1732570000000 } from './migrations/1732570000000-scheduled-run-executions';
import { EndedSessions1732580000000 } from './migrations/1732580000000-ended-sessions';
import { AccessNamesAnyCase1732590000000 } from './migrations/1732590000000-access-names-any-case';
import { ClaimsByVersion1732600000000 } from './migrations/1732600000000-claims-by-version';
import { HookHeadersSealed1732610000000 } from './migrations/1732610000000-hook-headers-sealed';
import { ReadSideIndexes1732620000000 } from './migrations/1732620000000-read-side-indexes';
import { NotificationKindByWorker1732630000000 } from './migrations/1732630000000-notification-kind-by-worker';
import { DisabledUsersRevoked1732640000000 } from './migrations/1732640000000-disabled-users-revoked';
import { HeldFilesNotified1732650000000 } from './migrations/1732650000000-held-files-notified';
import { InstrumentRemoteSealed1732665500000 } from './migrations/1732665500000-instrument-remote-sealed';
import { TransferFilterIndexes1732668800000 } from './migrations/1732668800000-transfer-filter-indexes';
import { RunFailuresOrder1732669900000 } from './migrations/1732669900000-run-failures-order';
import { VerifiedOrder1732672000000 } from './migrations/1732672000000-verified-order';

export const ENTITIES = [
  UserEntity,
  StorageLocationEntity,
  InstrumentEntity,
  InstrumentDestinationEntity,
  HarvestRunEntity,
  ServiceAccountEntity,
  FileVersionEntity,
  FileDeliveryEntity,
  TransferEntity,
  ArkEntity,
  HarvestBatchEntity,
  HookEntity,
  AuditEventEntity,
  GroupEntity,
  GroupMemberEntity,
  ProjectEntity,
  ProjectMemberEntity,
  InstrumentGrantEntity,
  ApiTokenEntity,
  ScheduleEntity,
  NotificationEntity,
  NotificationReceiptEntity,
  HarvestRequestEntity,
];

/** In order; a migration is never edited once it has landed. */
export const MIGRATIONS = [InitialSchema1732350000000, Catalogue1732360000000, ControlPlane1732370000000, FileSort1732380000000, ListingPerConnection1732390000000, DestinationBackfill1732400000000, ListingDeferred1732410000000, BatchPreexisting1732420000000, PostHooksOwed1732430000000, RunDestinationTotals1732440000000, RoutedPath1732450000000, BackfillOnCompletion1732460000000, ItemHookSkipped1732470000000, DeliveryReason1732480000000, DestinationAddedAt1732490000000, FutureMtimes1732500000000, DestinationClaims1732510000000, ItemOutcomes1732520000000, DeferredOutcomes1732530000000, ScheduleSummaries1732540000000, SchedulePushedDigest1732550000000, PasswordChangedAt1732560000000, ScheduledRunExecutions1732570000000, EndedSessions1732580000000, AccessNamesAnyCase1732590000000, ClaimsByVersion1732600000000, HookHeadersSealed1732610000000, ReadSideIndexes1732620000000, NotificationKindByWorker1732630000000, DisabledUsersRevoked1732640000000, HeldFilesNotified1732650000000, InstrumentRemoteSealed1732665500000, TransferFilterIndexes1732668800000, RunFailuresOrder1732669900000, VerifiedOrder1732672000000];

export interface DataSourceOptions {
  url: string;
  /** Shown in pg_stat_activity, to tell api, worker and tools apart. */
  applicationName: string;
  /** Connections the pool opens at most (10 unless given): servers pass DB_POOL_SIZE (libs/config). */
  poolSize?: number;
  /** The server's idle_in_transaction_session_timeout, in ms (IDLE_IN_TRANSACTION_MS unless given; tests give a short one). */
  idleInTransactionMs?: number;
  /**
   * The server's lock_timeout, in ms: none unless given. The migration tool gives one (see
   * `migrate`); the API and workers do not (their planning waits for its lock for minutes).
   */
  lockTimeoutMs?: number;
  /**
   * The server's statement_timeout, in ms: none unless given (0 is none too). The API gives one
   * (API_STATEMENT_TIMEOUT_MS): a list whose filter no index serves would otherwise run on after
   * its client gave up, holding one of the pool's connections, and its retries more of them. The
   * workers, the migration tool and the API's readiness check do not. An operation that may take
   * longer sets its own for its transaction (`SET LOCAL statement_timeout`).
   */
  statementTimeoutMs?: number;
}

/**
 * A session left idle inside a transaction this long is ended by the server, and its locks go
 * with it: a worker cut off by a partition or a failover would otherwise hold them (the run's
 * planning lock, its per-destination counter rows) until the server notices the dead client,
 * 15 minutes to hours later. Between two statements of a transaction Sheaf awaits only the
 * database, and at most a bcrypt hash or two (a password change): seconds on a starved CPU, far
 * below five minutes. It bounds the time between statements, not a statement: discovery's
 * planning statements and lock waits may take minutes, so there is no statement_timeout or
 * lock_timeout (but for the migration tool's lock_timeout, see `migrate`, and the API's
 * statement_timeout, `statementTimeoutMs`). Set on each new connection, not sent as a startup parameter: a PgBouncer in
 * front (session pooling, docs/deploy.md) refuses startup parameters it was not told of.
 */
const IDLE_IN_TRANSACTION_MS = 5 * 60_000;

/** One construction for every process; the schema is owned by migrations, never `synchronize`. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    // node-postgres's pool and client settings.
    extra: {
      max: options.poolSize ?? 10,
      // A connection whose server went away (a failover, a partition) while it waited for an
      // answer errors within about 20 s: probes after 10 s of silence, then every second, 10 of
      // them (Node's own interval and count). Without them a query in flight never settles. A
      // query whose bytes the server never acknowledged is bounded by TCP's retransmissions
      // instead (about 15 minutes), which keepalive does not shorten.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // Opening a connection, and waiting for a free one when the pool is full, fail after 30 s
      // instead of waiting for good.
      connectionTimeoutMillis: 30_000,
      onConnect: async (client: { query(sql: string): Promise<unknown> }) => {
        await client.query(`SET idle_in_transaction_session_timeout = ${Math.round(options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS)}`);
        if (options.lockTimeoutMs !== undefined) await client.query(`SET lock_timeout = ${Math.round(options.lockTimeoutMs)}`);
        if (options.statementTimeoutMs !== undefined) await client.query(`SET statement_timeout = ${Math.round(options.statementTimeoutMs)}`);
      },
    },
  });
}

export interface MigrateOptions {
  /** Tries in all when a migration gives up waiting for a lock (the data source's `lockTimeoutMs`): 1 unless given. */
  attempts?: number;
  /** The pause between two tries, in ms. */
  pauseMs?: number;
  /** Told why a try gave up, before each pause. */
  onRetry?: (message: string) => void;
}

/** Names of the migrations the database has applied (none before the first). */
async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ table }] = (await dataSource.query(`SELECT to_regclass('migrations') IS NOT NULL AS table`)) as Array<{ table: boolean }>;
  return table ? ((await dataSource.query(`SELECT name FROM migrations`)) as Array<{ name: string }>).map((m) => m.name) : [];
}

const migrationNames = (dataSource: DataSource) => dataSource.migrations.map((m) => m.name ?? m.constructor.name);

/**
 * Applies pending migrations and returns their names. Each runs in a transaction of its own.
 * A migration's DDL waits for the locks of every transaction open on its table (a pg_dump holds
 * them for hours), and every query on that table queues behind the waiting DDL: the API and the
 * workers would stop with it. Given a data source with a `lockTimeoutMs`, a migration that cannot
 * have its lock within it gives up instead (its transaction rolled back, the ones before it kept),
 * and is tried again after a pause, up to `attempts` tries.
 */
export async function migrate(dataSource: DataSource, options: MigrateOptions = {}): Promise<string[]> {
  const attempts = options.attempts ?? 1;
  const before = new Set(await appliedMigrations(dataSource));
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      break;
    } catch (err) {
      if (!(err instanceof QueryFailedError && (err.driverError as { code?: string }).code === LOCK_NOT_AVAILABLE)) throw err;
      const applied = new Set(await appliedMigrations(dataSource));
      const stuck = migrationNames(dataSource).find((name) => !applied.has(name));
      const why =
        `migration ${stuck} could not take a lock in time (${err.message}): another session holds one on a table it changes ` +
        '(a long transaction, a pg_dump; see pg_stat_activity)';
      if (attempt >= attempts) throw new Error(`${why}; gave up after ${attempts} ${attempts === 1 ? 'try' : 'tries'}`);
      const pauseMs = options.pauseMs ?? 0;
      options.onRetry?.(`${why}; trying again in ${pauseMs / 1000} s (try ${attempt + 1} of ${attempts})`);
      await sleep(pauseMs);
    }
  }
  const after = new Set(await appliedMigrations(dataSource));
  return migrationNames(dataSource).filter((name) => after.has(name) && !before.has(name));
}

/** PostgreSQL's SQLSTATE for a lock not taken within lock_timeout (or NOWAIT). */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Refuses to run against a schema older than this code: the API and workers start only once the
 * migrations (`node tools/dist/migrate.js`: the compose `migrate` service, the Kubernetes Job)
 * are applied, instead of failing requests and batches on columns that are not there yet. The
 * process exits; Kubernetes restarts it until the Job is done. Nor against a newer one (an image
 * rolled back after its successor migrated): older code can fail there in ways no error names
 * (a scheduled run whose ON CONFLICT target no longer exists, retried for good).
 */
export async function assertSchemaCurrent(dataSource: DataSource): Promise<DataSource> {
  const applied = await appliedMigrations(dataSource);
  const known = migrationNames(dataSource);
  const pending = known.filter((name) => !applied.includes(name));
  if (pending.length) {
    throw new Error(
      `the database schema is older than this version of Sheaf: ${pending.length} migration(s) not applied (${pending.join(', ')}); ` +
        'run node tools/dist/migrate.js (the migration Job) first',
    );
  }
  const newer = applied.filter((name) => !known.includes(name));
  if (newer.length) {
    throw new Error(
      `the database schema is newer than this version of Sheaf: ${newer.length} migration(s) applied by a later version (${newer.join(', ')}); ` +
        'run that version, or restore the database from a backup taken before the upgrade',
    );
  }
  return dataSource;
}
