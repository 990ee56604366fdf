import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { PASSWORD_MAX_BYTES, PASSWORD_MAX_BYTES_RULE, PASSWORD_MIN, ROLES, TOKEN_SCOPES, type LoginRequest, type LoginResponse, type Role, type TokenScope, type UserSummary } from '@sheaf/contracts';
import { MaxChars, NotBlank, OptionalField } from '../common/validation';

/** The longest password a login may try (stored ones are at most PASSWORD_MAX_BYTES). */
export const PASSWORD_MAX = 1024;
export const PASSWORD_MAX_BYTES_DOC = `A new password must be ${PASSWORD_MAX_BYTES_RULE}`;

/** A password being set: refused when longer than bcrypt reads, rather than cut short without a word. Non-strings are IsString's to refuse. */
export const MaxPasswordBytes = (field: string) =>
  ValidateBy({
    name: 'maxPasswordBytes',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= PASSWORD_MAX_BYTES,
      defaultMessage: () => `${field} must be ${PASSWORD_MAX_BYTES_RULE}`,
    },
  });

export class LoginDto implements LoginRequest {
  @ApiProperty({ example: 'admin@sheaf.local', maxLength: 320 })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiProperty({ minLength: 1, maxLength: PASSWORD_MAX })
  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(PASSWORD_MAX)
  password!: string;
}

export class UserSummaryDto implements UserSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

export class LoginResponseDto implements LoginResponse {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ type: 'integer', description: 'Seconds until the token expires' }) expiresIn!: number;
  @ApiProperty({ type: UserSummaryDto }) user!: UserSummaryDto;
}

/** What a user may change about themselves: never their role. */
export class UpdateMeDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('displayName')
  @MaxLength(255)
  displayName?: string;

  @ApiPropertyOptional({ description: 'Required to set newPassword', maxLength: PASSWORD_MAX })
  @OptionalField()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  currentPassword?: string;

  @ApiPropertyOptional({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX_BYTES, description: PASSWORD_MAX_BYTES_DOC })
  @OptionalField()
  @IsString()
  @MinLength(PASSWORD_MIN, { message: `newPassword must be at least ${PASSWORD_MIN} characters` })
  @MaxPasswordBytes('newPassword')
  newPassword?: string;
}

export class CreateApiTokenDto {
  @ApiProperty({ example: 'LIMS integration', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('name')
  @MaxChars('name', 255)
  name!: string;

  @ApiProperty({ enum: TOKEN_SCOPES, description: 'read: GET routes only; harvest: also start and cancel harvests' })
  @IsIn(TOKEN_SCOPES, { message: `scope must be one of ${TOKEN_SCOPES.join(', ')}` })
  scope!: TokenScope;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 3650, description: 'Days until the token expires; never when absent' })
  @OptionalField()
  @IsInt({ message: 'expiresInDays must be an integer' })
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

export class ApiTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'The first characters of the token, to recognise it' }) prefix!: string;
  @ApiProperty({ enum: TOKEN_SCOPES }) scope!: TokenScope;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastUsedAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revokedAt!: Date | null;
}

export class CreatedApiTokenDto extends ApiTokenDto {
  @ApiProperty({ description: 'The token itself: shown only in this response. Send it as `Authorization: Bearer <token>`.' })
  token!: string;
}
