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
