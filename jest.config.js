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
  // Every test file runs in a fresh worker process (a limit any worker is
  // past after one file restarts it), even on a 2-core machine where jest
  // would otherwise run them inside its own process: the real clients'
  // native code (librdkafka's threads, the codecs) of one file cannot outlive
  // it into the next. A worker reused after node-rdkafka suites crashed with
  // SIGSEGV in a later file now and then (integration/compaction.test.ts
  // once in four full runs); alone, that file passes.
  workerIdleMemoryLimit: '1MB',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};
