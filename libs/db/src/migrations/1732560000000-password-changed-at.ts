import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a user's password last changed (their own change or an admin's reset): session tokens
 * issued before it stop working, so a stolen session does not outlive a password change.
 * Existing users start without one: their sessions stay valid.
 */
export class PasswordChangedAt1732560000000 implements MigrationInterface {
  name = 'PasswordChangedAt1732560000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN password_changed_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN password_changed_at`);
  }
}
