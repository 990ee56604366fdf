import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /api/files` by verification time (verifiedFrom/verifiedTo, sort verified-newest and
 * verified-oldest): how an integrator reads what is new. created_at is when discovery catalogued
 * a version, long before it is verified, and nothing indexed verified_at, so such a page read the
 * whole catalogue. The verified versions alone, by verified_at then id, either way.
 */
const INDEX = ['file_versions_verified', 'file_versions (verified_at, id) WHERE verified_at IS NOT NULL'] as const;

export class VerifiedOrder1732672000000 implements MigrationInterface {
  name = 'VerifiedOrder1732672000000';
  /** Outside a transaction, built CONCURRENTLY (as ReadSideIndexes): the workers verify versions meanwhile. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const [name, definition] = INDEX;
    // A build that was interrupted leaves its index INVALID: dropped here, then built anew.
    const [invalid] = (await q.query(`SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relname = $1`, [name])) as unknown[];
    if (invalid) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS ${INDEX[0]}`);
  }
}
