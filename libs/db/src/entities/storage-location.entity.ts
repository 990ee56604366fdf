import { Column, CreateDateColumn, DeleteDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const STORAGE_TYPES = ['posix', 's3', 'smb', 'nfs'] as const;
export type StorageType = (typeof STORAGE_TYPES)[number];

/** A destination for harvested files. `config` holds the type's non-secret settings. */
@Entity({ name: 'storage_locations' })
export class StorageLocationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  type!: StorageType;

  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** The type's secret (e.g. an S3 secret key or SMB password), sealed; never leaves the server. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true, select: false })
  secretSealed!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz' })
  deletedAt!: Date | null;
}
