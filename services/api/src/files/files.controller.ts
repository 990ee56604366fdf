import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { CurrentUser } from '../auth/current-user.decorator';
import type { Principal } from '../auth/principal';
import { PageOf } from '../common/pagination';
import { UuidParam } from '../common/params';
import { FileDetailDto, FileDto, FileQueryDto, TransferDto, TransferQueryDto } from './files.dto';
import { FilesService } from './files.service';

@ApiTags('files')
@ApiBearerAuth()
@Controller('api/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(FileDto) })
  searchFiles(@CurrentUser() user: Principal, @Query() query: FileQueryDto): Promise<Page<FileDto>> {
    return this.files.search(user, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: FileDetailDto })
  getFile(@CurrentUser() user: Principal, @UuidParam() id: string): Promise<FileDetailDto> {
    return this.files.get(user, id);
  }
}

@ApiTags('transfers')
@ApiBearerAuth()
@Controller('api/transfers')
export class TransfersController {
  constructor(private readonly files: FilesService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(TransferDto) })
  listTransfers(@CurrentUser() user: Principal, @Query() query: TransferQueryDto): Promise<Page<TransferDto>> {
    return this.files.listTransfers(user, query);
  }
}
