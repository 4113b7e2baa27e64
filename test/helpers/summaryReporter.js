/**
 * A jest reporter that ends the run with one plain line, "N passed, N failed" (", N skipped"
 * when any were), counted from jest's own results: CI reads it, and a suite that could not run
 * at all counts as a failure.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}

module.exports = SummaryReporter;
