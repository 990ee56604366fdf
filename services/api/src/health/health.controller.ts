import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { HealthResponse, ReadinessResponse } from '@sheaf/contracts';
import { Public } from '../common/public.decorator';
import { HealthService } from './health.service';

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

  /** Readiness: PostgreSQL and Temporal both answer; 503 otherwise. */
  @Get('ready')
  @ApiOkResponse({ description: 'Database and Temporal reachable' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is unreachable; `checks` says which' })
  async getReadiness(@Res({ passthrough: true }) res: Response): Promise<ReadinessResponse> {
    const readiness = await this.health.readiness();
    res.status(readiness.status === 'ready' ? 200 : 503);
    return readiness;
  }
}
