/**
 * npm run load: mixed traffic against the real server on PostgreSQL.
 *
 * Creates a throw-away database on LOAD_DATABASE_URL (or TEST_DATABASE_URL), seeds
 * tenants with a working setup and global user snapshots, starts `src/server.ts` on
 * 127.0.0.1 (random port, production settings), runs autocannon with a mix of
 * list / get / apply requests (every apply with a fresh email, so each should
 * succeed), verifies in the database that every 201 apply created a complete user,
 * prints throughput, latency percentiles and the error count, then stops the
 * server and drops the database. Exits non-zero on any unexpected answer.
 *
 *   LOAD_DURATION=60 LOAD_CONNECTIONS=50 LOAD_TENANTS=6 LOAD_ITEMS=60 npm run load
 *   LOAD_OUTPUT=bench/results/load.json also writes the summary as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import autocannon from 'autocannon'
import { sql } from 'kysely'
import { buildApp } from '../src/app.ts'
import { openDatabase } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { testConfig } from '../test/helpers/app.ts'
import { createPostgresDatabase } from '../test/helpers/database.ts'
import { newSuperadmin, newTenant, uniqueSuffix } from '../test/helpers/fixtures.ts'
import { seedAgent, seedBulkItems, seedPipeline } from '../test/helpers/seed.ts'
import { startProductionServer, type ServerProcess } from '../test/helpers/server.ts'

const env = process.env
const number = (name: string, fallback: number) => {
  const value = env[name] === undefined ? fallback : Number(env[name])
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const durationSeconds = number('LOAD_DURATION', 60)
const connections = number('LOAD_CONNECTIONS', 50)
const tenants = Math.max(2, number('LOAD_TENANTS', 6))
const itemsPerKind = number('LOAD_ITEMS', 20)
/** Share of each request kind in the mix. */
const mix = { list: 0.45, get: 0.35, apply: 0.2 } as const
type Kind = keyof typeof mix

const adminUrl = env.LOAD_DATABASE_URL ?? env.TEST_DATABASE_URL
if (!adminUrl) {
  console.error('Set LOAD_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres')
  process.exit(2)
}
// createPostgresDatabase creates a randomly named database next to the one this URL names.
env.TEST_DATABASE_URL = adminUrl

interface Caller {
  token: string
  organizationId: string
}

async function seed(databaseUrl: string) {
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 5 })
  await migrateToLatest(database.db)
  const app = await buildApp({ config: testConfig(), database })
  try {
    const root = await newSuperadmin(app)
    const callers: Caller[] = []
    const snapshots: { id: string; sourceOrgId: string }[] = []
    for (let i = 0; i < tenants; i++) {
      const tenant = await newTenant(app, `Load tenant ${i} ${uniqueSuffix()}`)
      const org = tenant.organization.id
      // Every tenant has the stage and agent names the snapshots reference, so cross-tenant applies resolve by name.
      await seedPipeline(app, org, 'Sales', ['New', 'Contacted', 'Qualified'], { isDefault: true })
      const agentId = await seedAgent(app, org, 'Closer')
      await seedBulkItems(app, org, tenant.salesRep.id, {
        automations: itemsPerKind,
        prompts: itemsPerKind,
        templates: itemsPerKind,
        referenceEvery: 3,
        stages: ['New', 'Contacted'],
        agentId,
        actionBytes: 300,
        promptBytes: 600,
        templateBytes: 200,
      })
      const created = await app.inject({
        method: 'POST',
        url: '/api/user-snapshots',
        headers: { authorization: `Bearer ${tenant.admin.token}` },
        payload: { name: `Load snapshot ${i}`, sourceOrgId: org, sourceUserId: tenant.salesRep.id },
      })
      if (created.statusCode !== 201) throw new Error(`snapshot: ${created.statusCode} ${created.body}`)
      const id = (JSON.parse(created.body) as { snapshot: { _id: string } }).snapshot._id
      const shared = await app.inject({
        method: 'PATCH',
        url: `/api/user-snapshots/${id}/assign`,
        headers: { authorization: `Bearer ${root.token}` },
        payload: { isGlobal: true },
      })
      if (shared.statusCode !== 200) throw new Error(`assign: ${shared.statusCode} ${shared.body}`)
      snapshots.push({ id, sourceOrgId: org })
      callers.push({ token: tenant.admin.token, organizationId: org })
    }
    return { callers, snapshots }
  } finally {
    await app.close()
    await database.close()
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main() {
  const startedAt = Date.now()
  const created = await createPostgresDatabase()
  let server: ServerProcess | undefined
  const stop = async () => {
    await server?.stop()
    await created.drop()
  }
  const interrupt = () => {
    void stop().finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)
  // A hard bound on the whole run, whatever happens.
  const watchdog = setTimeout(() => {
    console.error('load run exceeded its time bound; aborting')
    interrupt()
  }, (durationSeconds + 300) * 1000).unref()
  try {
    console.log(`seeding ${tenants} tenants with ${itemsPerKind * 3} items each in ${created.name} ...`)
    const { callers, snapshots } = await seed(created.url)
    // The load generator is one caller per tenant at full speed: measure the server, not the general rate limit.
    server = await startProductionServer({ databaseUrl: created.url, applicationName: 'tether-load', env: { RATE_LIMIT_MAX: '1000000' } })
    console.log(`server ${server.url} (pid ${server.pid}); ${connections} connections for ${durationSeconds} s ...`)

    const runTag = uniqueSuffix()
    let applySeq = 0
    const counts: Record<Kind, number> = { list: 0, get: 0, apply: 0 }
    const latencies: Record<Kind, number[]> = { list: [], get: [], apply: [] }
    const unexpected: Record<string, number> = {}
    const expected: Record<Kind, number> = { list: 200, get: 200, apply: 201 }
    const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!

    const result = await autocannon({
      url: server.url,
      connections,
      duration: durationSeconds,
      timeout: 30,
      requests: [
        {
          setupRequest: (request, context) => {
            const ctx = context as { kind: Kind; sentAt: number }
            const roll = Math.random()
            const kind: Kind = roll < mix.list ? 'list' : roll < mix.list + mix.get ? 'get' : 'apply'
            const caller = pick(callers)
            ctx.kind = kind
            ctx.sentAt = performance.now()
            const headers = { ...request.headers, authorization: `Bearer ${caller.token}` }
            if (kind === 'list') return { ...request, method: 'GET', path: '/api/user-snapshots?limit=20', headers, body: undefined }
            if (kind === 'get') return { ...request, method: 'GET', path: `/api/user-snapshots/${pick(snapshots).id}`, headers, body: undefined }
            // Into another tenant than the snapshot's source: a cross-organization apply of every item.
            const snapshot = pick(snapshots.filter((s) => s.sourceOrgId !== caller.organizationId))
            const n = ++applySeq
            const body = JSON.stringify({
              newUser: {
                email: `load-${runTag}-${n}@load.example.test`,
                password: 'LoadTest!2026',
                fullName: `Load User ${n}`,
                accessRole: 'SALES_REP',
              },
            })
            return {
              ...request,
              method: 'POST',
              path: `/api/user-snapshots/${snapshot.id}/apply`,
              headers: { ...headers, 'content-type': 'application/json' },
              body,
            }
          },
          onResponse: (status, _body, context) => {
            const ctx = context as { kind: Kind; sentAt: number }
            counts[ctx.kind]++
            latencies[ctx.kind].push(performance.now() - ctx.sentAt)
            if (status !== expected[ctx.kind]) {
              const key = `${ctx.kind} ${status}`
              unexpected[key] = (unexpected[key] ?? 0) + 1
            }
          },
        },
      ],
    })

    // Every successful apply created one complete user: the clone is all or nothing under load too.
    const check = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 1 })
    const { rows } = await sql<{ users: number; incomplete: number }>`
      select count(*)::int as users,
             count(*) filter (where items <> ${itemsPerKind * 3})::int as incomplete
      from (
        select u.id, (select count(*) from automations a where a.user_id = u.id)
                   + (select count(*) from prompts p where p.user_id = u.id)
                   + (select count(*) from templates t where t.user_id = u.id) as items
        from users u where u.email like ${`load-${runTag}-%`}
      ) created
    `.execute(check.db)
    await check.close()
    const applied = rows[0]!

    const applies201 = counts.apply - Object.entries(unexpected).filter(([k]) => k.startsWith('apply')).reduce((n, [, v]) => n + v, 0)
    const summary = {
      date: new Date().toISOString(),
      target: '127.0.0.1, one server process, PostgreSQL',
      durationSeconds: result.duration,
      connections,
      tenants,
      itemsPerSnapshot: itemsPerKind * 3,
      mix,
      requests: { total: result.requests.total, perSecond: Math.round(result.requests.average), ...counts },
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      latencyByKindMs: Object.fromEntries(
        (Object.keys(latencies) as Kind[]).map((kind) => {
          const sorted = [...latencies[kind]].sort((a, b) => a - b)
          return [kind, { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)) }]
        }),
      ),
      errors: { connection: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, unexpected },
      // Applies still in flight when the run ends complete on the server without being counted here.
      verified: { appliesSent: applySeq, applies201, usersCreated: applied.users, incompleteUsers: applied.incomplete },
      wallSeconds: Math.round((Date.now() - startedAt) / 1000),
    }
    console.log(JSON.stringify(summary, null, 2))
    if (env.LOAD_OUTPUT) {
      mkdirSync(dirname(env.LOAD_OUTPUT), { recursive: true })
      writeFileSync(env.LOAD_OUTPUT, JSON.stringify(summary, null, 2) + '\n')
    }
    const unexpectedCount = result.errors + result.timeouts + Object.values(unexpected).reduce((a, b) => a + b, 0)
    const consistent = applied.incomplete === 0 && applied.users >= applies201 && applied.users <= applySeq
    console.log(
      `\n${summary.requests.total} requests, ${summary.requests.perSecond} req/s, p50 ${summary.latencyMs.p50} ms, ` +
        `p99 ${summary.latencyMs.p99} ms; unexpected answers: ${unexpectedCount}; applies verified: ${consistent ? 'yes' : 'NO'}`,
    )
    process.exitCode = unexpectedCount === 0 && consistent ? 0 : 1
  } finally {
    clearTimeout(watchdog)
    await stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
