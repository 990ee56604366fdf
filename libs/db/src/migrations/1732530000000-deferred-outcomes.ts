import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A run's deferred files, listed with why: a batch that finds a file changed since the listing,
 * or gone from the source, sets it aside for a later run; the run counted it as deferred, and
 * its page said no more. A batch now records it on the run's item, as it does failed and held
 * files (outcome `deferred`, with the reason).
 *
 * Runs recorded before this migration: a version still waiting (pending, with a reason) is
 * recorded as deferred by the last run that took it, the run that set it aside. Files deferred
 * by older runs and harvested since are not known any more.
 */
export class DeferredOutcomes1732530000000 implements MigrationInterface {
  name = 'DeferredOutcomes1732530000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE harvest_items DROP CONSTRAINT harvest_items_outcome_check,
        ADD CONSTRAINT harvest_items_outcome_check CHECK (outcome IN ('failed', 'held', 'deferred'))`);
    // Each waiting version's last run, found in one pass (harvest_items has no index that starts
    // with the version: a lookup per version would scan the table once for each).
    await q.query(`
      UPDATE harvest_items hi SET outcome = 'deferred', reason = last.reason
      FROM (SELECT DISTINCT ON (i.file_version_id) i.run_id, i.file_version_id, f.reason
            FROM harvest_items i
            JOIN file_versions f ON f.id = i.file_version_id
            JOIN harvest_runs r ON r.id = i.run_id
            WHERE f.status = 'pending' AND f.reason IS NOT NULL
            ORDER BY i.file_version_id, r.created_at DESC, r.id DESC) last
      WHERE hi.run_id = last.run_id AND hi.file_version_id = last.file_version_id AND hi.outcome IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE harvest_items SET outcome = NULL, reason = NULL WHERE outcome = 'deferred'`);
    await q.query(`
      ALTER TABLE harvest_items DROP CONSTRAINT harvest_items_outcome_check,
        ADD CONSTRAINT harvest_items_outcome_check CHECK (outcome IN ('failed', 'held'))`);
  }
}
