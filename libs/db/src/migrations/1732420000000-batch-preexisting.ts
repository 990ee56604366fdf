import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a batch found at each destination before it first copied there: the paths that already
 * held a file. A retried batch (its worker was killed) then knows the files at its other paths
 * as its own earlier copies, which it may verify, re-copy or remove; the files that were there
 * before it stay untouched.
 */
export class BatchPreexisting1732420000000 implements MigrationInterface {
  name = 'BatchPreexisting1732420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_batches ADD COLUMN preexisting jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_batches DROP COLUMN preexisting`);
  }
}
