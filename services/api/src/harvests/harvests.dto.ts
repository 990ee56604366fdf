import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { HARVEST_PHASES, HARVEST_STATUSES, STORAGE_TYPES, type HarvestPhase, type HarvestStatus, type StorageType } from '@sheaf/contracts';
import { HARVEST_TRIGGERS, type HarvestTrigger } from '@sheaf/db';
import { PageQueryDto } from '../common/pagination';
import { DateFilter, IsUuid, OptionalField } from '../common/validation';

export class StartHarvestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUuid('instrumentId')
  instrumentId!: string;
}

export class StartedHarvestDto {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ nullable: true, type: String }) temporalRunId!: string | null;
  @ApiProperty({ description: "The run's workflow in the Temporal UI" }) temporalUrl!: string;
  @ApiProperty({ description: 'True when this answers an earlier request with the same Idempotency-Key' }) replayed!: boolean;
}

export class HarvestRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) instrumentId!: string;
  @ApiProperty() instrumentName!: string;
  @ApiProperty({ enum: HARVEST_STATUSES }) status!: HarvestStatus;
  @ApiProperty({ enum: HARVEST_PHASES }) phase!: HarvestPhase;
  @ApiProperty({ enum: HARVEST_TRIGGERS }) trigger!: HarvestTrigger;
  @ApiProperty({ type: String, nullable: true }) workflowId!: string | null;
  @ApiProperty({ type: String, nullable: true }) temporalRunId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The run's workflow in the Temporal UI" }) temporalUrl!: string | null;
  @ApiProperty({ type: 'integer', description: 'Everything the listing saw' }) filesDiscovered!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) bytesDiscovered!: number;
  @ApiProperty({ type: 'integer', description: 'What this run takes on: new, changed and retried files' }) filesTotal!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) bytesTotal!: number;
  @ApiProperty({ type: 'integer', description: 'Verified at every destination' }) filesDone!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) bytesDone!: number;
  @ApiProperty({ type: 'integer' }) filesFailed!: number;
  @ApiProperty({ type: 'integer' }) filesSkipped!: number;
  @ApiProperty({ type: 'integer' }) filesHeld!: number;
  @ApiProperty({ type: 'integer',
    description:
      'Left for a later run: files the listing found inside the quiet period (filesInQuietPeriod), and files that changed or went from the source while this run copied them (listed in its failures, status deferred)',
  })
  filesDeferred!: number;
  @ApiProperty({ type: 'integer', description: "Of the deferred, files the listing found inside the instrument's quiet period: still being written, or modified in the future" })
  filesInQuietPeriod!: number;
  @ApiProperty({ type: 'integer',
    description: 'Of the deferred, new files modified more than 5 minutes in the future: the instrument\'s clock is probably ahead, and they wait until that time has passed',
  })
  filesInFuture!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The latest modification time among filesInFuture' }) latestFutureMtime!: Date | null;
  @ApiProperty({ type: 'integer' }) batchesTotal!: number;
  @ApiProperty({ type: 'integer' }) batchesDone!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the run failed, was cancelled or skipped; while it runs, the source folders its listing could not read (it will end failed)',
  })
  error!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
}

export class DestinationProgressDto {
  @ApiProperty({ format: 'uuid' }) storageLocationId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STORAGE_TYPES }) type!: StorageType;
  @ApiProperty({ type: 'integer', description: 'Files this run copied here and verified' }) filesVerified!: number;
  @ApiProperty({ type: 'integer', description: 'Copy attempts here that failed or did not verify (a retried file may count more than once)' }) attemptsFailed!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) bytesVerified!: number;
  @ApiProperty({ type: 'integer', description: 'Files this run delivers here: those without a verified copy here when the run was planned (for a destination added during the run, those it got)' }) filesTotal!: number;
}

export const RUN_FAILURE_STATUSES = ['failed', 'held', 'deferred'] as const;
export type RunFailureStatus = (typeof RUN_FAILURE_STATUSES)[number];

export class RunFailureDto {
  @ApiProperty({ format: 'uuid' }) fileVersionId!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ enum: RUN_FAILURE_STATUSES }) status!: RunFailureStatus;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

export class RunFailureQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RUN_FAILURE_STATUSES })
  @OptionalField()
  @IsIn(RUN_FAILURE_STATUSES, { message: `status must be one of ${RUN_FAILURE_STATUSES.join(', ')}` })
  status?: RunFailureStatus;
}

export class HarvestRunDetailDto extends HarvestRunDto {
  @ApiProperty({ type: [DestinationProgressDto] }) destinations!: DestinationProgressDto[];
  @ApiProperty({
    type: [RunFailureDto],
    description:
      'Up to 50 failed, held and deferred files of this run: the first page of GET /api/harvests/{id}/failures (in the order its batches took them: batch, then file version id; not by path), cheap to poll however many the run has; each with the outcome and reason each had when its batch finished (a later run may have verified it since): files verified before whose copy to a destination added later failed (status failed), delivered files a post-hook held (status held), and files that changed or went from the source while this run copied them (status deferred) among them; not the files the listing found inside the quiet period',
  })
  failures!: RunFailureDto[];
}

export class HarvestQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('instrumentId')
  instrumentId?: string;

  @ApiPropertyOptional({ enum: HARVEST_STATUSES })
  @OptionalField()
  @IsIn(HARVEST_STATUSES, { message: `status must be one of ${HARVEST_STATUSES.join(', ')}` })
  status?: HarvestStatus;

  @ApiPropertyOptional({ enum: HARVEST_TRIGGERS })
  @OptionalField()
  @IsIn(HARVEST_TRIGGERS, { message: `trigger must be one of ${HARVEST_TRIGGERS.join(', ')}` })
  trigger?: HarvestTrigger;

  @DateFilter('from', 'Runs created at or after')
  from?: string;

  @DateFilter('to', 'Runs created before', 'from')
  to?: string;
}
