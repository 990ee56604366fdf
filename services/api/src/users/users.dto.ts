import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@sheaf/contracts';
import { PASSWORD_MAX_BYTES, PASSWORD_MIN } from '@sheaf/contracts';
import { MaxPasswordBytes, PASSWORD_MAX_BYTES_DOC } from '../auth/auth.dto';
import { SoftDeletePageQueryDto, ToBoolean } from '../common/query';
import { NotBlank, OptionalField } from '../common/validation';

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class CreateUserDto {
  @ApiProperty({ example: 'grace@example.org', maxLength: 320 })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiProperty({ example: 'Grace Hopper', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('displayName')
  @MaxLength(255)
  displayName!: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'user' })
  @OptionalField()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;

  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX_BYTES, writeOnly: true, description: PASSWORD_MAX_BYTES_DOC })
  @IsString()
  @MinLength(PASSWORD_MIN, { message: `password must be at least ${PASSWORD_MIN} characters` })
  @MaxPasswordBytes('password')
  password!: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ maxLength: 320 })
  @OptionalField()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('displayName')
  @MaxLength(255)
  displayName?: string;

  @ApiPropertyOptional({ enum: ROLES, description: 'Nobody may change their own role. Refused (409 `last_admin`) for the only active admin' })
  @OptionalField()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;

  @ApiPropertyOptional({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX_BYTES,
    writeOnly: true,
    description:
      "Sets another user's password (one's own: 403 `own_password`, use PATCH /api/auth/me, which asks for the current one). " +
      "Ends the user's sessions; their API tokens keep working: revoke them with DELETE /api/users/{id}/tokens/{tokenId}, or disable the user. " +
      PASSWORD_MAX_BYTES_DOC,
  })
  @OptionalField()
  @IsString()
  @MinLength(PASSWORD_MIN, { message: `password must be at least ${PASSWORD_MIN} characters` })
  @MaxPasswordBytes('password')
  password?: string;

  @ApiPropertyOptional({
    description:
      'true: the user cannot log in, their sessions end and their API tokens are revoked, for good: enabling them again (false) lets them log in and brings back neither. Sent for a user already disabled, it ends and revokes again whatever is left. Refused (409 `last_admin`) for the only active admin',
  })
  @OptionalField()
  @IsBoolean({ message: 'disabled must be a boolean' })
  disabled?: boolean;
}

export class UserQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the email or display name', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  q?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @OptionalField()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;

  @ApiPropertyOptional()
  @OptionalField()
  @ToBoolean()
  @IsBoolean({ message: 'disabled must be true or false' })
  disabled?: boolean;
}
