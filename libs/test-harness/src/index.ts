export { provisionPostgres, type ProvisionedPostgres } from './postgres';
export { createTestDatabase, type TestDatabase } from './database';
export { createTemporalTestEnv, temporalCliPath, type TemporalTestEnv } from './temporal';
// Runs one activity function outside a worker, with a Context (heartbeats, logger, cancellation).
export { MockActivityEnvironment } from '@temporalio/testing';
export { makeTempDir, type TempDir } from './temp';
export { TEST_ADMIN_URL_VAR } from './env';
export { freePort } from '@sheaf/local-infra';
export { startSambaShare, type SambaShare, type SambaShareOptions } from './samba';
export { startS3Server, type S3Server, type S3ServerOptions } from './s3';
export { startSftpServer, type SftpServer } from './sftp';
export { onFreePort } from './loopback-server';
