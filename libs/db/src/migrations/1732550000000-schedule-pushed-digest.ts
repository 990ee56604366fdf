import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each Temporal Schedule was last given, as a digest of the whole options the API pushed.
 * At start-up the API compares it with what it would push now, so a schedule follows a change
 * of the portal's address, the task queue or Sheaf's own action without a change to its row.
 * Existing rows start without one and are pushed once more.
 */
export class SchedulePushedDigest1732550000000 implements MigrationInterface {
  name = 'SchedulePushedDigest1732550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schedules ADD COLUMN pushed_digest text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE schedules DROP COLUMN pushed_digest`);
  }
}
