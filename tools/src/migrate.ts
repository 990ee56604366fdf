/**
 * `node tools/dist/migrate.js`: applies pending database migrations and exits. Deployments run it
 * once before the API and workers start (the compose `migrate` service, the Kubernetes Job).
 */
import { loadServerConfig } from '@sheaf/config';
import { createDataSource, migrate } from '@sheaf/db';

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * A migration waits at most 5 s for a lock, so the queries of the API and workers that queue
 * behind its DDL wait no longer; then it tries again 10 s later, 48 tries in all: up to 12
 * minutes of waiting and pauses (48 × (5 + 10) s), plus the migrations' own running time, against
 * the Kubernetes Job's 15 (k8s/base/migrate-job.yaml).
 */
const LOCK_TIMEOUT_MS = 5_000;
const RETRY = { attempts: 48, pauseMs: 10_000 };

async function main(): Promise<void> {
  const config = loadServerConfig();
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-migrate', poolSize: 1, lockTimeoutMs: LOCK_TIMEOUT_MS });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource, { ...RETRY, onRetry: say });
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sheaf migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
