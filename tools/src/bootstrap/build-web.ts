/**
 * Builds the portal only when its inputs changed since the last build: `next build` takes a
 * minute, and the start command runs the bootstrap every time. The build and its marker go to
 * Next's distDir: `web/.next`, or `web/$SHEAF_WEB_DIST_DIR` (web/next.config.ts).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../repo-root';

const INPUTS = ['web/src', 'web/public', 'web/next.config.ts', 'web/tsconfig.json', 'web/package.json', 'libs/contracts/src', 'package-lock.json'];
// As Next resolves it: joined to the project folder, even when absolute.
const DIST_DIR = join(REPO_ROOT, 'web', process.env.SHEAF_WEB_DIST_DIR ?? '.next');
const STAMP = join(DIST_DIR, 'sheaf-input-hash');

function hashTree(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) hashTree(hash, join(path, entry));
  } else {
    hash.update(path).update(readFileSync(path));
  }
}

const hash = createHash('sha256');
for (const input of INPUTS) hashTree(hash, join(REPO_ROOT, input));
const digest = hash.digest('hex');
if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest && existsSync(join(DIST_DIR, 'BUILD_ID'))) {
  process.stdout.write('   portal build up to date\n');
} else {
  execFileSync('npm', ['run', '--silent', 'build', '-w', '@sheaf/web'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    // Nothing sent to Vercel, nothing written to ~/.config/nextjs-nodejs.
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  writeFileSync(STAMP, digest);
}
