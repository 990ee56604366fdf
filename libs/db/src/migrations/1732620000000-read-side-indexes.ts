import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reads of the portal that had no index in their order, at a million file versions:
 * - a run's copy attempts, newest first (the run page): transfers_run found all of the run's
 *   attempts and sorted them; this one, which also answers lookups by run alone, walks them in order;
 * - one instrument's files by source modification time, either way (file_versions_mtime orders
 *   every instrument's files together): also lets a user's list read each granted instrument apart;
 * - each listed instrument's last run: read as the first entry of its instrument, with id to
 *   break ties as the query does (it replaces the index on (instrument_id, created_at DESC));
 * - a search by SHA-256 (the versions not yet hashed left out);
 * - the runs of one status, newest first (the dashboard's failed runs).
 */
const INDEXES: ReadonlyArray<[name: string, definition: string]> = [
  ['transfers_run_recent', 'transfers (run_id, created_at DESC, id DESC)'],
  ['file_versions_instrument_mtime', 'file_versions (instrument_id, mtime DESC, id DESC)'],
  ['file_versions_sha256', 'file_versions (sha256) WHERE sha256 IS NOT NULL'],
  ['harvest_runs_instrument_recent', 'harvest_runs (instrument_id, created_at DESC, id DESC)'],
  ['harvest_runs_status_recent', 'harvest_runs (status, created_at DESC, id DESC)'],
];
/** The indexes the new ones replace. */
const REPLACED: ReadonlyArray<[name: string, definition: string]> = [
  ['transfers_run', 'transfers (run_id)'],
  ['harvest_runs_instrument_created', 'harvest_runs (instrument_id, created_at DESC)'],
];

export class ReadSideIndexes1732620000000 implements MigrationInterface {
  name = 'ReadSideIndexes1732620000000';
  /**
   * Outside a transaction, built and dropped CONCURRENTLY: the portal, the API and the workers
   * read and write these tables meanwhile (a plain build locks writes out, a plain drop reads too,
   * for the whole migration: seconds at a million rows, longer with more).
   */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // A build that was interrupted (the migration tool gives up on a lock after 5 s and runs the
    // migration again) leaves its index INVALID: dropped here, then built anew.
    const invalid = (await q.query(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname = ANY($1::text[])`,
      [INDEXES.map(([name]) => name)],
    )) as Array<{ relname: string }>;
    for (const { relname } of invalid) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${relname}`);
    for (const [name, definition] of INDEXES) await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
    for (const [name] of REPLACED) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }

  /** TypeORM undoes a migration in a transaction whatever it says: plain builds and drops. */
  async down(q: QueryRunner): Promise<void> {
    for (const [name, definition] of REPLACED) await q.query(`CREATE INDEX IF NOT EXISTS ${name} ON ${definition}`);
    for (const [name] of INDEXES) await q.query(`DROP INDEX IF EXISTS ${name}`);
  }
}
