import { provisionPostgres } from './postgres';
import { TEST_ADMIN_URL_VAR } from './env';

/** Jest global setup: one PostgreSQL cluster for the whole test run. */
export default async function globalSetup(): Promise<void> {
  const lines: string[] = [];
  const started = Date.now();
  try {
    const pg = await provisionPostgres(process.env, (line) => lines.push(line));
    process.env[TEST_ADMIN_URL_VAR] = pg.adminUrl;
    (globalThis as { __sheafPostgres?: typeof pg }).__sheafPostgres = pg;
    process.stdout.write(`\ntest PostgreSQL: ${pg.source}, ready in ${Date.now() - started} ms\n`);
  } catch (err) {
    process.stderr.write(lines.join('\n') + '\n');
    throw err;
  }
}
