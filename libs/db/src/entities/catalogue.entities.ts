import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const FILE_STATUSES = ['pending', 'held', 'skipped', 'verified', 'failed'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

/** A file version is (instrument, path, size, mtime); a changed file is a new version. */
@Entity({ name: 'file_versions' })
export class FileVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ type: 'timestamptz' })
  mtime!: Date;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'text' })
  status!: FileStatus;

  /** Why the file is held, skipped or failed; on a verified version, why a post-hook held it (null once its post-hooks have run). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'text', nullable: true })
  sha256!: string | null;

  @Column({ type: 'jsonb' })
  metadata!: Record<string, string>;

  @Column({ type: 'jsonb' })
  access!: { groups: string[]; projects: string[] };

  /** Where a pre-hook redirected this version, relative to the instrument (null: its own path). */
  @Column({ name: 'routed_path', type: 'text', nullable: true })
  routedPath!: string | null;

  /** The post-hooks have run on this verified version (a retried batch does not run them twice). */
  @Column({ name: 'post_hooks_done', type: 'boolean', default: false })
  postHooksDone!: boolean;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity({ name: 'file_deliveries' })
export class FileDeliveryEntity {
  @PrimaryColumn({ name: 'file_version_id', type: 'uuid' })
  fileVersionId!: string;

  @PrimaryColumn({ name: 'storage_location_id', type: 'uuid' })
  storageLocationId!: string;

  @Column({ name: 'destination_path', type: 'text' })
  destinationPath!: string;

  @Column({ type: 'text' })
  status!: 'verified' | 'failed';

  @Column({ type: 'text' })
  algorithm!: string;

  @Column({ name: 'source_sha256', type: 'text', nullable: true })
  sourceSha256!: string | null;

  @Column({ name: 'destination_sha256', type: 'text', nullable: true })
  destinationSha256!: string | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt!: Date | null;

  /** Why it failed (null once verified). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;
}

/** One copy attempt of one file to one destination. */
@Entity({ name: 'transfers' })
export class TransferEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'file_version_id', type: 'uuid' })
  fileVersionId!: string;

  @Column({ name: 'storage_location_id', type: 'uuid' })
  storageLocationId!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'bigint' })
  bytes!: string;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'source_sha256', type: 'text', nullable: true })
  sourceSha256!: string | null;

  @Column({ name: 'destination_sha256', type: 'text', nullable: true })
  destinationSha256!: string | null;

  @Column({ type: 'text' })
  status!: 'verified' | 'mismatch' | 'failed';

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity({ name: 'arks' })
export class ArkEntity {
  @PrimaryColumn({ type: 'text' })
  ark!: string;

  @Column({ name: 'file_version_id', type: 'uuid' })
  fileVersionId!: string;

  @Column({ name: 'minted_at', type: 'timestamptz' })
  mintedAt!: Date;
}

@Entity({ name: 'harvest_batches' })
export class HarvestBatchEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'batch_no', type: 'integer' })
  batchNo!: number;

  @Column({ type: 'integer' })
  files!: number;

  @Column({ type: 'bigint' })
  bytes!: string;

  @Column({ type: 'text' })
  status!: 'pending' | 'running' | 'done';

  @Column({ type: 'integer' })
  attempts!: number;

  /** Identity of the worker that last ran the batch. */
  @Column({ type: 'text', nullable: true })
  worker!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  /**
   * Per storage location id, what the batch's first look there found before it copied: the
   * SHA-256 of the destination paths it wanted, and those of them that held a file. On a retry
   * with the same paths, a file at any other of them is a copy of its own.
   */
  @Column({ type: 'jsonb', nullable: true })
  preexisting!: Record<string, { wanted: string; existing: string[] }> | null;
}

export const HOOK_PHASES = ['pre', 'post'] as const;
export const HOOK_KINDS = ['filter', 'metadata', 'access', 'webhook', 'command'] as const;

@Entity({ name: 'hooks' })
export class HookEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  phase!: (typeof HOOK_PHASES)[number];

  @Column({ type: 'text' })
  kind!: (typeof HOOK_KINDS)[number];

  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** HMAC secret of a webhook, sealed. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true, select: false })
  secretSealed!: string | null;

  /**
   * A webhook's header values, sealed: the JSON object `{ name: value }` of `config.headers`,
   * whose values are *** then. Null: none, or a hook stored before they were sealed, whose
   * config holds them in clear until the API seals them at start-up.
   */
  @Column({ name: 'headers_sealed', type: 'text', nullable: true, select: false })
  headersSealed!: string | null;

  /** Null: applies to every instrument. */
  @Column({ name: 'instrument_id', type: 'uuid', nullable: true })
  instrumentId!: string | null;

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}

@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId!: string | null;

  /** A user's email, or `system:<component>`. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'entity_type', type: 'text' })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'text' })
  entityId!: string;

  @Column({ type: 'jsonb', nullable: true })
  before!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after!: unknown;
}
