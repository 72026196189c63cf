/**
 * `npm run test:readme`: only integration/readme/, which the default config
 * ignores (it runs the README's `npm test` itself, in a fresh clone).
 * @type {import('jest').Config}
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  testMatch: ['<rootDir>/integration/readme/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // beforeAll clones the repository; the tests set their own long timeouts.
  testTimeout: 5 * 60_000,
  // One summary line per CI log is enough: the main `npm test` prints the one CI reads.
  reporters: ['default'],
};
