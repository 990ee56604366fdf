import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The kind of a failed run's notification: one body per version of the trigger function. */
function notifyFailedRun(chooseKind: string): string {
  return `
    CREATE OR REPLACE FUNCTION sheaf_notify_failed_run() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      failure text := coalesce(NEW.error, 'no error was recorded');
      instrument_name text;
      notice_kind text;
    BEGIN
      SELECT name INTO instrument_name FROM instruments WHERE id = NEW.instrument_id;
      ${chooseKind}
      INSERT INTO notifications (kind, instrument_id, run_id, message)
      VALUES (notice_kind, NEW.instrument_id, NEW.id, left(format('Harvest of %s failed: %s', instrument_name, failure), 2000))
      ON CONFLICT (run_id, kind) DO NOTHING;
      RETURN NULL;
    END
    $$`;
}

/**
 * A failed run's notification: `verification_failed` whenever files failed (also when a later
 * batch was then refused its login); otherwise `credentials_rejected` only when the worker said a
 * login was refused, in its own words ("<location>: credentials rejected: <rclone's message>",
 * rcloneFailure in services/worker/src/harvest/batch.ts, for the source's listing and a batch's
 * copies alike); otherwise `run_failed` (or `verification_failed` for an error in those words, as
 * before). Before, any error that mentioned "access denied" or "credentials" counted as a refused
 * login, ahead of failed files: a run whose only trouble was a source folder it could not read
 * (rclone: "access denied"), or one with failed files as well, notified refused credentials, and
 * its failed files nobody. Notifications already written keep their kind.
 */
export class NotificationKindByWorker1732630000000 implements MigrationInterface {
  name = 'NotificationKindByWorker1732630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      notifyFailedRun(`
      IF NEW.files_failed > 0 THEN
        notice_kind := 'verification_failed';
      ELSIF strpos(failure, ': credentials rejected: ') > 0 THEN
        notice_kind := 'credentials_rejected';
      ELSIF failure ~* '(verification|checksum|mismatch)' THEN
        notice_kind := 'verification_failed';
      ELSE
        notice_kind := 'run_failed';
      END IF;`),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      notifyFailedRun(`
      IF failure ~* '(logon[ _]failure|access[ _]?denied|invalidaccesskeyid|signaturedoesnotmatch|authentication fail|wrong password|bad password|credentials)' THEN
        notice_kind := 'credentials_rejected';
      ELSIF NEW.files_failed > 0 OR failure ~* '(verification|checksum|mismatch)' THEN
        notice_kind := 'verification_failed';
      ELSE
        notice_kind := 'run_failed';
      END IF;`),
    );
  }
}
