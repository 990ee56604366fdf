import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { HarvestPhase, HarvestStatus } from '@sheaf/contracts';
import { InstrumentEntity } from './instrument.entity';

export const HARVEST_TRIGGERS = ['schedule', 'manual', 'api'] as const;
export type HarvestTrigger = (typeof HARVEST_TRIGGERS)[number];

@Entity({ name: 'harvest_runs' })
export class HarvestRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'instrument_id', type: 'uuid' })
  instrumentId!: string;

  @ManyToOne(() => InstrumentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'instrument_id' })
  instrument!: InstrumentEntity;

  @Column({ type: 'text', default: 'pending' })
  status!: HarvestStatus;

  @Column({ type: 'text', default: 'queued' })
  phase!: HarvestPhase;

  @Column({ type: 'text' })
  trigger!: HarvestTrigger;

  @Column({ name: 'workflow_id', type: 'text', nullable: true })
  workflowId!: string | null;

  @Column({ name: 'temporal_run_id', type: 'text', nullable: true })
  temporalRunId!: string | null;

  /** The schedule that started the run (trigger 'schedule'); null for other runs. */
  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId!: string | null;

  @Column({ name: 'files_discovered', type: 'bigint', default: 0 })
  filesDiscovered!: string;

  @Column({ name: 'bytes_discovered', type: 'bigint', default: 0 })
  bytesDiscovered!: string;

  @Column({ name: 'files_done', type: 'bigint', default: 0 })
  filesDone!: string;

  @Column({ name: 'bytes_done', type: 'bigint', default: 0 })
  bytesDone!: string;

  @Column({ name: 'files_failed', type: 'bigint', default: 0 })
  filesFailed!: string;

  /** Files this run takes on (new, changed, or retried), and their bytes. */
  @Column({ name: 'files_total', type: 'bigint', default: 0 })
  filesTotal!: string;

  @Column({ name: 'bytes_total', type: 'bigint', default: 0 })
  bytesTotal!: string;

  /**
   * Left for a later run: listed inside the quiet period (listingDeferred), or changed or gone
   * from the source while the run copied them.
   */
  @Column({ name: 'files_deferred', type: 'bigint', default: 0 })
  filesDeferred!: string;

  /** Of the deferred, those the listing found inside the quiet period (still being written). */
  @Column({ name: 'listing_deferred', type: 'bigint', default: 0 })
  listingDeferred!: string;

  /** Of the deferred, new files modified in the future (an instrument clock ahead): they wait until then. */
  @Column({ name: 'files_future', type: 'bigint', default: 0 })
  filesFuture!: string;

  /** The latest of those modification times. */
  @Column({ name: 'future_mtime_latest', type: 'timestamptz', nullable: true })
  futureMtimeLatest!: Date | null;

  @Column({ name: 'files_skipped', type: 'bigint', default: 0 })
  filesSkipped!: string;

  @Column({ name: 'files_held', type: 'bigint', default: 0 })
  filesHeld!: string;

  @Column({ name: 'batches_total', type: 'integer', default: 0 })
  batchesTotal!: number;

  @Column({ name: 'batches_done', type: 'integer', default: 0 })
  batchesDone!: number;

  /**
   * Why the run failed, was cancelled or skipped; while it goes, the folders its listing could
   * not read (it will end failed, saying so).
   */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
