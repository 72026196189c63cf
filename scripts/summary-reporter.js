// @ts-check
'use strict';
/**
 * A jest reporter that ends the run with one line, `N passed, N failed`,
 * taken from jest's own aggregated result (CI reads that line).
 *
 * A test whose title starts with `NOT RUN:` stands for checks that could not
 * run on this machine (an external tool is missing; the title says which and
 * why). It is not counted as passed: it is listed, and counted as `not run`.
 */
const NOT_RUN = 'NOT RUN:';

class SummaryReporter {
  /** @param {unknown} _globalConfig @param {unknown} _options */
  constructor(_globalConfig, _options) {}

  /**
   * @param {unknown} _contexts
   * @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numRuntimeErrorTestSuites: number,
   *   testResults: { testFilePath: string, testResults: { title: string, status: string }[] }[] }} results
   */
  onRunComplete(_contexts, results) {
    const notRun = [];
    for (const file of results.testResults) {
      for (const t of file.testResults) if (t.status === 'passed' && t.title.startsWith(NOT_RUN)) notRun.push(t.title);
    }
    for (const title of notRun) process.stdout.write(`\n${title}`);
    // A suite that fails to load has no failed tests but is a failure.
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests ? `, ${results.numPendingTests} skipped` : '';
    const notRunCount = notRun.length ? `, ${notRun.length} not run` : '';
    process.stdout.write(`\n${results.numPassedTests - notRun.length} passed, ${failed} failed${skipped}${notRunCount}\n`);
  }
}

module.exports = SummaryReporter;
