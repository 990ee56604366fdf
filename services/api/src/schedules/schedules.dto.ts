import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength } from 'class-validator';
import { SoftDeletePageQueryDto, ToBoolean } from '../common/query';
import { IsDateTimeWithZone, IsUuid, OptionalField } from '../common/validation';

export class ScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) instrumentId!: string;
  @ApiProperty() instrumentName!: string;
  @ApiProperty({ description: 'false: Temporal holds the schedule paused until the instrument is enabled again' }) instrumentEnabled!: boolean;
  @ApiProperty({ example: '0 4 * * *', description: 'minute hour day-of-month month day-of-week' }) cron!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
  @ApiProperty({ description: 'false: paused in Temporal' }) enabled!: boolean;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'The Temporal Schedule matches this row' }) synced!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last sync failed' }) syncError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) syncedAt!: Date | null;
  @ApiProperty({ description: 'The Temporal Schedule id' }) temporalScheduleId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class ScheduleDetailDto extends ScheduleDto {
  @ApiProperty({ type: [String], format: 'date-time', description: 'Next start times according to Temporal (empty when it is unreachable or paused)' })
  nextRunTimes!: string[];
}

export class CreateScheduleDto {
  @ApiProperty({ format: 'uuid' })
  @IsUuid('instrumentId')
  instrumentId!: string;

  @ApiProperty({
    example: '0 4 * * *',
    maxLength: 255,
    description:
      'Five fields: minute hour day-of-month month day-of-week. When both day fields are set a day must match both, as in Temporal (classic cron: either). Refused when none of the days of month occurs in any of the months (February counts 29 days): it would never run',
  })
  @IsString()
  @MaxLength(255)
  cron!: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', default: 'UTC', maxLength: 64, description: 'IANA time zone; stored in its canonical spelling' })
  @OptionalField()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ default: true })
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;
}

/** The instrument cannot change: create another schedule instead. */
export class UpdateScheduleDto {
  @ApiPropertyOptional({ maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  cron?: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @OptionalField()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ description: 'false pauses the Temporal Schedule, true resumes it' })
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;
}

/** The range [from, to): a slot at `from` runs, one at `to` does not. */
export class BackfillDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the range, inclusive: a slot at this very time runs. With its time zone, e.g. 2026-01-31T12:00:00Z' })
  @IsDateTimeWithZone('from')
  from!: string;

  @ApiProperty({ format: 'date-time', description: 'End of the range, exclusive: a slot at this very time does not run. With its time zone, e.g. 2026-01-31T12:00:00Z' })
  @IsDateTimeWithZone('to')
  to!: string;
}

export class RunNowDto {
  @ApiProperty({ description: 'false when a harvest of the instrument is already running (nothing was started)' }) started!: boolean;
  @ApiProperty() message!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run already going, when started is false' }) activeRunId!: string | null;
}

export class ScheduleQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('instrumentId')
  instrumentId?: string;

  @ApiPropertyOptional()
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'false: schedules Temporal does not have yet' })
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'synced must be true or false' })
  synced?: boolean;
}
