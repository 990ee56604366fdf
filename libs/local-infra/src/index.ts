export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './postgres';
export { startTemporalDevServer, searchAttributeFlags, type TemporalDevServer, type TemporalDevServerOptions } from './temporal';
export { freePort } from './ports';
export { spawnService, waitForAnswer, waitForPort, type Service, type SpawnServiceOptions } from './process';
