import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The harvest catalogue: file versions, deliveries, transfer attempts, ARKs, hooks, leases, audit. */
export class Catalogue1732360000000 implements MigrationInterface {
  name = 'Catalogue1732360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        domain text NOT NULL DEFAULT '',
        username text NOT NULL,
        password_sealed text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX service_accounts_name_live ON service_accounts (name) WHERE deleted_at IS NULL`);
    await q.query(`ALTER TABLE instruments ADD COLUMN service_account_id uuid REFERENCES service_accounts (id) ON DELETE RESTRICT`);
    await q.query(`ALTER TABLE storage_locations ADD COLUMN secret_sealed text`);

    await q.query(`ALTER TABLE harvest_runs DROP CONSTRAINT harvest_runs_status_check`);
    await q.query(`ALTER TABLE harvest_runs ADD CONSTRAINT harvest_runs_status_check
      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'))`);
    await q.query(`ALTER TABLE harvest_runs
      ADD COLUMN files_total bigint NOT NULL DEFAULT 0,
      ADD COLUMN bytes_total bigint NOT NULL DEFAULT 0,
      ADD COLUMN files_deferred bigint NOT NULL DEFAULT 0,
      ADD COLUMN files_skipped bigint NOT NULL DEFAULT 0,
      ADD COLUMN files_held bigint NOT NULL DEFAULT 0,
      ADD COLUMN batches_total integer NOT NULL DEFAULT 0,
      ADD COLUMN batches_done integer NOT NULL DEFAULT 0`);

    // Listing staging: one row per listed file, filled by discover, emptied when the run ends.
    await q.query(`
      CREATE UNLOGGED TABLE harvest_listing (
        run_id uuid NOT NULL,
        path text NOT NULL,
        size bigint NOT NULL,
        mtime timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX harvest_listing_run ON harvest_listing (run_id)`);

    await q.query(`
      CREATE TABLE file_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        instrument_id uuid NOT NULL REFERENCES instruments (id) ON DELETE RESTRICT,
        path text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        mtime timestamptz NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'held', 'skipped', 'verified', 'failed')),
        reason text,
        attempts integer NOT NULL DEFAULT 0,
        sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        metadata jsonb NOT NULL DEFAULT '{}',
        access jsonb NOT NULL DEFAULT '{"groups": [], "projects": []}',
        post_hooks_done boolean NOT NULL DEFAULT false,
        first_run_id uuid REFERENCES harvest_runs (id) ON DELETE SET NULL,
        verified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (instrument_id, path, size, mtime),
        UNIQUE (instrument_id, path, version)
      )`);
    await q.query(`CREATE INDEX file_versions_status ON file_versions (instrument_id, status) WHERE status <> 'verified'`);

    // Which file versions a run takes, in which batch.
    await q.query(`
      CREATE TABLE harvest_items (
        run_id uuid NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
        file_version_id uuid NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
        batch_no integer NOT NULL,
        PRIMARY KEY (run_id, file_version_id)
      )`);
    await q.query(`CREATE INDEX harvest_items_batch ON harvest_items (run_id, batch_no)`);

    await q.query(`
      CREATE TABLE harvest_batches (
        run_id uuid NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
        batch_no integer NOT NULL,
        files integer NOT NULL,
        bytes bigint NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
        attempts integer NOT NULL DEFAULT 0,
        worker text,
        started_at timestamptz,
        finished_at timestamptz,
        PRIMARY KEY (run_id, batch_no)
      )`);

    // One row per file version and destination: where it landed and that it was verified.
    await q.query(`
      CREATE TABLE file_deliveries (
        file_version_id uuid NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
        storage_location_id uuid NOT NULL REFERENCES storage_locations (id) ON DELETE RESTRICT,
        destination_path text NOT NULL,
        status text NOT NULL CHECK (status IN ('verified', 'failed')),
        algorithm text NOT NULL DEFAULT 'sha256',
        source_sha256 text,
        destination_sha256 text,
        verified_at timestamptz,
        PRIMARY KEY (file_version_id, storage_location_id)
      )`);

    // Every copy attempt per file and destination.
    await q.query(`
      CREATE TABLE transfers (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
        file_version_id uuid NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
        storage_location_id uuid NOT NULL REFERENCES storage_locations (id) ON DELETE RESTRICT,
        attempt integer NOT NULL,
        bytes bigint NOT NULL,
        duration_ms integer NOT NULL,
        source_sha256 text,
        destination_sha256 text,
        status text NOT NULL CHECK (status IN ('verified', 'mismatch', 'failed')),
        error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX transfers_file ON transfers (file_version_id, created_at)`);
    await q.query(`CREATE INDEX transfers_run ON transfers (run_id)`);

    await q.query(`
      CREATE TABLE arks (
        ark text PRIMARY KEY,
        file_version_id uuid NOT NULL UNIQUE REFERENCES file_versions (id) ON DELETE RESTRICT,
        minted_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE hooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        phase text NOT NULL CHECK (phase IN ('pre', 'post')),
        kind text NOT NULL CHECK (kind IN ('filter', 'metadata', 'access', 'webhook', 'command')),
        config jsonb NOT NULL,
        secret_sealed text,
        instrument_id uuid REFERENCES instruments (id) ON DELETE CASCADE,
        priority integer NOT NULL DEFAULT 100,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);

    // At most one harvest of an instrument at a time, whatever started it.
    await q.query(`
      CREATE TABLE instrument_leases (
        instrument_id uuid PRIMARY KEY REFERENCES instruments (id) ON DELETE CASCADE,
        run_id uuid NOT NULL REFERENCES harvest_runs (id) ON DELETE CASCADE,
        acquired_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        actor text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        before jsonb,
        after jsonb
      )`);
    await q.query(`CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'instrument_leases',
      'hooks',
      'arks',
      'transfers',
      'file_deliveries',
      'harvest_batches',
      'harvest_items',
      'file_versions',
      'harvest_listing',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`ALTER TABLE harvest_runs
      DROP COLUMN files_total, DROP COLUMN bytes_total, DROP COLUMN files_deferred, DROP COLUMN files_skipped,
      DROP COLUMN files_held, DROP COLUMN batches_total, DROP COLUMN batches_done`);
    await q.query(`ALTER TABLE harvest_runs DROP CONSTRAINT harvest_runs_status_check`);
    await q.query(`ALTER TABLE harvest_runs ADD CONSTRAINT harvest_runs_status_check
      CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled'))`);
    await q.query(`ALTER TABLE storage_locations DROP COLUMN secret_sealed`);
    await q.query(`ALTER TABLE instruments DROP COLUMN service_account_id`);
    await q.query(`DROP TABLE service_accounts`);
  }
}
