import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { CreateServiceAccountDto, ServiceAccountDto, ServiceAccountQueryDto, UpdateServiceAccountDto } from './service-accounts.dto';
import { ServiceAccountsService } from './service-accounts.service';

@ApiTags('service-accounts')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/service-accounts')
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(ServiceAccountDto) })
  listServiceAccounts(@Query() query: ServiceAccountQueryDto): Promise<Page<ServiceAccountDto>> {
    return this.accounts.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: ServiceAccountDto })
  getServiceAccount(@UuidParam() id: string): Promise<ServiceAccountDto> {
    return this.accounts.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: ServiceAccountDto })
  createServiceAccount(@CurrentUser() actor: Principal, @Body() body: CreateServiceAccountDto): Promise<ServiceAccountDto> {
    return this.accounts.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: ServiceAccountDto })
  updateServiceAccount(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateServiceAccountDto): Promise<ServiceAccountDto> {
    return this.accounts.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: ServiceAccountDto })
  deleteServiceAccount(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ServiceAccountDto> {
    return this.accounts.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: ServiceAccountDto })
  restoreServiceAccount(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<ServiceAccountDto> {
    return this.accounts.restore(actor, id);
  }
}
