import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { DateFilter, IsUuid, OptionalField } from '../common/validation';

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'instrument', maxLength: 64 })
  @OptionalField()
  @IsString()
  @Matches(/^[a-z_]+$/, { message: 'entityType must be lower-case letters and underscores' })
  @MaxLength(64)
  entityType?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  entityId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalField()
  @IsUuid('actorUserId')
  actorUserId?: string;

  @ApiPropertyOptional({ example: 'instrument.updated', maxLength: 128 })
  @OptionalField()
  @IsString()
  @Matches(/^[a-z_]+\.[a-z_]+$/, { message: 'action must look like entity.verb' })
  @MaxLength(128)
  action?: string;

  @DateFilter('from', 'Events at or after')
  from?: string;

  @DateFilter('to', 'Events before', 'from')
  to?: string;
}

export class AuditEventDto {
  @ApiProperty({ description: 'Monotonic event number' }) id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) actorUserId!: string | null;
  @ApiProperty({ description: "The actor's email, or system:<component>" }) actor!: string;
  @ApiProperty({ example: 'instrument.updated' }) action!: string;
  @ApiProperty({ example: 'instrument' }) entityType!: string;
  @ApiProperty() entityId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'State before the change; secrets shown as ***' })
  before!: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'State after the change; secrets shown as ***' })
  after!: unknown;
}
