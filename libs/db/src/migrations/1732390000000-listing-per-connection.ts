import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Discovery stages each run's listing in a temporary table on its own connection (no WAL, no
 * index, nothing to delete afterwards), so the shared staging table goes.
 */
export class ListingPerConnection1732390000000 implements MigrationInterface {
  name = 'ListingPerConnection1732390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE harvest_listing`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE harvest_listing (
        run_id uuid NOT NULL,
        path text NOT NULL,
        size bigint NOT NULL,
        mtime timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX harvest_listing_run ON harvest_listing (run_id)`);
  }
}
