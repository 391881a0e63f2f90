#!/usr/bin/env node
// npm test: every test file on PGlite; with TEST_DATABASE_URL set, the
// database-facing files (all but *.unit.test.ts) run again on that PostgreSQL.
// Files named *.pg.test.ts need a real server and run only in the PostgreSQL pass.
// Arguments narrow the run to files whose path contains one of them.
// Files named *.browser.test.ts drive Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH)
// against the real server; the console is built first. Without Chromium they are
// reported as not run, unless BROWSER_TESTS=required (CI), which makes that a failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const filters = process.argv.slice(2)

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path)
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : []
  })
}

const selected = ['src', 'test']
  .flatMap((dir) => findTests(join(root, dir)))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort()

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const browserFiles = selected.filter((f) => f.endsWith('.browser.test.ts'))
let browserMissing = false
if (browserFiles.length > 0 && !existsSync(chromium)) {
  browserMissing = process.env.BROWSER_TESTS === 'required'
  console.log(
    `\n${chromium} not found: ${browserFiles.length} browser test file(s) not run (${browserFiles.join(', ')}).\n` +
      'Install it with: apt-get install -y chromium',
  )
}
const all = existsSync(chromium) ? selected : selected.filter((f) => !browserFiles.includes(f))

const concurrency = process.env.TEST_CONCURRENCY ?? '2'

function runNode(args, env) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } })
  return result.status ?? 1
}

function runPass(label, files, env) {
  if (files.length === 0) return 0
  console.log(`\n=== ${label}: ${files.length} test files ===\n`)
  return runNode(
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
    env,
  )
}

let failed = browserMissing
const scratch = mkdtempSync(join(tmpdir(), 'tether-tests-'))
try {
  const template = join(scratch, 'pglite-template.tar')
  if (runNode(['--import', 'tsx', 'scripts/build-pglite-template.ts', template], {}) !== 0) {
    throw new Error('could not build the PGlite template database')
  }
  if (all.some((f) => f.endsWith('.browser.test.ts')) && runNode(['scripts/build-console.mjs', '--if-stale'], {}) !== 0) {
    throw new Error('could not build the admin console for the browser tests')
  }
  const pgliteFiles = all.filter((f) => !f.endsWith('.pg.test.ts'))
  if (runPass('PGlite', pgliteFiles, { TEST_DB: 'pglite', TEST_PGLITE_TEMPLATE: template }) !== 0) failed = true

  if (process.env.TEST_DATABASE_URL) {
    const pgFiles = all.filter((f) => !f.endsWith('.unit.test.ts'))
    const label = `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host})`
    if (runPass(label, pgFiles, { TEST_DB: 'postgres' }) !== 0) failed = true
  } else {
    console.log('\nTEST_DATABASE_URL is not set: the PostgreSQL pass was skipped.')
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
