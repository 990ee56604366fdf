import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Temporal Schedules pushed before their action carried a summary and a portal link (the Temporal
 * UI's line about each scheduled harvest) keep their old action until their row changes: every
 * live schedule is marked for the next sync, which pushes the action as it is now.
 */
export class ScheduleSummaries1732540000000 implements MigrationInterface {
  name = 'ScheduleSummaries1732540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE schedules SET revision = revision + 1, needs_sync = true WHERE deleted_at IS NULL`);
  }

  async down(): Promise<void> {
    // Nothing to undo: a sync pushes what the rows say.
  }
}
