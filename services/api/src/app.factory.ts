import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { ApiError } from '@sheaf/contracts';
import { AppModule } from './app.module';
import { DomainError } from './common/domain-error';
import { ErrorFilter } from './common/error.filter';
import { createValidationPipe, RefuseNulPipe } from './common/validation';
import type { ApiConfig } from './config';
import { MetricsService } from './observability/metrics.service';
import { requestContext } from './observability/request-context';

export interface CreateAppOptions {
  /** false: silent (tests); default: Nest's console logger. */
  logger?: false | LoggerService;
  /** Build the module graph without instantiating providers (no database): for the OpenAPI writer. */
  preview?: boolean;
}

/**
 * `/ark%3A99999/...` as some clients send it is `/ark:99999/...`. An ARK path with a malformed
 * escape goes on with its `%` escaped: the router would answer 400 for it, the resolver answers
 * 404 like for any other string that is not an ARK.
 */
function decodeArkPrefix(request: Request, _response: Response, next: NextFunction): void {
  if (/^\/ark%3a/i.test(request.url)) request.url = `/ark:${request.url.slice('/ark%3A'.length)}`;
  if (/^\/ark:/i.test(request.url)) {
    const [path, ...search] = request.url.split('?');
    if (!decodes(path)) request.url = [path.replace(/%/g, '%25'), ...search].join('?');
  }
  next();
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** Bodies the API reads: JSON, also under a structured-syntax type (application/merge-patch+json). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A body of any other type (text/plain, as fetch sends a string without a Content-Type; a form)
 * would be read as no body at all, `{}`: a PATCH would answer 200 having changed nothing. Refused
 * instead. An empty body (Content-Length: 0, as restore, run and cancel are sent) needs no type.
 */
function refuseNonJsonBodies(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
  if (hasBody && !request.is(JSON_TYPES)) {
    next(new DomainError('unsupported_media_type', 'unsupported_media_type', 'The request body must be JSON, sent with Content-Type: application/json', 'Content-Type'));
    return;
  }
  next();
}

/** Builds the application exactly as main.ts serves it; tests and the OpenAPI writer use it too. */
export async function createApp(config: ApiConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: options.logger,
    bufferLogs: false,
    preview: options.preview,
    abortOnError: false,
    // Only JSON, registered below after the check that refuses other bodies.
    bodyParser: false,
  });
  if (!options.preview) app.use(requestContext(app.get(MetricsService)));
  app.use(decodeArkPrefix);
  app.use(refuseNonJsonBodies);
  app.useBodyParser('json', { type: JSON_TYPES });
  app.useGlobalPipes(new RefuseNulPipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks();
  // Whose X-Forwarded-For names the client: the login limit keys on the address it gives.
  app.set('trust proxy', config.api.trustProxy);
  return app;
}

/** The body of every error answer, as ErrorFilter writes it; typed so a new ApiError field is documented too. */
const API_ERROR_PROPERTIES: Record<keyof ApiError, SchemaObject> = {
  statusCode: { type: 'integer', description: 'The HTTP status', example: 400 },
  code: { type: 'string', description: 'What went wrong, for programs (validation_failed, not_found, conflict, ...)', example: 'validation_failed' },
  message: { type: 'string', description: 'What went wrong, for people', example: 'limit must be an integer' },
  field: { type: 'string', description: 'The body field (a.b[0].c), query or path parameter, or header at fault, when one is', example: 'limit' },
  runId: {
    type: 'string',
    format: 'uuid',
    description:
      "With code harvest_running: the instrument's active run, to follow instead (absent while another request is only starting one). " +
      'With temporal_unavailable or temporal_refused from POST /api/harvests: the run recorded for the request, closed as failed as its workflow could not start (a retry records another)',
  },
};
const API_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'Every error answer',
  required: ['statusCode', 'code', 'message'] satisfies Array<keyof ApiError>,
  properties: API_ERROR_PROPERTIES,
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;
/** Error statuses a controller documents whose body is not an ApiError: /ready's 503 is its readiness. */
const NOT_API_ERRORS = new Set(['getReadiness 503']);

/**
 * Errors, in one place: every operation's `default` answer is an ApiError, and so is every error
 * status a controller documents (with a description only).
 */
function documentErrors(document: OpenAPIObject): OpenAPIObject {
  const content = { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } };
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ApiError: API_ERROR_SCHEMA } };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400 || !response || '$ref' in response || response.content) continue;
        if (!NOT_API_ERRORS.has(`${operation.operationId} ${status}`)) response.content = content;
      }
      operation.responses.default = { description: 'Any other answer: an error', content };
    }
  }
  return document;
}

export function buildOpenApi(app: NestExpressApplication): OpenAPIObject {
  const document = new DocumentBuilder()
    .setTitle('Sheaf API')
    .setDescription(
      'Harvest scientific-instrument data: configuration, harvests, files and ARKs. Authenticate with a session token from ' +
        '`POST /api/auth/login` or an API token (`sheaf_...`), both as `Authorization: Bearer <token>`. Errors are ' +
        '`{ statusCode, code, message, field? }` (ApiError). Out-of-scope instruments, runs and files answer 404.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return documentErrors(
    SwaggerModule.createDocument(app, document, {
      operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
    }),
  );
}
