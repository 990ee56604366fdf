import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a run has to deliver to each destination, counted when the run is planned: a version
 * taken only for a destination added since (or for its missed post-hooks) is not owed to the
 * destinations that hold a verified copy of it already, so the run's own total overstated them.
 * Runs planned before keep what was shown for them: the run's total at every destination.
 */
export class RunDestinationTotals1732440000000 implements MigrationInterface {
  name = 'RunDestinationTotals1732440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_run_destinations ADD COLUMN files_total bigint NOT NULL DEFAULT 0`);
    await q.query(`UPDATE harvest_run_destinations c SET files_total = r.files_total FROM harvest_runs r WHERE r.id = c.run_id`);
    await q.query(`
      INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_total)
      SELECT r.id, d.storage_location_id, r.files_total
        FROM harvest_runs r JOIN instrument_destinations d ON d.instrument_id = r.instrument_id
       WHERE r.files_total > 0
      ON CONFLICT (run_id, storage_location_id) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_run_destinations DROP COLUMN files_total`);
  }
}
