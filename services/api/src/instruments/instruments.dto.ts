import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { HARVEST_PHASES, HARVEST_STATUSES, SOURCE_TYPES, STORAGE_TYPES, type HarvestPhase, type HarvestStatus, type SourceType, type StorageType } from '@sheaf/contracts';
import { PrincipalRefDto } from '../access/access.dto';
import { SoftDeletePageQueryDto, ToBoolean } from '../common/query';
import { IsUuid, OptionalField } from '../common/validation';

export const INSTRUMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SOURCE_DOC =
  'Per source type: local `{ path }` (absolute); smb `{ host, port?, share, path? }` (needs serviceAccountId); ' +
  "rclone `{ remote }` (an rclone path such as 'remote:folder' or ':sftp,host=example.org:data').";
const MAX_MIN_AGE = 30 * 24 * 3600;

export class DestinationDto {
  @ApiProperty({ format: 'uuid' }) storageLocationId!: string;
  @ApiProperty() storageLocationName!: string;
  @ApiProperty({ enum: STORAGE_TYPES }) storageType!: StorageType;
  @ApiProperty({ example: '{instrument}/{path}' }) pathTemplate!: string;
}

export class RunSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: HARVEST_STATUSES }) status!: HarvestStatus;
  @ApiProperty({ enum: HARVEST_PHASES }) phase!: HarvestPhase;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt!: Date | null;
}

export class InstrumentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() location!: string;
  @ApiProperty({ enum: SOURCE_TYPES }) sourceType!: SourceType;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: `${SOURCE_DOC} An rclone remote reads '***' except to an admin's session (not an API token): a connection string may hold credentials. To an admin's session too where the API's key (SHEAF_ENCRYPTION_KEY) cannot open the sealed string (no key, or another one).`,
  })
  sourceConfig!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) serviceAccountId!: string | null;
  @ApiProperty({ type: 'integer', description: 'Quiet period: a file must be unchanged this long before it is taken' }) minAgeSeconds!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: [DestinationDto] }) destinations!: DestinationDto[];
  @ApiProperty({ type: [PrincipalRefDto], description: 'Groups and projects that see this instrument' }) grants!: PrincipalRefDto[];
  @ApiProperty({ type: RunSummaryDto, nullable: true }) lastRun!: RunSummaryDto | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class DestinationInputDto {
  @ApiProperty({ format: 'uuid' })
  @IsUuid('storageLocationId')
  storageLocationId!: string;

  @ApiPropertyOptional({
    default: '{instrument}/{path}',
    maxLength: 1024,
    description: 'Placeholders {instrument}, {path}, {dir}, {name}, {stem}, {ext}, {version}',
  })
  @OptionalField()
  @IsString()
  @MaxLength(1024)
  pathTemplate?: string;
}

export class CreateInstrumentDto {
  @ApiProperty({ example: 'krios-1', pattern: INSTRUMENT_NAME.source, description: 'Used in destination paths and workflow ids' })
  @IsString()
  @MaxLength(64)
  @Matches(INSTRUMENT_NAME, { message: 'name must start with a letter or digit and use only letters, digits, ., _ and - (at most 64)' })
  name!: string;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ example: 'Building 2, room 117', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  location?: string;

  @ApiProperty({ enum: SOURCE_TYPES })
  @IsIn(SOURCE_TYPES, { message: `sourceType must be one of ${SOURCE_TYPES.join(', ')}` })
  sourceType!: SourceType;

  @ApiProperty({ type: 'object', additionalProperties: true, description: SOURCE_DOC })
  @IsObject({ message: 'sourceConfig must be an object' })
  sourceConfig!: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Required for smb sources' })
  @IsOptional()
  @IsUuid('serviceAccountId')
  serviceAccountId?: string | null;

  @ApiPropertyOptional({ type: 'integer', default: 60, minimum: 0, maximum: MAX_MIN_AGE })
  @OptionalField()
  @IsInt({ message: 'minAgeSeconds must be an integer' })
  @Min(0, { message: 'minAgeSeconds must not be negative' })
  @Max(MAX_MIN_AGE, { message: `minAgeSeconds must be at most ${MAX_MIN_AGE}` })
  minAgeSeconds?: number;

  @ApiPropertyOptional({ default: true })
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  @ApiPropertyOptional({ type: [DestinationInputDto], maxItems: 20, description: 'Where files are delivered (each one gets every file)' })
  @OptionalField()
  @IsArray({ message: 'destinations must be an array' })
  @ArrayMaxSize(20, { message: 'destinations must have at most 20 entries' })
  @ValidateNested({ each: true })
  @Type(() => DestinationInputDto)
  destinations?: DestinationInputDto[];
}

export class UpdateInstrumentDto {
  @ApiPropertyOptional({ pattern: INSTRUMENT_NAME.source })
  @OptionalField()
  @IsString()
  @MaxLength(64)
  @Matches(INSTRUMENT_NAME, { message: 'name must start with a letter or digit and use only letters, digits, ., _ and - (at most 64)' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  location?: string;

  @ApiPropertyOptional({ enum: SOURCE_TYPES, description: 'Changing it needs sourceConfig too' })
  @OptionalField()
  @IsIn(SOURCE_TYPES, { message: `sourceType must be one of ${SOURCE_TYPES.join(', ')}` })
  sourceType?: SourceType;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `Replaces the whole source config. ${SOURCE_DOC} An rclone remote of '***' keeps the connection string stored (400 on sourceConfig.remote where none is stored).` })
  @OptionalField()
  @IsObject({ message: 'sourceConfig must be an object' })
  sourceConfig?: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'null removes it' })
  @IsOptional()
  @IsUuid('serviceAccountId')
  serviceAccountId?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_MIN_AGE })
  @OptionalField()
  @IsInt({ message: 'minAgeSeconds must be an integer' })
  @Min(0, { message: 'minAgeSeconds must not be negative' })
  @Max(MAX_MIN_AGE, { message: `minAgeSeconds must be at most ${MAX_MIN_AGE}` })
  minAgeSeconds?: number;

  @ApiPropertyOptional()
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;

  @ApiPropertyOptional({ type: [DestinationInputDto], maxItems: 20, description: 'Replaces the whole set of destinations' })
  @OptionalField()
  @IsArray({ message: 'destinations must be an array' })
  @ArrayMaxSize(20, { message: 'destinations must have at most 20 entries' })
  @ValidateNested({ each: true })
  @Type(() => DestinationInputDto)
  destinations?: DestinationInputDto[];
}

export class InstrumentQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the name, description or location', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  q?: string;

  @ApiPropertyOptional({ enum: SOURCE_TYPES })
  @OptionalField()
  @IsIn(SOURCE_TYPES, { message: `sourceType must be one of ${SOURCE_TYPES.join(', ')}` })
  sourceType?: SourceType;

  @ApiPropertyOptional()
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;

  @ApiPropertyOptional({ format: 'uuid', description: 'Instruments granted to this group' })
  @OptionalField()
  @IsUuid('groupId')
  groupId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Instruments granted to this project' })
  @OptionalField()
  @IsUuid('projectId')
  projectId?: string;
}
