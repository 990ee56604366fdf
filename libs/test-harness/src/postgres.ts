import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@sheaf/local-infra';
import { onFreePort } from './loopback-server';

export interface ProvisionedPostgres {
  /** Superuser URL; tests create their own databases through it. */
  adminUrl: string;
  source: 'DATABASE_URL' | 'testcontainers' | 'embedded';
  stop(): Promise<void>;
}

function dockerEngineAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * A real PostgreSQL for a test run, in order of preference: the one DATABASE_URL names, a
 * testcontainers container when a Docker engine is there, else an embedded cluster in a
 * temporary directory.
 */
export async function provisionPostgres(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<ProvisionedPostgres> {
  if (env.DATABASE_URL) {
    return { adminUrl: env.DATABASE_URL, source: 'DATABASE_URL', stop: async () => undefined };
  }
  if (dockerEngineAvailable(env)) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17-alpine').start();
    return {
      adminUrl: container.getConnectionUri(),
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  }
  // A port free now (the OS picks it), not a random one: a taken port failed the whole test run.
  // Another run's cluster can still take it before ours binds; the start then fails ("address
  // already in use", also when that cluster, with the same user and password, answered in place
  // of ours) and is made again on another port.
  const pg = await onFreePort(async (port) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sheaf-test-pg-'));
    return startEmbeddedPostgres({ dataDir, port, persistent: false, database: 'sheaf_test', log });
  });
  return { adminUrl: pg.urlOf('postgres'), source: 'embedded', stop: () => pg.stop() };
}
