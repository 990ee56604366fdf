import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The control plane: access (groups, projects, members, instrument grants), API tokens,
 * schedules, notifications (written by a trigger when a run fails), idempotency keys of ad-hoc
 * harvests, per-destination run counters (kept by a trigger on transfers), and the indexes that
 * keep list and search endpoints fast over a million file rows.
 */
export class ControlPlane1732370000000 implements MigrationInterface {
  name = 'ControlPlane1732370000000';

  async up(q: QueryRunner): Promise<void> {
    // Trigram indexes for substring search on paths (a trusted extension since PostgreSQL 13).
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    for (const table of ['groups', 'projects']) {
      await q.query(`
        CREATE TABLE ${table} (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255 AND name = btrim(name)),
          description text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          deleted_at timestamptz
        )`);
      await q.query(`CREATE UNIQUE INDEX ${table}_name_live ON ${table} (lower(name)) WHERE deleted_at IS NULL`);
    }

    await q.query(`
      CREATE TABLE group_members (
        group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, user_id)
      )`);
    await q.query(`CREATE INDEX group_members_user ON group_members (user_id)`);

    await q.query(`
      CREATE TABLE project_members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((user_id IS NULL) <> (group_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX project_members_user ON project_members (project_id, user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX project_members_group ON project_members (project_id, group_id) WHERE group_id IS NOT NULL`);
    await q.query(`CREATE INDEX project_members_by_user ON project_members (user_id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX project_members_by_group ON project_members (group_id) WHERE group_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE instrument_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
        group_id uuid REFERENCES groups (id) ON DELETE CASCADE,
        project_id uuid REFERENCES projects (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((group_id IS NULL) <> (project_id IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX instrument_grants_group ON instrument_grants (instrument_id, group_id) WHERE group_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX instrument_grants_project ON instrument_grants (instrument_id, project_id) WHERE project_id IS NOT NULL`);
    await q.query(`CREATE INDEX instrument_grants_by_group ON instrument_grants (group_id) WHERE group_id IS NOT NULL`);
    await q.query(`CREATE INDEX instrument_grants_by_project ON instrument_grants (project_id) WHERE project_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
        token_hash text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        token_prefix text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('read', 'harvest')),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE RESTRICT,
        cron text NOT NULL CHECK (length(cron) BETWEEN 9 AND 255),
        timezone text NOT NULL DEFAULT 'UTC',
        enabled boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '',
        revision integer NOT NULL DEFAULT 1,
        needs_sync boolean NOT NULL DEFAULT true,
        synced_at timestamptz,
        sync_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX schedules_instrument ON schedules (instrument_id)`);
    await q.query(`CREATE INDEX schedules_needs_sync ON schedules (updated_at) WHERE needs_sync`);

    await q.query(`
      CREATE TABLE notifications (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('run_failed', 'verification_failed', 'credentials_rejected')),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
        run_id uuid REFERENCES harvest_runs (id) ON DELETE CASCADE,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (run_id, kind)
      )`);
    await q.query(`CREATE INDEX notifications_recent ON notifications (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notifications_instrument ON notifications (instrument_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE notification_receipts (
        notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        read_at timestamptz,
        dismissed_at timestamptz,
        PRIMARY KEY (notification_id, user_id)
      )`);
    await q.query(`CREATE INDEX notification_receipts_user ON notification_receipts (user_id)`);

    // A failed run becomes a notification whatever failed it (the worker, or a workflow that
    // could not start). The kind is read from the recorded error.
    await q.query(`
      CREATE FUNCTION sheaf_notify_failed_run() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        failure text := coalesce(NEW.error, 'no error was recorded');
        instrument_name text;
        notice_kind text;
      BEGIN
        SELECT name INTO instrument_name FROM instruments WHERE id = NEW.instrument_id;
        IF failure ~* '(logon[ _]failure|access[ _]?denied|invalidaccesskeyid|signaturedoesnotmatch|authentication fail|wrong password|bad password|credentials)' THEN
          notice_kind := 'credentials_rejected';
        ELSIF NEW.files_failed > 0 OR failure ~* '(verification|checksum|mismatch)' THEN
          notice_kind := 'verification_failed';
        ELSE
          notice_kind := 'run_failed';
        END IF;
        INSERT INTO notifications (kind, instrument_id, run_id, message)
        VALUES (notice_kind, NEW.instrument_id, NEW.id, left(format('Harvest of %s failed: %s', instrument_name, failure), 2000))
        ON CONFLICT (run_id, kind) DO NOTHING;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER harvest_runs_failed_insert AFTER INSERT ON harvest_runs
      FOR EACH ROW WHEN (NEW.status = 'failed') EXECUTE FUNCTION sheaf_notify_failed_run()`);
    await q.query(`
      CREATE TRIGGER harvest_runs_failed_update AFTER UPDATE OF status ON harvest_runs
      FOR EACH ROW WHEN (NEW.status = 'failed' AND OLD.status IS DISTINCT FROM 'failed') EXECUTE FUNCTION sheaf_notify_failed_run()`);

    await q.query(`
      CREATE TABLE harvest_requests (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
        run_id uuid REFERENCES harvest_runs (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, idempotency_key)
      )`);

    // Per run and destination: files verified, their bytes, failed attempts. Kept by a
    // statement-level trigger on transfers, so a run's live progress per destination is one
    // small row each instead of an aggregate over every file of a million-file run.
    await q.query(`
      CREATE TABLE harvest_run_destinations (
        run_id uuid NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
        storage_location_id uuid NOT NULL REFERENCES storage_locations (id) ON DELETE CASCADE,
        files_verified bigint NOT NULL DEFAULT 0,
        bytes_verified bigint NOT NULL DEFAULT 0,
        attempts_failed bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, storage_location_id)
      )`);
    await q.query(`
      CREATE FUNCTION sheaf_count_transfers() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO harvest_run_destinations AS c (run_id, storage_location_id, files_verified, bytes_verified, attempts_failed)
        SELECT run_id, storage_location_id,
               count(*) FILTER (WHERE status = 'verified'),
               coalesce(sum(bytes) FILTER (WHERE status = 'verified'), 0),
               count(*) FILTER (WHERE status <> 'verified')
          FROM new_transfers
         GROUP BY run_id, storage_location_id
         ORDER BY run_id, storage_location_id
        ON CONFLICT (run_id, storage_location_id) DO UPDATE
          SET files_verified = c.files_verified + EXCLUDED.files_verified,
              bytes_verified = c.bytes_verified + EXCLUDED.bytes_verified,
              attempts_failed = c.attempts_failed + EXCLUDED.attempts_failed;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER transfers_count AFTER INSERT ON transfers
      REFERENCING NEW TABLE AS new_transfers FOR EACH STATEMENT EXECUTE FUNCTION sheaf_count_transfers()`);
    await q.query(`
      INSERT INTO harvest_run_destinations (run_id, storage_location_id, files_verified, bytes_verified, attempts_failed)
      SELECT run_id, storage_location_id, count(*) FILTER (WHERE status = 'verified'),
             coalesce(sum(bytes) FILTER (WHERE status = 'verified'), 0), count(*) FILTER (WHERE status <> 'verified')
        FROM transfers GROUP BY run_id, storage_location_id`);

    // Lists and searches: stable orders with an index each, substring search on paths (names
    // are searched through the same index, then checked on the last segment), metadata
    // containment, and the group/project names of the access hook.
    await q.query(`CREATE INDEX file_versions_recent ON file_versions (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX file_versions_instrument_recent ON file_versions (instrument_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX file_versions_mtime ON file_versions (mtime)`);
    await q.query(`CREATE INDEX file_versions_path_trgm ON file_versions USING gin (path gin_trgm_ops)`);
    await q.query(`CREATE INDEX file_versions_metadata ON file_versions USING gin (metadata)`);
    await q.query(`CREATE INDEX file_versions_access_groups ON file_versions USING gin ((access -> 'groups'))`);
    await q.query(`CREATE INDEX file_versions_access_projects ON file_versions USING gin ((access -> 'projects'))`);
    await q.query(`CREATE INDEX harvest_runs_recent ON harvest_runs (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX harvest_runs_active ON harvest_runs (instrument_id) WHERE status IN ('pending', 'running')`);
    await q.query(`CREATE INDEX transfers_recent ON transfers (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_recent ON audit_events (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_actor ON audit_events (actor_user_id, at DESC)`);
    await q.query(`CREATE INDEX hooks_instrument ON hooks (instrument_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'hooks_instrument',
      'audit_events_actor',
      'audit_events_recent',
      'transfers_recent',
      'harvest_runs_active',
      'harvest_runs_recent',
      'file_versions_access_projects',
      'file_versions_access_groups',
      'file_versions_metadata',
      'file_versions_path_trgm',
      'file_versions_mtime',
      'file_versions_instrument_recent',
      'file_versions_recent',
    ]) {
      await q.query(`DROP INDEX ${index}`);
    }
    await q.query(`DROP TABLE harvest_requests`);
    await q.query(`DROP TRIGGER transfers_count ON transfers`);
    await q.query(`DROP FUNCTION sheaf_count_transfers()`);
    await q.query(`DROP TABLE harvest_run_destinations`);
    await q.query(`DROP TRIGGER harvest_runs_failed_update ON harvest_runs`);
    await q.query(`DROP TRIGGER harvest_runs_failed_insert ON harvest_runs`);
    await q.query(`DROP FUNCTION sheaf_notify_failed_run()`);
    for (const table of [
      'notification_receipts',
      'notifications',
      'schedules',
      'api_tokens',
      'instrument_grants',
      'project_members',
      'group_members',
      'projects',
      'groups',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
