import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a delivery failed, kept with it (null once verified): a copy that could not be made in a
 * run has no transfer row to say so (a pre-hook held a version verified before, while a
 * destination added later was backfilled), and the run's page names the reason. Deliveries that
 * failed before get their last attempt's error (few rows: the failed ones' partial index).
 */
export class DeliveryReason1732480000000 implements MigrationInterface {
  name = 'DeliveryReason1732480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_deliveries ADD COLUMN reason text`);
    await q.query(`
      UPDATE file_deliveries d
         SET reason = (SELECT t.error FROM transfers t
                        WHERE t.file_version_id = d.file_version_id AND t.storage_location_id = d.storage_location_id
                        ORDER BY t.created_at DESC, t.attempt DESC LIMIT 1)
       WHERE d.status = 'failed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE file_deliveries DROP COLUMN reason`);
  }
}
