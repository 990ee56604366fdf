import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { ConnectionTestDto } from '../locations/connection-tester.service';
import { CreateInstrumentDto, InstrumentDto, InstrumentQueryDto, UpdateInstrumentDto } from './instruments.dto';
import { InstrumentsService } from './instruments.service';

@ApiTags('instruments')
@ApiBearerAuth()
@Controller('api/instruments')
export class InstrumentsController {
  constructor(private readonly instruments: InstrumentsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(InstrumentDto), description: 'Users see the instruments granted to their groups and projects' })
  listInstruments(@CurrentUser() user: Principal, @Query() query: InstrumentQueryDto): Promise<Page<InstrumentDto>> {
    return this.instruments.list(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: InstrumentDto })
  getInstrument(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<InstrumentDto> {
    return this.instruments.get(user, id);
  }

  @Post()
  @AdminOnly()
  @ApiCreatedResponse({ type: InstrumentDto })
  createInstrument(@CurrentUser() actor: Principal, @Body() body: CreateInstrumentDto): Promise<InstrumentDto> {
    return this.instruments.create(actor, body);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  updateInstrument(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateInstrumentDto): Promise<InstrumentDto> {
    return this.instruments.update(actor, id, body);
  }

  @Delete(':id')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  deleteInstrument(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<InstrumentDto> {
    return this.instruments.remove(actor, id);
  }

  @Post(':id/restore')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: InstrumentDto })
  @ApiConflictResponse({
    description: 'A live instrument has its name (`name_taken`), or a storage location it delivers to, or its service account, is deleted (`destination_deleted`, `service_account_deleted`)',
  })
  restoreInstrument(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<InstrumentDto> {
    return this.instruments.restore(actor, id);
  }

  @Post(':id/test')
  @AdminOnly()
  @HttpCode(200)
  @ApiOkResponse({ type: ConnectionTestDto, description: 'Lists the source; a failed listing is `ok: false`, not an error' })
  testInstrument(@UuidParam() id: string): Promise<ConnectionTestDto> {
    return this.instruments.test(id);
  }

  @Put(':id/grants/groups/:groupId')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  grantInstrumentToGroup(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('groupId') groupId: string): Promise<InstrumentDto> {
    return this.instruments.grant(actor, id, 'group', groupId);
  }

  @Delete(':id/grants/groups/:groupId')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  revokeInstrumentFromGroup(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('groupId') groupId: string): Promise<InstrumentDto> {
    return this.instruments.revoke(actor, id, 'group', groupId);
  }

  @Put(':id/grants/projects/:projectId')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  grantInstrumentToProject(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('projectId') projectId: string): Promise<InstrumentDto> {
    return this.instruments.grant(actor, id, 'project', projectId);
  }

  @Delete(':id/grants/projects/:projectId')
  @AdminOnly()
  @ApiOkResponse({ type: InstrumentDto })
  revokeInstrumentFromProject(@CurrentUser() actor: Principal, @UuidParam() id: string, @UuidParam('projectId') projectId: string): Promise<InstrumentDto> {
    return this.instruments.revoke(actor, id, 'project', projectId);
  }
}
