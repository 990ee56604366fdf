import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions signed out before they expired: a session token names its session (`sid`), and one
 * listed here is refused although its signature and expiry are fine. A row is needed only until
 * the token would have expired anyway; sign-outs remove the expired rows.
 */
export class EndedSessions1732580000000 implements MigrationInterface {
  name = 'EndedSessions1732580000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ended_sessions (
        session_id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX ended_sessions_expires_at ON ended_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ended_sessions`);
  }
}
