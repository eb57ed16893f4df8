/**
 * End-to-end tests: each file starts the built API (`node apps/api/dist/main.js`)
 * on free ports against a database of its own. The PostgreSQL server is the
 * API's test server: embedded, or the one in DATABASE_URL.
 */
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/support/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: require.resolve('@clm/api/testing/global-setup'),
  globalTeardown: require.resolve('@clm/api/testing/global-teardown'),
  testTimeout: 120000,
  maxWorkers: 1,
};
