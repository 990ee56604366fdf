import { ApiProperty } from '@nestjs/swagger';
import { PrincipalRefDto } from '../access/access.dto';
import { CreateGroupDto, UpdateGroupDto } from '../groups/groups.dto';

export class ProjectDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer' }) memberCount!: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt!: Date;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt!: Date | null;
}

export class ProjectDetailDto extends ProjectDto {
  @ApiProperty({ type: [PrincipalRefDto], description: 'Users and groups; a group brings all its users' }) members!: PrincipalRefDto[];
}

/** Same rules as a group's name and description. */
export class CreateProjectDto extends CreateGroupDto {}
export class UpdateProjectDto extends UpdateGroupDto {}
