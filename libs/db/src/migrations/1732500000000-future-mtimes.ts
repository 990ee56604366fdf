import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * New files whose modification time is in the future (an instrument whose clock is ahead) wait
 * for their quiet period to pass after that time, counted as deferred with nothing saying why,
 * and they are not catalogued, so no page could list them. A run records how many its listing
 * saw and the latest such time, and says so.
 */
export class FutureMtimes1732500000000 implements MigrationInterface {
  name = 'FutureMtimes1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_runs ADD COLUMN files_future bigint NOT NULL DEFAULT 0, ADD COLUMN future_mtime_latest timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_runs DROP COLUMN files_future, DROP COLUMN future_mtime_latest`);
  }
}
