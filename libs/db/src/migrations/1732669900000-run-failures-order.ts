import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's failed, held and deferred files (`GET /api/harvests/:id/failures`) were listed by path:
 * path is the file version's, so every page joined all of the run's outcomes to file_versions
 * and sorted them (about 1 s for a page past 100,000 of 300,000, seconds at a million), or walked
 * every catalogued path looking for the run's few (1.5 s for 118 among 300,000 versions). They
 * are now listed in the order the run's batches took them (batch, then file version id), which
 * this index holds for the items with an outcome alone: a page reads its rows, past the offset,
 * and sorts nothing. It also answers what harvest_items_outcome (run_id) did, which it replaces.
 */
const INDEX: [name: string, definition: string] = ['harvest_items_outcome_order', 'harvest_items (run_id, batch_no, file_version_id) WHERE outcome IS NOT NULL'];
const REPLACED: [name: string, definition: string] = ['harvest_items_outcome', 'harvest_items (run_id) WHERE outcome IS NOT NULL'];

export class RunFailuresOrder1732669900000 implements MigrationInterface {
  name = 'RunFailuresOrder1732669900000';
  /** Outside a transaction, built and dropped CONCURRENTLY: the workers write harvest_items meanwhile. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // A build that was interrupted leaves its index INVALID: dropped here, then built anew.
    const [invalid] = (await q.query(`SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname = $1`, [INDEX[0]])) as unknown[];
    if (invalid) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${INDEX[0]}`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${INDEX[0]} ON ${INDEX[1]}`);
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${REPLACED[0]}`);
  }

  /** TypeORM undoes a migration in a transaction whatever it says: plain builds and drops. */
  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS ${REPLACED[0]} ON ${REPLACED[1]}`);
    await q.query(`DROP INDEX IF EXISTS ${INDEX[0]}`);
  }
}
