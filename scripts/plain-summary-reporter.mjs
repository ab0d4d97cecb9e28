// Ends every jest run with one plain line, "N passed, N failed", that any CI log reader understands.
export default class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`
    process.stdout.write(`\nTests: ${line}\n`)
  }
}
