/**
 * The environment variables Sheaf's processes read, taken from the code that reads them, so the
 * deployment files cannot drift from it: the schemas of libs/config (the only place the server
 * processes parse the environment) and the portal's server-side configuration.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVER_ENVIRONMENT_VARIABLES } from '@sheaf/config';
import { REPO_ROOT } from '../repo-root';

export const PORTAL_CONFIG_SOURCE = 'web/src/lib/server-config.ts';

/** Names read as `process.env.NAME` or `process.env['NAME']`. */
export function processEnvReads(source: string): Set<string> {
  return new Set([...source.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g)].map((m) => m[1] ?? m[2]));
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** What libs/config parses (API, worker, migrations, tools). */
export function serverEnvironmentNames(): Set<string> {
  return new Set(SERVER_ENVIRONMENT_VARIABLES);
}

/** What the portal's server code reads. */
export function portalEnvironmentNames(): Set<string> {
  return processEnvReads(read(PORTAL_CONFIG_SOURCE));
}
