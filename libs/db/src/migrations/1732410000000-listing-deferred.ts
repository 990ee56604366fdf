import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batches run while discovery still plans, and each adds the files that changed under it to
 * `files_deferred`. What the listing itself deferred (files inside the quiet period) is kept
 * apart, so that a retried discovery reports its own count, not the batches' as well.
 */
export class ListingDeferred1732410000000 implements MigrationInterface {
  name = 'ListingDeferred1732410000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_runs ADD COLUMN listing_deferred bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_runs DROP COLUMN listing_deferred`);
  }
}
