import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A scheduled run belongs to one workflow execution, not to a workflow id: Temporal starts a
 * backfill of a slot that already ran under the same id (the schedule's id plus the slot's
 * time), and that execution must get a run of its own instead of the earlier, closed one. The
 * run also keeps the schedule that started it, so the worker can skip a run fired by a
 * schedule that was disabled or deleted before Temporal heard of it.
 */
export class ScheduledRunExecutions1732570000000 implements MigrationInterface {
  name = 'ScheduledRunExecutions1732570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX harvest_runs_workflow_id`);
    await q.query(`CREATE UNIQUE INDEX harvest_runs_execution ON harvest_runs (workflow_id, temporal_run_id) WHERE workflow_id IS NOT NULL`);
    await q.query(`ALTER TABLE harvest_runs ADD COLUMN schedule_id uuid REFERENCES schedules (id) ON DELETE SET NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE harvest_runs DROP COLUMN schedule_id`);
    await q.query(`DROP INDEX harvest_runs_execution`);
    await q.query(`CREATE UNIQUE INDEX harvest_runs_workflow_id ON harvest_runs (workflow_id) WHERE workflow_id IS NOT NULL`);
  }
}
