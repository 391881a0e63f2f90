import { performance } from 'node:perf_hooks'
import { createContext } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import type { AppContext } from '../src/context.ts'
import { createPasswordHasher } from '../src/shared/passwords.ts'
import { testConfig } from '../test/helpers/app.ts'
import { floor, naiveLoop } from './baselines.ts'
import { benchHttp } from './http.ts'
import { openBenchDatabase, type BenchDatabase } from './database.ts'
import { benchListing } from './listing.ts'
import { benchPush, formatPush } from './push.ts'
import { measure, median, StatementLog, summarize, type Sample } from './measure.ts'
import { formatReport, machine, verdicts, writeReport, type BenchReport, type ScenarioResult } from './report.ts'
import { serviceScenarios, type Scenario } from './scenarios.ts'
import { itemBytes, prepareWorkload } from './workload.ts'

/**
 * npm run bench: the snapshot engine against its own database's bulk-copy
 * speed, in one process and one run. See "Benchmarks" in README.md.
 *
 * Options (argv wins over the environment):
 *   --sizes=100,1000,10000  BENCH_SIZES         items per snapshot, split over the three kinds
 *   --runs=5                BENCH_RUNS          timed runs per scenario, after one warm-up
 *   --list=5000             BENCH_LIST_SNAPSHOTS  visible snapshots in the listing benchmark
 *   --list-calls=200        BENCH_LIST_CALLS    listing calls per measurement
 *   --pglite                BENCH_DB=pglite     PGlite even when a database URL is set
 *   --push-items=1000       BENCH_PUSH_ITEMS    items changed and pushed (issue 13; 0 skips the push part)
 *   --push-targets=100      BENCH_PUSH_TARGETS  targets pushed to (issue 13 asks 1,000: slow on a shared machine)
 * Through HTTP (issue 11), at the largest size:
 *   --http=1                BENCH_HTTP          0 skips the HTTP part
 *   --connections=50        BENCH_CONNECTIONS   connections of list vs profile
 *   --seconds=5             BENCH_SECONDS       seconds of each throughput measurement
 *   --readers=50            BENCH_READERS       concurrent reads of the big snapshot
 *   --large=100000          BENCH_LARGE         items of the large capture and apply (PostgreSQL; 0 skips)
 *   --concurrent-applies=5  BENCH_CONCURRENT_APPLIES  applies while /health is timed (PGlite; 0 skips)
 * PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set, PGlite in memory otherwise.
 */

function option(name: string, envName: string): string | undefined {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`))
  return flag ? flag.slice(name.length + 3) : process.env[envName]
}

function positiveInts(name: string, raw: string): number[] {
  const values = raw.split(',').map((part) => Number(part.trim()))
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`${name} must be positive whole numbers separated by commas (got "${raw}")`)
  }
  return values
}

const options = {
  sizes: positiveInts('sizes', option('sizes', 'BENCH_SIZES') ?? '100,1000,10000'),
  runs: positiveInts('runs', option('runs', 'BENCH_RUNS') ?? '5')[0]!,
  listVisible: positiveInts('list', option('list', 'BENCH_LIST_SNAPSHOTS') ?? '5000')[0]!,
  listCalls: positiveInts('list-calls', option('list-calls', 'BENCH_LIST_CALLS') ?? '200')[0]!,
}
const pgliteOnly = process.argv.includes('--pglite') || process.env.BENCH_DB === 'pglite'
const serverUrl = pgliteOnly ? undefined : process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined
const nonNegative = (name: string, envName: string, fallback: number) => {
  const value = Number(option(name, envName) ?? fallback)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number ≥ 0`)
  return value
}
const httpOptions = {
  enabled: nonNegative('http', 'BENCH_HTTP', 1) > 0,
  size: Math.max(...options.sizes),
  runs: options.runs,
  connections: nonNegative('connections', 'BENCH_CONNECTIONS', 50),
  seconds: nonNegative('seconds', 'BENCH_SECONDS', 5),
  readers: nonNegative('readers', 'BENCH_READERS', 50),
  large: nonNegative('large', 'BENCH_LARGE', serverUrl ? 100_000 : 0),
  concurrentApplies: nonNegative('concurrent-applies', 'BENCH_CONCURRENT_APPLIES', serverUrl ? 0 : 5),
}

const pushOptions = { items: nonNegative('push-items', 'BENCH_PUSH_ITEMS', 1000), targets: nonNegative('push-targets', 'BENCH_PUSH_TARGETS', 100) }

const progress = (text: string) => process.stderr.write(text)

/** Baselines first in each round, so every round compares engine and floor under the same load. */
const scenarios: Scenario[] = [floor, naiveLoop, ...serviceScenarios]

async function benchSize(ctx: AppContext, database: BenchDatabase, log: StatementLog, size: number): Promise<ScenarioResult[]> {
  progress(`N=${size}: seeding… `)
  const workload = await prepareWorkload(ctx, size)
  await database.settle()
  const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.key, []]))
  for (let round = 0; round <= options.runs; round++) {
    progress(round === 0 ? 'warm-up ' : `${round} `)
    for (const scenario of scenarios) {
      const { sample, value: outcome } = await measure(log, () => scenario.run(ctx, workload))
      if (outcome.items !== size) throw new Error(`${scenario.label} handled ${outcome.items} items, expected ${size}`)
      await outcome.cleanUp()
      await database.settle()
      if (round > 0) samples.get(scenario.key)!.push(sample)
    }
  }
  progress('\n')
  await workload.remove()
  await database.settle()
  const floorMs = median(samples.get(floor.key)!.map((s) => s.ms))
  return scenarios.map((scenario) => {
    const summary = summarize(samples.get(scenario.key)!)
    return {
      key: scenario.key,
      label: scenario.label,
      size,
      ...summary,
      itemsPerSecond: size / (summary.medianMs / 1000),
      ratioToFloor: summary.medianMs / floorMs,
    }
  })
}

/** What the deliberately slow password hash adds to each apply; the timed runs use cheap parameters. */
async function productionPasswordHashMs(): Promise<number> {
  const hasher = createPasswordHasher(loadConfig({ DATA_DIR: 'memory://' }).passwordHash)
  const samples: number[] = []
  for (let i = 0; i < 6; i++) {
    const started = performance.now()
    await hasher.hash('BenchPass!2026')
    if (i > 0) samples.push(performance.now() - started)
  }
  return median(samples)
}

async function main(): Promise<void> {
  const startedAt = new Date()
  const log = new StatementLog()
  const database = await openBenchDatabase(serverUrl, log)
  progress(`${database.kind === 'pg' ? 'PostgreSQL' : 'PGlite (in memory)'}: ${database.serverVersion}\n`)
  try {
    const ctx = createContext({ config: testConfig(), database: database.handle })
    const results: ScenarioResult[] = []
    for (const size of options.sizes) results.push(...(await benchSize(ctx, database, log, size)))
    progress(`listing ${options.listVisible} snapshots…\n`)
    const listing = await benchListing(ctx, log, { visible: options.listVisible, calls: options.listCalls })
    const push = pushOptions.items > 0 && pushOptions.targets > 0 ? await benchPush(ctx, log, pushOptions, progress) : undefined
    const http = httpOptions.enabled ? await benchHttp(ctx, database, httpOptions, progress) : undefined
    const report: BenchReport = {
      startedAt: startedAt.toISOString(),
      durationSeconds: 0,
      database: { kind: database.kind, serverVersion: database.serverVersion },
      machine: machine(),
      options: { ...options, itemBytes },
      productionPasswordHashMs: await productionPasswordHashMs(),
      results,
      listing,
      http,
      push,
      verdicts: verdicts(results, listing, http),
    }
    report.durationSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000)
    console.log(formatReport(report))
    if (push) console.log(`\n${formatPush(push)}`)
    console.log(`\nFull results: ${writeReport(report, new URL('results', import.meta.url).pathname)}`)
  } finally {
    await database.close()
  }
}

await main()
