import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { MetricsService } from './metrics.service';

export type RequestWithId = Request & { id?: string; user?: { id: string } };

const INCOMING_ID = /^[\w.:-]{1,128}$/;

/**
 * First middleware of every request: a request id (the caller's `X-Request-Id` when sane, else a
 * new UUID) on the request and the response, one structured log line when the response is
 * done, and the latency histogram by route template.
 */
export function requestContext(metrics: MetricsService) {
  const logger = new Logger('http');
  return (request: RequestWithId, response: Response, next: NextFunction): void => {
    const incoming = request.header('x-request-id');
    request.id = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    response.setHeader('X-Request-Id', request.id);
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.http.observe({ method: request.method, route, status: String(response.statusCode) }, seconds);
      logger.log({
        msg: 'request',
        requestId: request.id,
        method: request.method,
        route,
        path: request.path,
        status: response.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        userId: request.user?.id,
      });
    });
    next();
  };
}
