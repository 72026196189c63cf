// @ts-check
'use strict';
/**
 * A jest reporter that ends the run with one line, `N passed, N failed`,
 * taken from jest's own aggregated result (CI reads that line).
 */
class SummaryReporter {
  /** @param {unknown} _globalConfig @param {unknown} _options */
  constructor(_globalConfig, _options) {}

  /** @param {unknown} _contexts @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numRuntimeErrorTestSuites: number }} results */
  onRunComplete(_contexts, results) {
    // A suite that fails to load has no failed tests but is a failure.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests ? `, ${results.numPendingTests} skipped` : '';
    process.stdout.write(`\n${results.numPassedTests} passed, ${failed} failed${skipped}\n`);
  }
}

module.exports = SummaryReporter;
