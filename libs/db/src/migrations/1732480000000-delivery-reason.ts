import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a delivery failed, kept with it (null once verified): a copy that could not be made in a
 * run has no transfer row to say so (a pre-hook held a version verified before, while a
 * destination added later was backfilled), and the run's page names the reason.
 */
export class DeliveryReason1732480000000 implements MigrationInterface {
  name = 'DeliveryReason1732480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_deliveries ADD COLUMN reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_deliveries DROP COLUMN reason`);
  }
}
