import type { MigrationInterface, QueryRunner } from 'typeorm';

const KINDS_BEFORE = `'run_failed', 'verification_failed', 'credentials_rejected'`;
const ENDED = `'succeeded', 'failed', 'cancelled'`;

/**
 * A run that ends with held files (`files_held` > 0: a hook held them, or a path no destination
 * can take) now writes a `files_held` notification, one per run, whatever the run ended as. A
 * hook that holds every file (a config today's rules refuse, a receiver that answers 4xx) ended
 * its runs `succeeded`, and only failed runs notified: nobody was told. Also when the count turns
 * positive after the run ended (a batch recorded late). Runs ended before the migration get none.
 */
export class HeldFilesNotified1732650000000 implements MigrationInterface {
  name = 'HeldFilesNotified1732650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'files_held'))`);
    await q.query(`
      CREATE FUNCTION sheaf_notify_held_files() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        instrument_name text;
      BEGIN
        SELECT name INTO instrument_name FROM instruments WHERE id = NEW.instrument_id;
        INSERT INTO notifications (kind, instrument_id, run_id, message)
        VALUES ('files_held', NEW.instrument_id, NEW.id, left(format(
          'Harvest of %s %s with %s file(s) held, which later runs take again: a hook held them, or a destination cannot take their path. The run lists each with the reason.',
          instrument_name, CASE NEW.status WHEN 'cancelled' THEN 'was cancelled' ELSE NEW.status END, NEW.files_held), 2000))
        ON CONFLICT (run_id, kind) DO NOTHING;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER harvest_runs_held_insert AFTER INSERT ON harvest_runs
      FOR EACH ROW WHEN (NEW.status IN (${ENDED}) AND NEW.files_held > 0) EXECUTE FUNCTION sheaf_notify_held_files()`);
    await q.query(`
      CREATE TRIGGER harvest_runs_held_update AFTER UPDATE OF status, files_held ON harvest_runs
      FOR EACH ROW WHEN (NEW.status IN (${ENDED}) AND NEW.files_held > 0 AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.files_held = 0))
      EXECUTE FUNCTION sheaf_notify_held_files()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER harvest_runs_held_update ON harvest_runs`);
    await q.query(`DROP TRIGGER harvest_runs_held_insert ON harvest_runs`);
    await q.query(`DROP FUNCTION sheaf_notify_held_files()`);
    await q.query(`DELETE FROM notifications WHERE kind = 'files_held'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(`ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
  }
}
