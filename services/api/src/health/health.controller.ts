import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Response } from 'express';
import type { HealthResponse, ReadinessResponse } from '@sheaf/contracts';
import { Public } from '../common/public.decorator';
import { OptionalField } from '../common/validation';
import { HealthService } from './health.service';

export class ReadinessQueryDto {
  @ApiPropertyOptional({
    enum: ['all', 'database'],
    default: 'all',
    description:
      'What must answer for 200: all (PostgreSQL and Temporal), or the database alone (a load balancer\'s probe: ' +
      'without Temporal the API still serves the portal, files and ARKs, and answers 503 where it needs Temporal)',
  })
  @OptionalField()
  @IsIn(['all', 'database'], { message: 'require must be all or database' })
  require?: 'all' | 'database';
}

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the process answers. */
  @Get('health')
  @ApiOkResponse({ description: 'The process is alive' })
  getHealth(): HealthResponse {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and Temporal both answer (or the database alone, when asked); 503 otherwise. */
  @Get('ready')
  @ApiOkResponse({ description: 'Database and Temporal reachable (or the database, with require=database)' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is unreachable; `checks` says which' })
  async getReadiness(@Query() query: ReadinessQueryDto, @Res({ passthrough: true }) res: Response): Promise<ReadinessResponse> {
    const readiness = await this.health.readiness(query.require ?? 'all');
    res.status(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  }
}
