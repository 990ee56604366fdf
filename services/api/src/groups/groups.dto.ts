import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { NAME_PATTERN } from '@sheaf/contracts';
import { IsIn, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { GRANTS_BY_NAME_CHOICES, type GrantsByNameChoice } from '../access/name-grants';
import { UserSummaryDto } from '../auth/auth.dto';
import { SoftDeletePageQueryDto } from '../common/query';
import { MaxChars, OptionalField } from '../common/validation';


export class GroupDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer' }) memberCount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class GroupDetailDto extends GroupDto {
  @ApiProperty({ type: [UserSummaryDto] }) members!: UserSummaryDto[];
}

export class CreateGroupDto {
  @ApiProperty({ example: 'microscopy', minLength: 1, maxLength: 255, description: 'Unique (ignoring case); access hooks refer to it' })
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxChars('name', 255)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with a space or contain a comma' })
  name!: string;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxChars('name', 255)
  @Matches(NAME_PATTERN, { message: 'name must not start or end with a space or contain a comma' })
  name?: string;

  @ApiPropertyOptional({
    enum: GRANTS_BY_NAME_CHOICES,
    description:
      'With a new name, when access hooks or the files they granted name the old one (access by name): `rename` the name there too, ' +
      'or `keep` the old name there (the members lose that access). Without it, such a rename is refused (409 granted_by_name).',
  })
  @OptionalField()
  @IsIn(GRANTS_BY_NAME_CHOICES, { message: `grantsByName must be one of ${GRANTS_BY_NAME_CHOICES.join(', ')}` })
  grantsByName?: GrantsByNameChoice;

  @ApiPropertyOptional({ maxLength: 4000 })
  @OptionalField()
  @IsString()
  @MaxLength(4000)
  description?: string;
}

export class NamedQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the name', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  q?: string;
}
