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
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
};
