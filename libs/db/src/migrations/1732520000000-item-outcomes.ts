import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What became of each file in each run, where it was not a plain verification: a run's page
 * listed its failed and held files with each version's current status and reason, so once a
 * later run verified a file (or failed it for another reason), the earlier run's page no longer
 * said why it had failed there, while still counting it. A batch now records, when it finishes,
 * the outcome (`failed`, `held`) and reason of each such file on the run's own item; the partial
 * index finds them without reading a large run's other items.
 *
 * Runs recorded before this migration get what their page showed until now: the version's
 * current status and reason (and, for a verified version, the failed copies to its instrument's
 * destinations), the best that is known of them.
 */
export class ItemOutcomes1732520000000 implements MigrationInterface {
  name = 'ItemOutcomes1732520000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_items ADD COLUMN outcome text CHECK (outcome IN ('failed', 'held')), ADD COLUMN reason text`);
    await q.query(`
      UPDATE harvest_items hi SET outcome = 'failed', reason = u.reason
      FROM (
        SELECT f.id, 'verified, but not delivered to ' || string_agg(s.name || ': ' || coalesce(d.reason, 'no reason was recorded'), '; not delivered to ' ORDER BY s.name)
                 || '; the next run tries again' AS reason
        FROM file_versions f
        JOIN file_deliveries d ON d.file_version_id = f.id AND d.status = 'failed'
        JOIN instrument_destinations i ON i.instrument_id = f.instrument_id AND i.storage_location_id = d.storage_location_id
        JOIN storage_locations s ON s.id = d.storage_location_id
        WHERE f.status = 'verified'
        GROUP BY f.id
      ) u
      WHERE hi.file_version_id = u.id`);
    await q.query(`
      UPDATE harvest_items hi SET outcome = CASE WHEN f.status = 'verified' THEN 'held' ELSE f.status END, reason = f.reason
      FROM file_versions f
      WHERE f.id = hi.file_version_id AND hi.outcome IS NULL
        AND (f.status IN ('failed', 'held') OR (f.status = 'verified' AND NOT f.post_hooks_done AND f.reason IS NOT NULL))`);
    await q.query(`CREATE INDEX harvest_items_outcome ON harvest_items (run_id) WHERE outcome IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_items DROP COLUMN outcome, DROP COLUMN reason`);
  }
}
