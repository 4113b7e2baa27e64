/**
 * A jest reporter that ends the run with one plain line, "N passed, N failed" (", N skipped"
 * when any were), counted from jest's own results: CI reads it, and a suite that could not run
 * at all counts as a failure.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
    // Printed at exit, after jest's own summary and "Ran all test suites.", so it is the last line.
    process.once('exit', () => process.stdout.write(line));
  }
}

module.exports = SummaryReporter;
