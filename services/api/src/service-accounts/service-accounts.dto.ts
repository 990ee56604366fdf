import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { SoftDeletePageQueryDto } from '../common/query';
import { NotBlank, OptionalField } from '../common/validation';

const NO_CONTROL = /^[^\0\r\n]*$/;

export class ServiceAccountDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: "SMB domain; '' for WORKGROUP" }) domain!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ description: 'A password is stored (it is never returned)' }) hasPassword!: boolean;
  @ApiProperty({ type: 'integer', description: 'Live instruments that use this account' }) instrumentCount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class CreateServiceAccountDto {
  @ApiProperty({ example: 'microscopes', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'name must not contain line breaks' })
  name!: string;

  @ApiPropertyOptional({ example: 'LAB', maxLength: 255, default: '' })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'domain must not contain line breaks' })
  domain?: string;

  @ApiProperty({ example: 'svc-harvest', minLength: 1, maxLength: 255 })
  @IsString()
  @NotBlank('username')
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'username must not contain line breaks' })
  username!: string;

  @ApiProperty({ writeOnly: true, minLength: 1, maxLength: 1024, description: 'Encrypted at rest; never returned' })
  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(1024)
  password!: string;
}

export class UpdateServiceAccountDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('name')
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'name must not contain line breaks' })
  name?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'domain must not contain line breaks' })
  domain?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 255 })
  @OptionalField()
  @IsString()
  @NotBlank('username')
  @MaxLength(255)
  @Matches(NO_CONTROL, { message: 'username must not contain line breaks' })
  username?: string;

  @ApiPropertyOptional({ writeOnly: true, minLength: 1, maxLength: 1024, description: 'Omit to keep the stored password' })
  @OptionalField()
  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  @MaxLength(1024)
  password?: string;
}

export class ServiceAccountQueryDto extends SoftDeletePageQueryDto {
  @ApiPropertyOptional({ description: 'Part of the name or username', maxLength: 255 })
  @OptionalField()
  @IsString()
  @MaxLength(255)
  q?: string;
}
