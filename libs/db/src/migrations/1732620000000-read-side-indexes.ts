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
export class ReadSideIndexes1732620000000 implements MigrationInterface {
  name = 'ReadSideIndexes1732620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX transfers_run`);
    await q.query(`CREATE INDEX transfers_run_recent ON transfers (run_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX file_versions_instrument_mtime ON file_versions (instrument_id, mtime DESC, id DESC)`);
    await q.query(`CREATE INDEX file_versions_sha256 ON file_versions (sha256) WHERE sha256 IS NOT NULL`);
    await q.query(`DROP INDEX harvest_runs_instrument_created`);
    await q.query(`CREATE INDEX harvest_runs_instrument_recent ON harvest_runs (instrument_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX harvest_runs_status_recent ON harvest_runs (status, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX harvest_runs_status_recent`);
    await q.query(`DROP INDEX harvest_runs_instrument_recent`);
    await q.query(`CREATE INDEX harvest_runs_instrument_created ON harvest_runs (instrument_id, created_at DESC)`);
    await q.query(`DROP INDEX file_versions_sha256`);
    await q.query(`DROP INDEX file_versions_instrument_mtime`);
    await q.query(`DROP INDEX transfers_run_recent`);
    await q.query(`CREATE INDEX transfers_run ON transfers (run_id)`);
  }
}
