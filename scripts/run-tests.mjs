#!/usr/bin/env node
// npm test: every test file on PGlite; with TEST_DATABASE_URL set, the
// database-facing files (all but *.unit.test.ts) run again on that PostgreSQL.
// Files named *.pg.test.ts need a real server and run only in the PostgreSQL pass.
//
// Tiers: the tests next to the code (src/**: unit and module tests) are the fast
// tier, `npm run test:fast` (`--fast`), for the inner loop. The tests in test/ are
// the system tier (contract, role matrix, real processes, fuzzing, races, crash):
// `npm test` and CI run both tiers.
//
// Other arguments narrow the run to files whose path contains one of them.
//
// Files named *.browser.test.ts drive Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH)
// against the real server; the console is built first. Without Chromium they are
// reported as not run, unless BROWSER_TESTS=required (CI), which makes that a failure.
//
// Each file runs in a process of its own (TEST_CONCURRENCY at a time) with node's
// spec reporter writing to a file. The runner prints one line per file as it ends,
// then the whole output of every failed file (what it printed and the spec report),
// then a summary. TEST_VERBOSE=1 prints the whole output of every file.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { clearTimeout, setTimeout } from 'node:timers'

const root = new URL('..', import.meta.url).pathname
const args = process.argv.slice(2)
const fast = args.includes('--fast')
const filters = args.filter((arg) => arg !== '--fast')
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY ?? 2))
const verbose = process.env.TEST_VERBOSE === '1'
/** A file still running after this long is stopped and counted as failed. */
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 15 * 60_000)

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path)
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : []
  })
}

const selected = (fast ? ['src'] : ['src', 'test'])
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

const plural = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`
const seconds = (ms) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`)
const readIfThere = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : '')

/** Runs one test file in its own process; resolves with its outcome, counts and output. */
async function runFile(file, env, reports) {
  const spec = join(reports, `${file.replaceAll('/', '_')}.spec.txt`)
  const counts = join(reports, `${file.replaceAll('/', '_')}.counts.json`)
  const started = Date.now()
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test-reporter=spec',
      `--test-reporter-destination=${spec}`,
      `--test-reporter=${join(root, 'scripts/test-reporter.mjs')}`,
      `--test-reporter-destination=${counts}`,
      file,
    ],
    { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output = []
  child.stdout.on('data', (chunk) => output.push(chunk))
  child.stderr.on('data', (chunk) => output.push(chunk))
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
  }, fileTimeoutMs)
  const [code] = await once(child, 'close')
  clearTimeout(timer)
  let tally = { passed: 0, failed: 0, skipped: 0 }
  try {
    tally = JSON.parse(readIfThere(counts))
  } catch {
    // the process died before its reporter finished: the exit code says it failed
  }
  return {
    file,
    ok: code === 0 && !timedOut,
    timedOut,
    ...tally,
    durationMs: Date.now() - started,
    output: Buffer.concat(output).toString('utf8') + readIfThere(spec),
  }
}

function fileLine(result) {
  const tests = result.passed + result.failed
  const skipped = result.skipped ? `, ${result.skipped} skipped` : ''
  const outcome = result.ok
    ? `${plural(tests, 'test')}${skipped}`
    : result.timedOut
      ? `stopped after ${seconds(fileTimeoutMs)}`
      : result.failed
        ? `${result.failed} of ${tests} failed`
        : 'failed outside its tests'
  return `${result.ok ? '✔' : '✖'} ${result.file}  (${outcome}, ${seconds(result.durationMs)})`
}

async function runPass(label, files, env) {
  if (files.length === 0) return true
  console.log(`\n=== ${label}: ${plural(files.length, 'test file')} ===\n`)
  const started = Date.now()
  const reports = join(scratch, label.replace(/\W+/g, '-'))
  mkdirSync(reports, { recursive: true })
  const queue = [...files]
  const results = []
  await Promise.all(
    Array.from({ length: Math.min(concurrency, files.length) }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const result = await runFile(file, env, reports)
        results.push(result)
        console.log(fileLine(result))
        if (verbose) console.log(result.output)
      }
    }),
  )
  const failed = results.filter((result) => !result.ok)
  if (!verbose) {
    for (const result of failed) console.log(`\n──── ${result.file} ────\n${result.output}`)
  }
  const sum = (key) => results.reduce((total, result) => total + result[key], 0)
  const skipped = sum('skipped') ? `, ${sum('skipped')} skipped` : ''
  console.log(
    `\n${label}: ${plural(results.length, 'file')}, ${plural(sum('passed') + sum('failed'), 'test')}: ` +
      `${sum('passed')} passed, ${sum('failed')} failed${skipped} (${seconds(Date.now() - started)})`,
  )
  if (failed.length) console.log(`Failed files:\n${failed.map((result) => `  ${result.file}`).join('\n')}`)
  return failed.length === 0
}

const tier = fast ? 'fast tier (src/)' : 'all tiers'
let passed = !browserMissing
const scratch = mkdtempSync(join(tmpdir(), 'tether-tests-'))
try {
  const template = join(scratch, 'pglite-template.tar')
  const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-pglite-template.ts', template], {
    cwd: root,
    stdio: 'inherit',
  })
  if (built.status !== 0) throw new Error('could not build the PGlite template database')
  if (all.some((f) => f.endsWith('.browser.test.ts'))) {
    const console_ = spawnSync(process.execPath, ['scripts/build-console.mjs', '--if-stale'], { cwd: root, stdio: 'inherit' })
    if (console_.status !== 0) throw new Error('could not build the admin console for the browser tests')
  }
  const pgliteFiles = all.filter((f) => !f.endsWith('.pg.test.ts'))
  passed = (await runPass(`PGlite, ${tier}`, pgliteFiles, { TEST_DB: 'pglite', TEST_PGLITE_TEMPLATE: template })) && passed

  if (process.env.TEST_DATABASE_URL) {
    const pgFiles = all.filter((f) => !f.endsWith('.unit.test.ts'))
    const label = `PostgreSQL (${new URL(process.env.TEST_DATABASE_URL).host}), ${tier}`
    passed = (await runPass(label, pgFiles, { TEST_DB: 'postgres' })) && passed
  } else {
    console.log('\nTEST_DATABASE_URL is not set: the PostgreSQL pass was skipped.')
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
process.exit(passed ? 0 : 1)
