import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { FILE_STATUSES, type FileStatus } from '@sheaf/db';
import { STORAGE_TYPES, type StorageType } from '@sheaf/contracts';
import { PageQueryDto } from '../common/pagination';
import { DateFilter, IsUuid, OptionalField } from '../common/validation';

const TRANSFER_STATUSES = ['verified', 'mismatch', 'failed'] as const;

export class FileDto {
  @ApiProperty({ format: 'uuid', description: 'The file version' }) id!: string;
  @ApiProperty({ format: 'uuid' }) instrumentId!: string;
  @ApiProperty() instrumentName!: string;
  @ApiProperty({ description: "Relative to the instrument's source root" }) path!: string;
  @ApiProperty({ description: 'The last segment of the path' }) name!: string;
  @ApiProperty({ type: 'integer', format: 'int64' }) size!: number;
  @ApiProperty({ type: String, format: 'date-time', description: 'Modification time at the source (acquisition time)' }) mtime!: Date;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ enum: FILE_STATUSES }) status!: FileStatus;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) ark!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<string, string>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) verifiedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
}

export class FileVersionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) size!: number;
  @ApiProperty({ type: String, format: 'date-time' }) mtime!: Date;
  @ApiProperty({ enum: FILE_STATUSES }) status!: FileStatus;
  @ApiProperty({ type: String, nullable: true }) sha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) ark!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid' }) storageLocationId!: string;
  @ApiProperty() storageLocationName!: string;
  @ApiProperty({ enum: STORAGE_TYPES }) storageType!: StorageType;
  @ApiProperty({ description: "Relative to the storage location's root" }) destinationPath!: string;
  @ApiProperty({ enum: ['verified', 'failed'] }) status!: 'verified' | 'failed';
  @ApiProperty({ example: 'sha256' }) algorithm!: string;
  @ApiProperty({ type: String, nullable: true }) sourceSha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) destinationSha256!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) verifiedAt!: Date | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the copy here failed (null once verified); the next run tries again' }) reason!: string | null;
}

export class TransferDto {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty({ format: 'uuid' }) fileVersionId!: string;
  @ApiProperty() path!: string;
  @ApiProperty({ format: 'uuid' }) instrumentId!: string;
  @ApiProperty({ format: 'uuid' }) storageLocationId!: string;
  @ApiProperty() storageLocationName!: string;
  @ApiProperty({ type: 'integer' }) attempt!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) bytes!: number;
  @ApiProperty({ type: 'integer' }) durationMs!: number;
  @ApiProperty({ type: String, nullable: true }) sourceSha256!: string | null;
  @ApiProperty({ type: String, nullable: true }) destinationSha256!: string | null;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status!: (typeof TRANSFER_STATUSES)[number];
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
}

export class FileAccessDto {
  @ApiProperty({ type: [String] }) groups!: string[];
  @ApiProperty({ type: [String] }) projects!: string[];
}

export class FileDetailDto extends FileDto {
  @ApiProperty({ type: String, nullable: true, description: 'Why the file is held, skipped or failed; for a verified file, why its post-hooks are still owed' }) reason!: string | null;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ type: FileAccessDto, description: 'Groups and projects the access hook granted, by name' }) access!: FileAccessDto;
  @ApiProperty({ description: "The caller may open the file's instrument and its runs (false when only the access hook granted the file)" }) instrumentVisible!: boolean;
  @ApiProperty({
    type: [FileVersionSummaryDto],
    description: 'The newest 100 versions of this path the caller may see, newest first (this version among them only when it is one of those 100)',
  })
  versions!: FileVersionSummaryDto[];
  @ApiProperty({ description: 'Older versions of this path the caller may see are left out of versions (it lists the newest 100)' }) versionsTruncated!: boolean;
  @ApiProperty({ type: [DeliveryDto], description: 'Where this version landed, with both hashes' }) deliveries!: DeliveryDto[];
  @ApiProperty({ type: [TransferDto], description: 'Copy attempts of this version, newest first (up to 100)' }) transfers!: TransferDto[];
}

/** Orders of the file search, each backed by an index (id breaks ties, so pages are stable). */
export const FILE_SORTS = ['newest', 'oldest', 'acquired-newest', 'acquired-oldest', 'verified-newest', 'verified-oldest', 'path'] as const;
export type FileSort = (typeof FILE_SORTS)[number];

export class FileQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: FILE_SORTS,
    default: 'newest',
    description:
      'newest/oldest: when catalogued; acquired-newest/acquired-oldest: source modification time; verified-newest/verified-oldest: when verified (verified files only); path: A to Z',
  })
  @OptionalField()
  @IsIn(FILE_SORTS, { message: `sort must be one of ${FILE_SORTS.join(', ')}` })
  sort?: FileSort;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('instrumentId')
  instrumentId?: string;

  @ApiPropertyOptional({ description: 'Part of the path (case-insensitive)', minLength: 1, maxLength: 1024 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'path must not be empty' })
  @MaxLength(1024)
  path?: string;

  @ApiPropertyOptional({ description: 'Paths starting with this folder or prefix (case-sensitive)', minLength: 1, maxLength: 1024 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'pathPrefix must not be empty' })
  @MaxLength(1024)
  pathPrefix?: string;

  @ApiPropertyOptional({ description: 'Part of the file name (case-insensitive)', minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ example: 'ark:99999/fk4bc7d2x59', description: 'An ARK in any accepted spelling (ark:/, case, hyphens); one whose check character does not match is refused (400)', minLength: 1, maxLength: 128 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'ark must not be empty' })
  @MaxLength(128)
  ark?: string;

  @ApiPropertyOptional({ description: 'Files whose metadata has this key', minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'metaKey must not be empty' })
  @MaxLength(255)
  metaKey?: string;

  @ApiPropertyOptional({ description: 'With metaKey: files whose metadata maps the key to exactly this value', maxLength: 1024 })
  @ValidateIf((o: FileQueryDto) => o.metaValue !== undefined)
  @IsString()
  @MaxLength(1024)
  metaValue?: string;

  @ApiPropertyOptional({ enum: FILE_STATUSES })
  @OptionalField()
  @IsIn(FILE_STATUSES, { message: `status must be one of ${FILE_STATUSES.join(', ')}` })
  status?: FileStatus;

  @ApiPropertyOptional({ description: 'Exact SHA-256 (hex)', pattern: '^[0-9a-fA-F]{64}$' })
  @OptionalField()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex digits' })
  sha256?: string;

  @DateFilter('from', 'Modified (acquired) at or after')
  from?: string;

  @DateFilter('to', 'Modified (acquired) before', 'from')
  to?: string;

  @DateFilter(
    'verifiedFrom',
    'Verified at or after (verified files only). verifiedAt is when the transaction that verified the file began; the file is listed once it commits, normally within seconds, so a client reading what is new asks from the last verifiedAt it saw less a margin (5 minutes) and skips the ids it has',
  )
  verifiedFrom?: string;

  @DateFilter('verifiedTo', 'Verified before (verified files only)', 'verifiedFrom')
  verifiedTo?: string;
}

export class TransferQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('runId')
  runId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('fileVersionId')
  fileVersionId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('instrumentId')
  instrumentId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('storageLocationId')
  storageLocationId?: string;

  @ApiPropertyOptional({ enum: TRANSFER_STATUSES })
  @OptionalField()
  @IsIn(TRANSFER_STATUSES, { message: `status must be one of ${TRANSFER_STATUSES.join(', ')}` })
  status?: (typeof TRANSFER_STATUSES)[number];

  @DateFilter('from', 'Copy attempts made at or after')
  from?: string;

  @DateFilter('to', 'Copy attempts made before', 'from')
  to?: string;
}
