import { resolve } from 'node:path';

/** The checkout: this file is tools/src/repo-root.ts, compiled to tools/dist/repo-root.js. */
export const REPO_ROOT = resolve(__dirname, '..', '..');
