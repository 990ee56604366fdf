import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /api/transfers` filtered by status or storage location, newest first (created_at DESC,
 * id DESC): transfers had indexes by file version, by run and by time alone, so a page of the
 * attempts that did not verify (an audit of mismatches) walked transfers_recent until it had
 * found offset+limit of them, the whole table when they are rare, and their total counted every
 * row. Now:
 * - the attempts that did not verify (`mismatch`, `failed`: few, where most verify), by status
 *   then newest first: a status's page and total read that status's rows alone;
 * - one storage location's attempts, newest first.
 */
const INDEXES: ReadonlyArray<[name: string, definition: string]> = [
  ['transfers_unverified_recent', `transfers (status, created_at DESC, id DESC) WHERE status <> 'verified'`],
  ['transfers_location_recent', 'transfers (storage_location_id, created_at DESC, id DESC)'],
];

export class TransferFilterIndexes1732668800000 implements MigrationInterface {
  name = 'TransferFilterIndexes1732668800000';
  /**
   * Outside a transaction, built CONCURRENTLY (as ReadSideIndexes): the workers write transfers
   * meanwhile, and a plain build would lock their writes out for the whole build.
   */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // A build that was interrupted leaves its index INVALID: dropped here, then built anew.
    const invalid = (await q.query(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname = ANY($1::text[])`,
      [INDEXES.map(([name]) => name)],
    )) as Array<{ relname: string }>;
    for (const { relname } of invalid) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${relname}`);
    for (const [name, definition] of INDEXES) await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await q.query(`DROP INDEX IF EXISTS ${name}`);
  }
}
