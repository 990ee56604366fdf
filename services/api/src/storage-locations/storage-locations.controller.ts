import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { AdminOnly } from '../common/public.decorator';
import { ConnectionTestDto } from '../locations/connection-tester.service';
import { CreateStorageLocationDto, StorageLocationDto, StorageLocationQueryDto, UpdateStorageLocationDto } from './storage-locations.dto';
import { StorageLocationsService } from './storage-locations.service';

@ApiTags('storage-locations')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/storage-locations')
export class StorageLocationsController {
  constructor(private readonly storage: StorageLocationsService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(StorageLocationDto) })
  listStorageLocations(@Query() query: StorageLocationQueryDto): Promise<Page<StorageLocationDto>> {
    return this.storage.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: StorageLocationDto })
  getStorageLocation(@UuidParam() id: string): Promise<StorageLocationDto> {
    return this.storage.get(id);
  }

  @Post()
  @ApiCreatedResponse({ type: StorageLocationDto })
  createStorageLocation(@CurrentUser() actor: Principal, @Body() body: CreateStorageLocationDto): Promise<StorageLocationDto> {
    return this.storage.create(actor, body);
  }

  @Patch(':id')
  @ApiOkResponse({ type: StorageLocationDto })
  updateStorageLocation(@CurrentUser() actor: Principal, @UuidParam() id: string, @Body() body: UpdateStorageLocationDto): Promise<StorageLocationDto> {
    return this.storage.update(actor, id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: StorageLocationDto })
  deleteStorageLocation(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<StorageLocationDto> {
    return this.storage.remove(actor, id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOkResponse({ type: StorageLocationDto })
  restoreStorageLocation(@CurrentUser() actor: Principal, @UuidParam() id: string): Promise<StorageLocationDto> {
    return this.storage.restore(actor, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @ApiOkResponse({ type: ConnectionTestDto, description: 'The result of the test; a failed test is `ok: false`, not an error' })
  testStorageLocation(@UuidParam() id: string): Promise<ConnectionTestDto> {
    return this.storage.test(id);
  }
}
