import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module';
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

/** `/ark%3A99999/...` as some clients send it is `/ark:99999/...`. */
function decodeArkPrefix(request: Request, _response: Response, next: NextFunction): void {
  if (/^\/ark%3a/i.test(request.url)) request.url = `/ark:${request.url.slice('/ark%3A'.length)}`;
  next();
}

/** Builds the application exactly as main.ts serves it; tests and the OpenAPI writer use it too. */
export async function createApp(config: ApiConfig, options: CreateAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    logger: options.logger,
    bufferLogs: false,
    preview: options.preview,
    abortOnError: false,
  });
  if (!options.preview) app.use(requestContext(app.get(MetricsService)));
  app.use(decodeArkPrefix);
  app.useGlobalPipes(new RefuseNulPipe(), createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());
  app.enableShutdownHooks();
  // Whose X-Forwarded-For names the client: the login limit keys on the address it gives.
  app.set('trust proxy', config.api.trustProxy);
  return app;
}

export function buildOpenApi(app: NestExpressApplication): OpenAPIObject {
  const document = new DocumentBuilder()
    .setTitle('Sheaf API')
    .setDescription(
      'Harvest scientific-instrument data: configuration, harvests, files and ARKs. Authenticate with a session token from ' +
        '`POST /api/auth/login` or an API token (`sheaf_...`), both as `Authorization: Bearer <token>`. Errors are ' +
        '`{ statusCode, code, message, field? }`. Out-of-scope instruments, runs and files answer 404.',
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, document, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
}
