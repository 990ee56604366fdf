import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { NamedQueryDto } from '../groups/groups.dto';
import { CreateProjectDto, ProjectDetailDto, ProjectDto, UpdateProjectDto } from './projects.dto';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(ProjectDto) })
  listProjects(@Query() query: NamedQueryDto): Promise<Page<ProjectDto>> {
    return this.projects.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProjectDetailDto })
  getProject(@UuidParam() id: string): Promise<ProjectDetailDto> {
    return this.projects.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: ProjectDetailDto })
  createProject(@CurrentUser() actor: Principal, @Body() body: CreateProjectDto): Promise<ProjectDetailDto> {
    return this.projects.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProjectDetailDto })
  updateProject(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateProjectDto): Promise<ProjectDetailDto> {
    return this.projects.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: ProjectDetailDto })
  deleteProject(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ProjectDetailDto> {
    return this.projects.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: ProjectDetailDto })
  restoreProject(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ProjectDetailDto> {
    return this.projects.restore(actor, id);
  }

  @Put(':id/members/users/:userId')
  @ApiOkResponse({ type: ProjectDetailDto })
  addProjectUser(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('userId') userId: string): Promise<ProjectDetailDto> {
    return this.projects.addMember(actor, id, 'user', userId);
  }

  @Delete(':id/members/users/:userId')
  @ApiOkResponse({ type: ProjectDetailDto })
  removeProjectUser(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('userId') userId: string): Promise<ProjectDetailDto> {
    return this.projects.removeMember(actor, id, 'user', userId);
  }

  @Put(':id/members/groups/:groupId')
  @ApiOkResponse({ type: ProjectDetailDto })
  addProjectGroup(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('groupId') groupId: string): Promise<ProjectDetailDto> {
    return this.projects.addMember(actor, id, 'group', groupId);
  }

  @Delete(':id/members/groups/:groupId')
  @ApiOkResponse({ type: ProjectDetailDto })
  removeProjectGroup(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('groupId') groupId: string): Promise<ProjectDetailDto> {
    return this.projects.removeMember(actor, id, 'group', groupId);
  }
}
