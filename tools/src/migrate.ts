/**
 * `node tools/dist/migrate.js`: applies pending database migrations and exits. Deployments run it
 * once before the API and workers start (the compose `migrate` service, the Kubernetes Job).
 */
import { loadServerConfig } from '@sheaf/config';
import { createDataSource, migrate } from '@sheaf/db';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const config = loadServerConfig();
  const dataSource = createDataSource({ url: config.databaseUrl, applicationName: 'sheaf-migrate', poolSize: 1 });
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema up to date');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sheaf migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
