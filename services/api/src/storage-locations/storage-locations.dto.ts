import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { STORAGE_TYPES, type StorageType } from '@sheaf/contracts';
import { SoftDeletePageQueryDto } from '../common/query';
import { NotBlank, OptionalField } from '../common/validation';

const CONFIG_DOC =
  'Per type: posix/nfs `{ path }` (absolute); s3 `{ bucket, prefix?, endpoint?, region?, accessKeyId, provider? }` ' +
  '(secret: the secret access key); smb `{ host, port?, share, path?, user, domain? }` (secret: the password).';

export class StorageLocationDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: STORAGE_TYPES }) type!: StorageType;
  @ApiProperty({ type: 'object', additionalProperties: true, description: CONFIG_DOC }) config!: Record<string, unknown>;
  @ApiProperty({ description: 'A secret is stored (it is never returned)' }) hasSecret!: boolean;
  @ApiProperty({ type: 'integer', description: 'Live instruments delivering here' }) instrumentCount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class CreateStorageLocationDto {
  @ApiProperty({ example: 'archive', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  @Matches(/^[^\0\r\n]*$/, { message: 'name must not contain line breaks' })
  name!: string;

  @ApiProperty({ enum: STORAGE_TYPES })
  @IsIn(STORAGE_TYPES, { message: `type must be one of ${STORAGE_TYPES.join(', ')}` })
  type!: StorageType;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CONFIG_DOC })
  @IsObject({ message: 'config must be an object' })
  config!: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, maxLength: 4096, description: 'Required for s3 and smb; encrypted at rest, never returned' })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'secret must not be empty' })
  @MaxLength(4096)
  secret?: string;
}

/** The type cannot change: create another location instead. */
export class UpdateStorageLocationDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  @Matches(/^[^\0\r\n]*$/, { message: 'name must not contain line breaks' })
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `Replaces the whole config. ${CONFIG_DOC}` })
  @OptionalField()
  @IsObject({ message: 'config must be an object' })
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, maxLength: 4096, description: 'Omit to keep the stored secret' })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'secret must not be empty' })
  @MaxLength(4096)
  secret?: string;

  @ApiPropertyOptional({
    description:
      'With a config that changes where the files are (posix/nfs path; s3 endpoint, bucket or prefix; smb host, port, share or path): ' +
      'the files delivered so far have been moved to the new place. Without it, such a change is refused (409) once files were delivered here.',
  })
  @OptionalField()
  @IsBoolean()
  contentsMoved?: boolean;
}

export class StorageLocationQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ enum: STORAGE_TYPES })
  @OptionalField()
  @IsIn(STORAGE_TYPES, { message: `type must be one of ${STORAGE_TYPES.join(', ')}` })
  type?: StorageType;

  @ApiPropertyOptional({ description: 'Part of the name', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  q?: string;
}
