import { fork } from 'node:child_process'
import { loadavg } from 'node:os'
import type autocannon from 'autocannon'
import { sql } from 'kysely'
import { buildApp, type App } from '../src/app.ts'
import type { AppContext } from '../src/context.ts'
import { testConfig } from '../test/helpers/app.ts'
import type { BenchDatabase } from './database.ts'
import { measureDiff, type DiffResult } from './diff.ts'
import { insertCatalogue } from './listing.ts'
import { median, percentile } from './measure.ts'
import { newOrganization, newUser, uniqueSuffix } from '../test/helpers/fixtures.ts'
import { prepareWorkload, type Workload } from './workload.ts'

/**
 * The targets of issue 11, through HTTP against the real app on 127.0.0.1 (the
 * load generator runs in a process of its own, so neither its CPU nor its memory
 * counts as the server's): apply against two floors, the paged list against GET /api/user/profile,
 * 50 concurrent reads of a big snapshot, a 100,000-item capture and apply, and on
 * PGlite /health during concurrent applies. See docs/performance.md.
 */

export interface HttpOptions {
  size: number
  runs: number
  /** Connections and seconds of each throughput measurement (list vs profile). */
  connections: number
  seconds: number
  readers: number
  /** Items of the large capture and apply; 0 skips it. */
  large: number
  /** Concurrent applies while /health is timed (PGlite); 0 skips it. */
  concurrentApplies: number
}

export interface Timing {
  medianMs: number
  minMs: number
  maxMs: number
}

export interface HttpResults {
  loadAverage: { before: number[]; after: number[] }
  apply: {
    size: number
    runs: number
    bareFloor: Timing
    integrityFloor: Timing
    projectFloor: Timing
    apply: Timing
    capture: Timing
  }
  listing: {
    visible: number
    connections: number
    seconds: number
    rounds: { listPerSecond: number; profilePerSecond: number; listP99Ms: number; profileP99Ms: number }[]
    medianRatio: number
  }
  reads: {
    readers: number
    size: number
    ok: number
    failed: number
    seconds: number
    answerMb: number
    rssGrowthMb: number
    healthCalls: number
    healthP99Ms: number
  }
  large?: {
    size: number
    captureMs: number
    applyMs: number
    captureRssGrowthMb: number
    applyRssGrowthMb: number
    /** Time per item over the median time per item at `size` (1 = linear). */
    captureLinearity: number
    applyLinearity: number
  }
  embedded?: { applies: number; size: number; ok: number; wallMs: number; healthCalls: number; healthP99Ms: number }
  /** Issue 12: the diff of two versions of the N-item snapshot, a tenth of the items changed. */
  diff: DiffResult
}

const timing = (samples: number[]): Timing => ({ medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples) })
const gc = (globalThis as { gc?: () => void }).gc
const mb = (bytes: number) => bytes / 2 ** 20

/** Highest RSS while `work` runs (sampled every 20 ms), minus RSS after a GC just before it. */
async function rssGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growthMb: number; ms: number }> {
  gc?.()
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20)
  const started = performance.now()
  try {
    const value = await work()
    return { value, growthMb: mb(Math.max(peak, process.memoryUsage.rss()) - baseline), ms: performance.now() - started }
  } finally {
    clearInterval(sampler)
  }
}

/**
 * Calls /health one after another until `until` settles; their latencies. A call
 * that fails (a reset keep-alive connection) counts with the time it took.
 */
async function healthWhile(address: string, until: Promise<unknown>): Promise<number[]> {
  let done = false
  void until.finally(() => (done = true)).catch(() => {})
  const latencies: number[] = []
  while (!done) {
    const started = performance.now()
    try {
      const response = await fetch(`${address}/health`)
      await response.arrayBuffer()
    } catch {
      // Timed like an answer: the caller waited this long for nothing.
    }
    latencies.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return latencies
}

/**
 * The floors of target 1, beside the project's tables: the same rows (every column
 * an apply writes) copied from the snapshot's item tables by one INSERT…SELECT per
 * table, into tables with the minimum integrity (uuid primary key, unique name per
 * owner, one foreign key to the owning user) or with nothing but the primary key.
 */
const floorTables = {
  automations: {
    from: 'snapshot_automations',
    columns: `name text not null, description text not null, event text not null, trigger_type text not null,
      source_statuses jsonb not null, actions jsonb not null, conditions jsonb not null, max_transitions integer,
      enabled boolean not null`,
    copied: 'name, description, event, trigger_type, source_statuses, actions, conditions, max_transitions, enabled',
  },
  prompts: {
    from: 'snapshot_prompts',
    columns: `name text not null, prompt text not null, description text, temperature double precision,
      response_time double precision, is_hidden boolean not null, tools jsonb not null, tool_configs jsonb not null`,
    copied: 'name, prompt, description, temperature, response_time, is_hidden, tools, tool_configs',
  },
  templates: {
    from: 'snapshot_templates',
    columns: 'name text not null, template text not null, type text not null, category text',
    copied: 'name, template, type, category',
  },
} as const

async function createFloorTables(ctx: AppContext): Promise<void> {
  // One statement per query: PGlite's query() takes no more.
  for (const [table, spec] of Object.entries(floorTables)) {
    const columns = `organization_id text not null, ${spec.columns},
      created_at timestamptz not null default now(), updated_at timestamptz not null default now()`
    await sql
      .raw(
        `create table bench_integrity_${table} (id uuid primary key default gen_random_uuid(),
          user_id text not null references users (id) on delete cascade, ${columns}, unique (user_id, name))`,
      )
      .execute(ctx.db)
    await sql
      .raw(`create table bench_bare_${table} (id uuid primary key default gen_random_uuid(), user_id text not null, ${columns})`)
      .execute(ctx.db)
  }
}

async function dropFloorTables(ctx: AppContext): Promise<void> {
  const tables = Object.keys(floorTables).flatMap((t) => [`bench_integrity_${t}`, `bench_bare_${t}`])
  await sql.raw(`drop table if exists ${tables.join(', ')}`).execute(ctx.db)
}

/** One INSERT…SELECT per table from the version's copies, in one transaction; rows copied. */
async function fillFloor(ctx: AppContext, prefix: 'bench_integrity_' | 'bench_bare_' | '', w: Workload): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    let copied = 0
    for (const [table, spec] of Object.entries(floorTables)) {
      const result = await sql`
        insert into ${sql.table(prefix + table)} (organization_id, user_id, ${sql.raw(spec.copied)})
        select ${w.target.organizationId}, ${w.target.copyUserId}, ${sql.raw(spec.copied)}
        from ${sql.table(spec.from)} where version_id = ${w.userSnapshotId}
      `.execute(trx)
      copied += Number(result.numAffectedRows ?? 0n)
    }
    return copied
  })
}

async function emptyFloor(ctx: AppContext, prefix: 'bench_integrity_' | 'bench_bare_' | '', w: Workload): Promise<void> {
  for (const table of Object.keys(floorTables)) {
    await sql`delete from ${sql.table(prefix + table)} where user_id = ${w.target.copyUserId}`.execute(ctx.db)
  }
}

interface Client {
  address: string
  token: string
}

async function call(client: Client, method: string, path: string, body?: unknown) {
  const response = await fetch(`${client.address}${path}`, {
    method,
    headers: { authorization: `Bearer ${client.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

function applyPath(w: Workload): string {
  return `/api/user-snapshots/${w.userSnapshotId}/apply?organizationId=${w.target.organizationId}`
}

async function applyOverHttp(client: Client, w: Workload): Promise<string> {
  const answer = await call(client, 'POST', applyPath(w), w.userApplyInput())
  if (answer.status !== 201) throw new Error(`apply answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`)
  const result = answer.body.result as { userId: string; cloned: Record<string, number> }
  const cloned = result.cloned.automations! + result.cloned.prompts! + result.cloned.templates!
  if (cloned !== w.size) throw new Error(`apply cloned ${cloned} items, expected ${w.size}`)
  return result.userId
}

async function captureOverHttp(client: Client, w: Workload): Promise<string> {
  const answer = await call(client, 'POST', '/api/user-snapshots', {
    name: `Timed capture ${uniqueSuffix()}`,
    sourceOrgId: w.source.organizationId,
    sourceUserId: w.source.userId,
  })
  if (answer.status !== 201) throw new Error(`capture answered ${answer.status}`)
  return (answer.body.snapshot as { _id: string })._id
}

async function measureApply(ctx: AppContext, database: BenchDatabase, client: Client, w: Workload, runs: number, progress: (t: string) => void) {
  const samples = { bareFloor: [] as number[], integrityFloor: [] as number[], projectFloor: [] as number[], apply: [] as number[], capture: [] as number[] }
  const timed = async (key: keyof typeof samples, round: number, work: () => Promise<unknown>) => {
    const started = performance.now()
    await work()
    if (round > 0) samples[key].push(performance.now() - started)
  }
  for (let round = 0; round <= runs; round++) {
    progress(round === 0 ? 'warm-up ' : `${round} `)
    for (const prefix of ['bench_bare_', 'bench_integrity_', ''] as const) {
      const key = prefix === 'bench_bare_' ? 'bareFloor' : prefix === '' ? 'projectFloor' : 'integrityFloor'
      await timed(key, round, async () => {
        const copied = await fillFloor(ctx, prefix, w)
        if (copied !== w.size) throw new Error(`${key} copied ${copied} rows, expected ${w.size}`)
      })
      await emptyFloor(ctx, prefix, w)
      await database.settle(Object.keys(floorTables).map((t) => prefix + t))
    }
    let userId = ''
    await timed('apply', round, async () => (userId = await applyOverHttp(client, w)))
    await ctx.db.deleteFrom('users').where('id', '=', userId).execute()
    await database.settle()
    let snapshotId = ''
    await timed('capture', round, async () => (snapshotId = await captureOverHttp(client, w)))
    await ctx.db.deleteFrom('snapshots').where('id', '=', snapshotId).execute()
    await database.settle()
  }
  return {
    size: w.size,
    runs,
    bareFloor: timing(samples.bareFloor),
    integrityFloor: timing(samples.integrityFloor),
    projectFloor: timing(samples.projectFloor),
    apply: timing(samples.apply),
    capture: timing(samples.capture),
  }
}

/** autocannon in a child process (bench/load-process.ts); settles with its result. */
function load(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./load-process.ts', import.meta.url), { execArgv: ['--import', 'tsx'] })
    child.once('message', (reply: { result?: autocannon.Result; error?: string }) =>
      reply.result ? resolve(reply.result) : reject(new Error(reply.error ?? 'autocannon failed')),
    )
    child.once('error', reject)
    child.once('exit', (code) => code !== 0 && reject(new Error(`the load process exited with ${code}`)))
    child.send(options)
  })
}

function throughput(address: string, path: string, token: string, connections: number, seconds: number) {
  return load({ url: `${address}${path}`, connections, duration: seconds, headers: { authorization: `Bearer ${token}` } })
}

async function measureListing(app: App, address: string, options: HttpOptions, progress: (t: string) => void) {
  const viewerOrg = await newOrganization(app, `Bench list viewer ${uniqueSuffix()}`)
  const otherOrg = await newOrganization(app, `Bench list other ${uniqueSuffix()}`)
  const admin = await newUser(app, viewerOrg.id, 'ADMIN')
  const visible = 5000
  await insertCatalogue(app.ctx, visible, otherOrg.id, viewerOrg.id)
  const check = await call({ address, token: admin.token }, 'GET', '/api/user-snapshots?limit=50')
  if (check.status !== 200 || (check.body.snapshots as unknown[]).length !== 50) throw new Error('the listing does not answer 50 snapshots')
  const rounds = []
  await throughput(address, '/api/user-snapshots?limit=50', admin.token, options.connections, 2)
  await throughput(address, '/api/user/profile', admin.token, options.connections, 2)
  for (let round = 1; round <= options.runs; round++) {
    progress(`${round} `)
    const profile = await throughput(address, '/api/user/profile', admin.token, options.connections, options.seconds)
    const list = await throughput(address, '/api/user-snapshots?limit=50', admin.token, options.connections, options.seconds)
    for (const result of [profile, list]) {
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
    }
    rounds.push({
      listPerSecond: list.requests.average,
      profilePerSecond: profile.requests.average,
      listP99Ms: list.latency.p99,
      profileP99Ms: profile.latency.p99,
    })
  }
  await app.ctx.db.deleteFrom('snapshots').where('name', 'like', 'Catalogue snapshot %').execute()
  await app.ctx.db.deleteFrom('organizations').where('id', 'in', [viewerOrg.id, otherOrg.id]).execute()
  return {
    visible,
    connections: options.connections,
    seconds: options.seconds,
    rounds,
    medianRatio: median(rounds.map((r) => r.listPerSecond / r.profilePerSecond)),
  }
}

async function measureReads(client: Client, w: Workload, readers: number) {
  const path = `/api/user-snapshots/${w.userSnapshotId}`
  const started = performance.now()
  const { value, growthMb } = await rssGrowth(async () => {
    const reads = load({
      url: `${client.address}${path}`,
      connections: readers,
      amount: readers,
      timeout: 300,
      headers: { authorization: `Bearer ${client.token}` },
    })
    const health = await healthWhile(client.address, reads)
    return { result: await reads, health }
  })
  const answerBytes = value.result.throughput.total / Math.max(1, value.result['2xx'])
  return {
    readers,
    size: w.size,
    ok: value.result['2xx'],
    failed: value.result.non2xx + value.result.errors + value.result.timeouts,
    seconds: (performance.now() - started) / 1000,
    answerMb: mb(answerBytes),
    rssGrowthMb: growthMb,
    healthCalls: value.health.length,
    healthP99Ms: percentile(value.health, 99),
  }
}

async function measureLarge(ctx: AppContext, database: BenchDatabase, address: string, size: number, at: HttpResults['apply'], progress: (t: string) => void) {
  progress(`seeding ${size} items… `)
  const w = await prepareWorkload(ctx, size)
  const client = { address, token: w.superadminToken }
  await database.settle()
  progress('capture ')
  const capture = await rssGrowth(() => captureOverHttp(client, w))
  await ctx.db.deleteFrom('snapshots').where('id', '=', capture.value).execute()
  await database.settle()
  progress('apply ')
  const apply = await rssGrowth(() => applyOverHttp(client, w))
  await ctx.db.deleteFrom('users').where('id', '=', apply.value).execute()
  await w.remove()
  await database.settle()
  const perItem = (ms: number, n: number) => ms / n
  return {
    size,
    captureMs: capture.ms,
    applyMs: apply.ms,
    captureRssGrowthMb: capture.growthMb,
    applyRssGrowthMb: apply.growthMb,
    captureLinearity: perItem(capture.ms, size) / perItem(at.capture.medianMs, at.size),
    applyLinearity: perItem(apply.ms, size) / perItem(at.apply.medianMs, at.size),
  }
}

async function measureEmbedded(client: Client, w: Workload, applies: number) {
  const started = performance.now()
  const all = Promise.allSettled(Array.from({ length: applies }, () => applyOverHttp(client, w)))
  const health = await healthWhile(client.address, all)
  const outcomes = await all
  return {
    applies,
    size: w.size,
    ok: outcomes.filter((o) => o.status === 'fulfilled').length,
    wallMs: performance.now() - started,
    healthCalls: health.length,
    healthP99Ms: percentile(health, 99),
    userIds: outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])),
  }
}

export async function benchHttp(
  ctx: AppContext,
  database: BenchDatabase,
  options: HttpOptions,
  progress: (text: string) => void,
): Promise<HttpResults> {
  const before = loadavg()
  const app = await buildApp({ config: testConfig(), database: database.handle })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  await createFloorTables(ctx)
  try {
    progress(`HTTP, N=${options.size}: seeding… `)
    const w = await prepareWorkload(ctx, options.size)
    await database.settle()
    const client = { address, token: w.superadminToken }
    const apply = await measureApply(ctx, database, client, w, options.runs, progress)
    progress(`\nHTTP: list vs profile, ${options.connections} connections… `)
    const listing = await measureListing(app, address, options, progress)
    progress(`\nHTTP: ${options.readers} concurrent reads of ${options.size} items… `)
    const reads = await measureReads(client, w, options.readers)
    progress(`\nHTTP: diff of two ${options.size}-item versions… `)
    const diff = await measureDiff(ctx, client, w, options.runs)
    let embedded: HttpResults['embedded']
    if (options.concurrentApplies > 0) {
      progress(`\nHTTP: ${options.concurrentApplies} concurrent applies, /health meanwhile… `)
      const { userIds, ...measured } = await measureEmbedded(client, w, options.concurrentApplies)
      await ctx.db.deleteFrom('users').where('id', 'in', userIds.length > 0 ? userIds : ['none']).execute()
      embedded = measured
    }
    await w.remove()
    await database.settle()
    let large: HttpResults['large']
    if (options.large > 0) {
      progress(`\nHTTP: `)
      large = await measureLarge(ctx, database, address, options.large, apply, progress)
    }
    progress('\n')
    return { loadAverage: { before, after: loadavg() }, apply, listing, reads, large, embedded, diff }
  } finally {
    await dropFloorTables(ctx)
    await app.close()
  }
}
