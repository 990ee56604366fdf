import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a storage location became a destination of an instrument. A run that searched a new
 * destination for missing copies marks it backfilled when it finishes; a destination removed
 * and added again while that run was copying missed the batches of the gap, so only a
 * destination added before the run started may be marked by it. Rows that exist now get the
 * time of this migration: a run going on meanwhile leaves its destinations to be searched once
 * more by the next run.
 */
export class DestinationAddedAt1732490000000 implements MigrationInterface {
  name = 'DestinationAddedAt1732490000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instrument_destinations ADD COLUMN added_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instrument_destinations DROP COLUMN added_at`);
  }
}
