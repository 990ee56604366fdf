import { Controller, Get, Header, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { notFound } from '../common/domain-error';
import { Public } from '../common/public.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Prometheus text exposition; unauthenticated like /health (restrict it at the network edge).
   * Only at exactly /metrics: Express also routes /metrics/ and /METRICS here, which an edge rule
   * for the exact path (the k8s ingress sends it to the portal) would let through.
   */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus metrics', schema: { type: 'string' } })
  getMetrics(@Req() request: Request): Promise<string> {
    if (request.path !== '/metrics') throw notFound('Route');
    return this.metrics.render();
  }
}
