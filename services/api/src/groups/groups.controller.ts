import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { CreateGroupDto, GroupDetailDto, GroupDto, NamedQueryDto, UpdateGroupDto } from './groups.dto';
import { GroupsService } from './groups.service';

@ApiTags('groups')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/groups')
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(GroupDto) })
  listGroups(@Query() query: NamedQueryDto): Promise<Page<GroupDto>> {
    return this.groups.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: GroupDetailDto })
  getGroup(@UuidParam() id: string): Promise<GroupDetailDto> {
    return this.groups.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: GroupDetailDto })
  createGroup(@CurrentUser() actor: Principal, @Body() body: CreateGroupDto): Promise<GroupDetailDto> {
    return this.groups.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: GroupDetailDto })
  updateGroup(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateGroupDto): Promise<GroupDetailDto> {
    return this.groups.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: GroupDetailDto })
  deleteGroup(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<GroupDetailDto> {
    return this.groups.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: GroupDetailDto })
  restoreGroup(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<GroupDetailDto> {
    return this.groups.restore(actor, id);
  }

  @Put(':id/members/:userId')
  @ApiOkResponse({ type: GroupDetailDto, description: 'Adding a member twice is harmless' })
  addGroupMember(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('userId') userId: string): Promise<GroupDetailDto> {
    return this.groups.addMember(actor, id, userId);
  }

  @Delete(':id/members/:userId')
  @ApiOkResponse({ type: GroupDetailDto })
  removeGroupMember(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('userId') userId: string): Promise<GroupDetailDto> {
    return this.groups.removeMember(actor, id, userId);
  }
}
