// node:test reporter used by scripts/run-tests.mjs next to `spec`: writes the counts of
// one test file's run as one line of JSON, for the runner's one-line-per-file output.
export default async function* countsReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') continue
    if (event.data.skip !== undefined || event.data.todo !== undefined) counts.skipped++
    else if (event.type === 'test:pass') counts.passed++
    else counts.failed++
  }
  yield `${JSON.stringify(counts)}\n`
}
