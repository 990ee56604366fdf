import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadApiConfig } from '@sheaf/config';
import { buildOpenApi, createApp } from './app.factory';

/** Where the checked-in document lives (the portal's client is generated from it). */
export const OPENAPI_FILE = join(__dirname, '..', 'openapi.json');

/**
 * The OpenAPI document as checked in: built from the module graph in preview mode (no
 * database, no Temporal: providers are not instantiated), stable key order, trailing newline.
 */
export async function renderOpenApi(): Promise<string> {
  const config = loadApiConfig({
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none',
    JWT_SECRET: 'openapi-generation-only-secret-0123456789',
  });
  const app = await createApp(config, { logger: false, preview: true });
  try {
    return JSON.stringify(buildOpenApi(app), null, 2) + '\n';
  } finally {
    await app.close();
  }
}

/** `node dist/openapi.js` writes the file; `--check` fails when it is stale. */
async function main(): Promise<void> {
  const rendered = await renderOpenApi();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OPENAPI_FILE, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (current !== rendered) {
      process.stderr.write(`${OPENAPI_FILE} is stale: run 'npm run openapi -w @sheaf/api' and commit it\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(OPENAPI_FILE, rendered);
  process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`openapi: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
