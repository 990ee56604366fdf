export { provisionPostgres, type ProvisionedPostgres } from './postgres';
export { createTestDatabase, type TestDatabase } from './database';
export { createTemporalTestEnv, temporalCliPath } from './temporal';
export { makeTempDir, type TempDir } from './temp';
export { TEST_ADMIN_URL_VAR } from './env';
export { freePort } from './ports';
