import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ApiError } from '@sheaf/contracts';
import { DomainError } from './domain-error';

const STATUS_OF_KIND: Record<DomainError['kind'], number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
};

function codeOfStatus(status: number): string {
  return (HttpStatus[status] ?? 'error').toLowerCase();
}

/** The one exception filter: every error leaves as `{ statusCode, code, message, field? }`. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request & { id?: string }>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) {
      this.logger.error(
        { requestId: request.id, method: request.method, path: request.url, err: exception instanceof Error ? exception.stack : exception },
        'unhandled error',
      );
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiError {
    if (exception instanceof DomainError) {
      return { statusCode: STATUS_OF_KIND[exception.kind], code: exception.code, message: exception.message, field: exception.field };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message =
        typeof raw === 'string' ? raw : typeof raw === 'object' && raw && 'message' in raw ? String((raw as { message: unknown }).message) : exception.message;
      return { statusCode: status, code: codeOfStatus(status), message };
    }
    return { statusCode: 500, code: 'internal_error', message: 'Internal server error' };
  }
}
