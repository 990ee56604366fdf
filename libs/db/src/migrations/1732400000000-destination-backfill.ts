import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A destination added to an instrument also receives the versions verified before it came: the
 * next run checks each destination once (`backfilled_at` is null until then) and delivers what
 * it lacks. Deliveries that failed are retried; the partial index finds them without scanning.
 */
export class DestinationBackfill1732400000000 implements MigrationInterface {
  name = 'DestinationBackfill1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instrument_destinations ADD COLUMN backfilled_at timestamptz`);
    await q.query(`CREATE INDEX file_deliveries_failed ON file_deliveries (storage_location_id, file_version_id) WHERE status = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX file_deliveries_failed`);
    await q.query(`ALTER TABLE instrument_destinations DROP COLUMN backfilled_at`);
  }
}
