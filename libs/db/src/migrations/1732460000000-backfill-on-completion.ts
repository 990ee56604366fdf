import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A destination counts as backfilled (`instrument_destinations.backfilled_at`) only once a run
 * that searched it for missing copies has finished every batch it planned. It used to be set
 * when the plan was made: a run that then failed or was cancelled before its batches recorded
 * anything (refused credentials at the new destination) left the destination marked, and no
 * later run ever delivered the copies it lacked. `backfill_checked` records which destinations
 * a run searched.
 *
 * Destinations marked before cannot be told apart, so every one is searched once more by its
 * instrument's next run (one join of that run's listing with the catalogue).
 */
export class BackfillOnCompletion1732460000000 implements MigrationInterface {
  name = 'BackfillOnCompletion1732460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_run_destinations ADD COLUMN backfill_checked boolean NOT NULL DEFAULT false`);
    await q.query(`UPDATE instrument_destinations SET backfilled_at = NULL WHERE backfilled_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_run_destinations DROP COLUMN backfill_checked`);
  }
}
