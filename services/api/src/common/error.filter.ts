import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import type { ApiError } from '@sheaf/contracts';
import { LocationConfigError } from '@sheaf/rclone';
import { DomainError, type DomainErrorKind } from './domain-error';

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthorized: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
  // A service Sheaf depends on answered, and said no (Temporal refused a call).
  refused_upstream: HttpStatus.BAD_GATEWAY,
};

/**
 * PostgreSQL errors a service did not translate itself: still a client's fault, never a 500
 * (unique and foreign-key violations from races, values the database refuses), and a query
 * cancelled past the API's statement_timeout (503 query_timeout, logged as unhandled: which query).
 */
const STATUS_OF_SQLSTATE: Record<string, { statusCode: number; code: string; message: string }> = {
  '23505': { statusCode: 409, code: 'conflict', message: 'A resource with these values already exists' },
  '23503': { statusCode: 409, code: 'conflict', message: 'The resource is referenced by, or refers to, another resource' },
  '23514': { statusCode: 400, code: 'validation_failed', message: 'A value is out of range' },
  '22001': { statusCode: 400, code: 'validation_failed', message: 'A value is too long' },
  '22P02': { statusCode: 400, code: 'validation_failed', message: 'A value has the wrong format' },
  '22007': { statusCode: 400, code: 'validation_failed', message: 'A date or time has the wrong format' },
  '22008': { statusCode: 400, code: 'validation_failed', message: 'A date or time is out of range' },
  // A time zone offset out of range; PostgreSQL reads the sign of '-2024-01-01' as one.
  '22009': { statusCode: 400, code: 'validation_failed', message: 'A time zone offset is out of range' },
  '22003': { statusCode: 400, code: 'validation_failed', message: 'A number is out of range' },
  // A NUL character in text (22021) or jsonb (22P05); RefuseNulPipe catches those of a request.
  '22021': { statusCode: 400, code: 'validation_failed', message: 'A value contains a character the database cannot store' },
  '22P05': { statusCode: 400, code: 'validation_failed', message: 'A value contains a character the database cannot store' },
  // query_canceled: past the API's statement_timeout (API_STATEMENT_TIMEOUT_MS), or cancelled by an
  // operator. Not only a list's: a change may have waited for another's locks (a long rename).
  '57014': { statusCode: 503, code: 'query_timeout', message: 'The request took too long in the database (a slow query, or a wait for another change) and was cancelled; try again, or narrow the filter of a list (a longer name or path, an instrument, a date range)' },
};

function codeOfStatus(status: number): string {
  return (HttpStatus[status] ?? 'error').toLowerCase();
}

/** Errors from Express middleware (body parser): `{ status, expose, message }`. */
function isClientHttpError(err: unknown): err is { status: number; message: string; expose?: boolean } {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500;
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
    if (body.statusCode >= 500 && !(exception instanceof DomainError)) {
      this.logger.error(
        { requestId: request.id, method: request.method, path: request.originalUrl, err: exception instanceof Error ? exception.stack : exception },
        'unhandled error',
      );
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(exception.retryAfterSeconds))));
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ApiError {
    // A stored source or storage configuration rclone cannot use (shared with the worker).
    if (exception instanceof LocationConfigError) {
      return { statusCode: HttpStatus.UNPROCESSABLE_ENTITY, code: 'invalid_stored_config', message: exception.message };
    }
    if (exception instanceof DomainError) {
      const body: ApiError = { statusCode: STATUS_OF_KIND[exception.kind], code: exception.code, message: exception.message };
      if (exception.field !== undefined) body.field = exception.field;
      if (exception.runId !== undefined) body.runId = exception.runId;
      return body;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const raw = exception.getResponse();
      const message =
        typeof raw === 'string' ? raw : typeof raw === 'object' && raw && 'message' in raw ? String((raw as { message: unknown }).message) : exception.message;
      return { statusCode: status, code: codeOfStatus(status), message };
    }
    if (exception instanceof QueryFailedError) {
      const known = STATUS_OF_SQLSTATE[(exception.driverError as { code?: string } | undefined)?.code ?? ''];
      if (known) return { ...known };
    }
    if (isClientHttpError(exception)) {
      return { statusCode: exception.status, code: codeOfStatus(exception.status), message: exception.expose === false ? codeOfStatus(exception.status) : exception.message };
    }
    return { statusCode: 500, code: 'internal_error', message: 'Internal server error' };
  }
}
