import { ApiProperty } from '@nestjs/swagger';

export const MEMBER_KINDS = ['user', 'group'] as const;
export const GRANTEE_KINDS = ['group', 'project'] as const;

/** A user or group in a project, or a group or project an instrument is granted to. */
export class PrincipalRefDto {
  @ApiProperty({ enum: ['user', 'group', 'project'] }) kind!: 'user' | 'group' | 'project';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: "A user's display name and email, or a group's or project's name" }) name!: string;
}
