import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { StorageLocationEntity } from './storage-location.entity';

export const SOURCE_TYPES = ['local', 'smb', 'rclone'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/**
 * What `source_config.remote` holds for an rclone source given as a connection string
 * (`:sftp,host=...,pass=...:path`), whose options may hold credentials: the string itself is
 * sealed apart, in `source_remote_sealed`. A named remote (`lab:data`, no options) stays in clear.
 */
export const SEALED_SOURCE_REMOTE = '***';

@Entity({ name: 'instruments' })
export class InstrumentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Short, path-safe name used in destination paths and workflow ids. */
  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'text', default: '' })
  location!: string;

  @Column({ name: 'source_type', type: 'text' })
  sourceType!: SourceType;

  /** Non-secret source settings, e.g. `{ path }` for local or `{ host, share, path }` for SMB. */
  @Column({ name: 'source_config', type: 'jsonb' })
  sourceConfig!: Record<string, unknown>;

  /**
   * An rclone connection string, sealed with SHEAF_ENCRYPTION_KEY; `sourceConfig.remote` then
   * holds SEALED_SOURCE_REMOTE. Null for every other source (and for rows stored in clear before
   * it existed, which the API seals at start-up).
   */
  @Column({ name: 'source_remote_sealed', type: 'text', nullable: true, select: false })
  sourceRemoteSealed!: string | null;

  /** Credentials for an SMB source. */
  @Column({ name: 'service_account_id', type: 'uuid', nullable: true })
  serviceAccountId!: string | null;

  /** Quiet period: a file must be unchanged this long before it is taken. */
  @Column({ name: 'min_age_seconds', type: 'integer', default: 60 })
  minAgeSeconds!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @OneToMany(() => InstrumentDestinationEntity, (d) => d.instrument)
  destinations!: InstrumentDestinationEntity[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}

@Entity({ name: 'instrument_destinations' })
export class InstrumentDestinationEntity {
  @PrimaryColumn({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  @PrimaryColumn({ name: 'storage_location_id', type: 'uuid' })
  storageLocationId!: string;

  /** Destination layout, e.g. `{instrument}/{path}`. */
  @Column({ name: 'path_template', type: 'text', default: '{instrument}/{path}' })
  pathTemplate!: string;

  /** When the storage location became this instrument's destination (kept while it stays one). */
  @Column({ name: 'added_at', type: 'timestamptz', default: () => 'now()' })
  addedAt!: Date;

  /** When a harvest last checked that every earlier verified version is here; null: not yet. */
  @Column({ name: 'backfilled_at', type: 'timestamptz', nullable: true })
  backfilledAt!: Date | null;

  @ManyToOne(() => InstrumentEntity, (i) => i.destinations, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'instrument_id' })
  instrument!: InstrumentEntity;

  @ManyToOne(() => StorageLocationEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'storage_location_id' })
  storageLocation!: StorageLocationEntity;
}
