/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/integration/**/*.test.ts'],
  // integration/readme/ clones the repo and runs `npm ci && npm test` itself
  // (~15 min): it has its own `npm run test:readme`, and including it here
  // would make `npm test` recurse.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/integration/readme/'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000,
  // Test files run in a worker process even on a 2-core machine (where jest
  // would otherwise run them inside its own process): the real clients'
  // native code (librdkafka, the codecs) then runs apart from the runner, so
  // a crash there is reported against its test file, and the worker is
  // replaced when it grows past the limit over a long run.
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};
