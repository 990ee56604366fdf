import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadApiConfig } from '@sheaf/config';
import { createApp } from '../src/app.factory';

/** The real application (real pipes, filter, guard) on a test database and Temporal. */
export async function createTestApp(databaseUrl: string, temporalAddress: string): Promise<NestExpressApplication> {
  const config = loadApiConfig({
    SHEAF_ENV: 'test',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256',
  });
  const app = await createApp(config, { logger: false });
  await app.init();
  return app;
}
