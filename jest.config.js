/** One jest run for the whole workspace: unit and integration tests against real services. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/workflows', '<rootDir>/services', '<rootDir>/tools', '<rootDir>/web'],
  modulePathIgnorePatterns: ['<rootDir>/web/\\.next'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  // Tests run against sources, not dist: a change is tested without a rebuild.
  moduleNameMapper: {
    '^@sheaf/workflows$': '<rootDir>/workflows/src/index.ts',
    '^@sheaf/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    // The portal's own alias (web/tsconfig.json), for its unit tests.
    '^@/(.*)$': '<rootDir>/web/src/$1',
  },
  globalSetup: '<rootDir>/libs/test-harness/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/libs/test-harness/src/jest-global-teardown.ts',
  testTimeout: 120_000,
  // Two cores: integration specs start their own Temporal servers.
  maxWorkers: 2,
};
