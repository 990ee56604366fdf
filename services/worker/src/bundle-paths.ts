import { join } from 'node:path';

/** The workflows' bundle entry (TypeScript source; the bundler compiles it). */
export const WORKFLOWS_ENTRY = require.resolve('@sheaf/workflows/src/workflows.ts');

/** Written at build time by bundle.ts, read by every worker at start. */
export const WORKFLOW_BUNDLE_PATH = join(__dirname, '..', 'dist', 'workflow-bundle.js');
