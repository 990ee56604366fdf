import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NotificationKind, TokenScope } from '@sheaf/contracts';

/** An integrator's API token: only its SHA-256 is stored; the token itself is shown once. */
@Entity({ name: 'api_tokens' })
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** Hex SHA-256 of the whole token (tokens carry 256 random bits, so no salt or slow hash is needed). */
  @Column({ name: 'token_hash', type: 'text', select: false })
  tokenHash!: string;

  /** The first characters of the token, to recognise it in a list. */
  @Column({ name: 'token_prefix', type: 'text' })
  tokenPrefix!: string;

  @Column({ type: 'text' })
  scope!: TokenScope;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * A harvest schedule, mirrored to a Temporal Schedule (id `sheaf-schedule-<id>`). `needsSync`
 * stays set until Temporal has the row's `revision`; a re-sync (endpoint, start-up, timer)
 * clears it.
 */
@Entity({ name: 'schedules' })
export class ScheduleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  /** Five fields: minute hour day-of-month month day-of-week. */
  @Column({ type: 'text' })
  cron!: string;

  /** IANA time zone the cron expression is read in. */
  @Column({ type: 'text', default: 'UTC' })
  timezone!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** Bumped by every change; Temporal is in sync when it has this revision. */
  @Column({ type: 'integer', default: 1 })
  revision!: number;

  @Column({ name: 'needs_sync', type: 'boolean', default: true })
  needsSync!: boolean;

  @Column({ name: 'synced_at', type: 'timestamptz', nullable: true })
  syncedAt!: Date | null;

  /** Why the last attempt to reach Temporal failed. */
  @Column({ name: 'sync_error', type: 'text', nullable: true })
  syncError!: string | null;

  /** SHA-256 of the options Temporal was last given; null until the first push and once deleted. */
  @Column({ name: 'pushed_digest', type: 'text', nullable: true })
  pushedDigest!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}

/**
 * Something went wrong with a run. Written by a database trigger when a run fails; who sees it
 * is decided when it is read (admins, and users who can see the instrument).
 */
@Entity({ name: 'notifications' })
export class NotificationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  kind!: NotificationKind;

  @Column({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @Column({ type: 'text' })
  message!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One user's state of one notification; absent means unread. */
@Entity({ name: 'notification_receipts' })
export class NotificationReceiptEntity {
  @PrimaryColumn({ name: 'notification_id', type: 'bigint' })
  notificationId!: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt!: Date | null;

  @Column({ name: 'dismissed_at', type: 'timestamptz', nullable: true })
  dismissedAt!: Date | null;
}

/** An `Idempotency-Key` of an ad-hoc harvest request, per user: the same key gives the same run. */
@Entity({ name: 'harvest_requests' })
export class HarvestRequestEntity {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  /** Null while the first request is still starting the run. */
  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
