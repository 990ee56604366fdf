import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1732350000000 implements MigrationInterface {
  name = 'InitialSchema1732350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 320),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'user')),
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_live ON users (email) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE storage_locations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('posix', 's3', 'smb', 'nfs')),
        config jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX storage_locations_name_live ON storage_locations (name) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE instruments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
        description text NOT NULL DEFAULT '',
        location text NOT NULL DEFAULT '',
        source_type text NOT NULL CHECK (source_type IN ('local', 'smb', 'rclone')),
        source_config jsonb NOT NULL,
        min_age_seconds integer NOT NULL DEFAULT 60 CHECK (min_age_seconds >= 0),
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX instruments_name_live ON instruments (name) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE instrument_destinations (
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE CASCADE,
        storage_location_id uuid NOT NULL REFERENCES storage_locations (id) ON DELETE RESTRICT,
        path_template text NOT NULL DEFAULT '{instrument}/{path}',
        PRIMARY KEY (instrument_id, storage_location_id)
      )`);

    await q.query(`
      CREATE TABLE harvest_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE RESTRICT,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        phase text NOT NULL DEFAULT 'queued' CHECK (phase IN ('queued', 'discovering', 'transferring', 'finished')),
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'api')),
        workflow_id text,
        temporal_run_id text,
        files_discovered bigint NOT NULL DEFAULT 0,
        bytes_discovered bigint NOT NULL DEFAULT 0,
        files_done bigint NOT NULL DEFAULT 0,
        bytes_done bigint NOT NULL DEFAULT 0,
        files_failed bigint NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX harvest_runs_instrument_created ON harvest_runs (instrument_id, created_at DESC)`);
    await q.query(`CREATE UNIQUE INDEX harvest_runs_workflow_id ON harvest_runs (workflow_id) WHERE workflow_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE harvest_runs`);
    await q.query(`DROP TABLE instrument_destinations`);
    await q.query(`DROP TABLE instruments`);
    await q.query(`DROP TABLE storage_locations`);
    await q.query(`DROP TABLE users`);
  }
}
