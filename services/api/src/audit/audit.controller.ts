import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Page } from '@sheaf/contracts';
import { PageOf } from '../common/pagination';
import { AdminOnly } from '../common/public.decorator';
import { AuditEventDto, AuditQueryDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: PageOf(AuditEventDto) })
  listAuditEvents(@Query() query: AuditQueryDto): Promise<Page<AuditEventDto>> {
    return this.audit.list(query);
  }
}
