import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { CreateHookDto, HookDto, HookKindDto, HookQueryDto, UpdateHookDto } from './hooks.dto';
import { HooksService } from './hooks.service';

@ApiTags('hooks')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/hooks')
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Get('kinds')
  @ApiOkResponse({ type: [HookKindDto], description: 'The kinds, their phases and config schemas (for the config editor)' })
  listHookKinds(): HookKindDto[] {
    return this.hooks.kinds();
  }

  @Get()
  @ApiOkResponse({ type: PageOf(HookDto) })
  listHooks(@CurrentUser() viewer: Principal, @Query() query: HookQueryDto): Promise<Page<HookDto>> {
    return this.hooks.list(viewer, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: HookDto })
  getHook(@CurrentUser() viewer: Principal, @UuidParam() id: string): Promise<HookDto> {
    return this.hooks.get(viewer, id);
  }

  @Post()
  @ApiCreatedResponse({ type: HookDto })
  createHook(@CurrentUser() actor: Principal, @Body() body: CreateHookDto): Promise<HookDto> {
    return this.hooks.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: HookDto })
  updateHook(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateHookDto): Promise<HookDto> {
    return this.hooks.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: HookDto })
  deleteHook(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<HookDto> {
    return this.hooks.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: HookDto })
  restoreHook(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<HookDto> {
    return this.hooks.restore(actor, id);
  }
}
