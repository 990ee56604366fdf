import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadApiConfig } from '@sheaf/config';
import { createApp } from '../src/app.factory';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');

/** The address specs give when they need no Temporal: nothing listens there. */
export const NO_TEMPORAL = '127.0.0.1:1';

/**
 * TEMPORAL_CALL_TIMEOUT_MS unless the spec sets its own. Against a real Temporal, 30 s: the suite
 * runs beside its Temporal dev server on two cores, where a call may take longer than the
 * default 5 s and is slow, not lost. Against NO_TEMPORAL, the default: every call there retries
 * until its deadline, and closing the app waits for the start-up schedule listing's.
 */
function callTimeoutFor(temporalAddress: string): string | undefined {
  return temporalAddress === NO_TEMPORAL ? undefined : '30000';
}

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
    TEMPORAL_CALL_TIMEOUT_MS: callTimeoutFor(temporalAddress),
    ...env,
  });
  const app = await createApp(config, { logger: logger ?? false });
  await app.init();
  return app;
}
