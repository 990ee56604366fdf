import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { HOOK_KINDS, HOOK_PHASES, type HookKind, type HookPhase } from '@sheaf/hooks';
import { SoftDeletePageQueryDto, ToBoolean } from '../common/query';
import { IsUuid, NotBlank, OptionalField } from '../common/validation';

const KINDS = [...HOOK_KINDS];
const PHASES = [...HOOK_PHASES];
const CONFIG_DOC = 'Validated against the kind’s JSON Schema (GET /api/hooks/kinds)';

export class HookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PHASES }) phase!: HookPhase;
  @ApiProperty({ enum: KINDS }) kind!: HookKind;
  @ApiProperty({ type: 'object', additionalProperties: true, description: CONFIG_DOC }) config!: Record<string, unknown>;
  @ApiProperty({ description: 'A webhook signing secret is stored (it is never returned)' }) hasSecret!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the stored config fails today’s checks (it was saved under older rules), or null; harvests hold the files such a hook would see',
  })
  configProblem!: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: applies to every instrument' }) instrumentId!: string | null;
  @ApiProperty({ type: 'integer', description: 'Lower runs first' }) priority!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class HookKindDto {
  @ApiProperty({ enum: KINDS }) kind!: HookKind;
  @ApiProperty({ enum: PHASES, isArray: true, description: 'Phases the kind may run in' }) phases!: HookPhase[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema (draft 2020-12) of the config' }) schema!: object;
  @ApiProperty({ description: 'Whether the kind uses a secret (the webhook signing key)' }) usesSecret!: boolean;
}

export class CreateHookDto {
  @ApiProperty({ example: 'skip temporary files', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  name!: string;

  @ApiProperty({ enum: PHASES })
  @IsIn(PHASES, { message: `phase must be one of ${PHASES.join(', ')}` })
  phase!: HookPhase;

  @ApiProperty({ enum: KINDS })
  @IsIn(KINDS, { message: `kind must be one of ${KINDS.join(', ')}` })
  kind!: HookKind;

  @ApiProperty({ type: 'object', additionalProperties: true, description: CONFIG_DOC })
  @IsObject({ message: 'config must be an object' })
  config!: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, minLength: 16, maxLength: 4096, description: 'Webhooks: the HMAC-SHA256 signing key; encrypted at rest, never returned' })
  @OptionalField()
  @IsString()
  @MinLength(16, { message: 'secret must be at least 16 characters' })
  @MaxLength(4096)
  secret?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'Omit or null for every instrument' })
  @IsOptional()
  @IsUuid('instrumentId')
  instrumentId?: string | null;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 0, maximum: 10000 })
  @OptionalField()
  @IsInt({ message: 'priority must be an integer' })
  @Min(0)
  @Max(10000)
  priority?: number;

  @ApiPropertyOptional({ default: true })
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;
}

/** The kind cannot change: create another hook instead. */
export class UpdateHookDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({ enum: PHASES })
  @OptionalField()
  @IsIn(PHASES, { message: `phase must be one of ${PHASES.join(', ')}` })
  phase?: HookPhase;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: `Replaces the whole config. ${CONFIG_DOC}` })
  @OptionalField()
  @IsObject({ message: 'config must be an object' })
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ writeOnly: true, minLength: 16, maxLength: 4096, description: 'Omit to keep the stored secret' })
  @OptionalField()
  @IsString()
  @MinLength(16, { message: 'secret must be at least 16 characters' })
  @MaxLength(4096)
  secret?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'null: every instrument' })
  @IsOptional()
  @IsUuid('instrumentId')
  instrumentId?: string | null;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 10000 })
  @OptionalField()
  @IsInt({ message: 'priority must be an integer' })
  @Min(0)
  @Max(10000)
  priority?: number;

  @ApiPropertyOptional()
  @OptionalField()
  @IsBoolean({ message: 'enabled must be a boolean' })
  enabled?: boolean;
}

export class HookQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ enum: PHASES })
  @OptionalField()
  @IsIn(PHASES, { message: `phase must be one of ${PHASES.join(', ')}` })
  phase?: HookPhase;

  @ApiPropertyOptional({ enum: KINDS })
  @OptionalField()
  @IsIn(KINDS, { message: `kind must be one of ${KINDS.join(', ')}` })
  kind?: HookKind;

  @ApiPropertyOptional({ format: 'uuid', description: 'Hooks that apply to this instrument (its own and the global ones)' })
  @OptionalField()
  @IsUuid('instrumentId')
  instrumentId?: string;

  @ApiPropertyOptional()
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}
