import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadApiConfig } from '@sheaf/config';
import { createApp } from '../src/app.factory';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** The real application (real pipes, filter, guard) on a test database and Temporal; silent unless given a logger. */
export async function createTestApp(databaseUrl: string, temporalAddress: string, env: NodeJS.ProcessEnv = {}, logger?: LoggerService): Promise<NestExpressApplication> {
  const config = loadApiConfig({
    SHEAF_ENV: 'test',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    JWT_SECRET: TEST_JWT_SECRET,
    SHEAF_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    PORTAL_URL: 'http://portal.test',
    // Tests start and stop Temporal themselves; they re-sync schedules explicitly.
    SCHEDULE_RESYNC_SECONDS: '0',
    ...env,
  });
  const app = await createApp(config, { logger: logger ?? false });
  await app.init();
  return app;
}
