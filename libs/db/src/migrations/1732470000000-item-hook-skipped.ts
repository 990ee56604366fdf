import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version verified before that a pre-hook skips when a run takes it for a destination added
 * later keeps its verdict and is not copied there. The run counts it as skipped, not failed: the
 * run's item records the decision (`hook_skipped`), since the version's own status stays
 * `verified`. Each run that takes it again asks the hooks again.
 */
export class ItemHookSkipped1732470000000 implements MigrationInterface {
  name = 'ItemHookSkipped1732470000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_items ADD COLUMN hook_skipped boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_items DROP COLUMN hook_skipped`);
  }
}
