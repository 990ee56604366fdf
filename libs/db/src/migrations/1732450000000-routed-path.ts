import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a pre-hook redirected a version (null: its own path), stored with its verdict: post-hooks
 * that run later than the batch that verified it (a retried batch, or the next run after a
 * cancel) are given the same `destinationPath` as those that ran at once.
 */
export class RoutedPath1732450000000 implements MigrationInterface {
  name = 'RoutedPath1732450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_versions ADD COLUMN routed_path text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_versions DROP COLUMN routed_path`);
  }
}
