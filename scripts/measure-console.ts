import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { openDatabase } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { launchBrowser } from '../test/helpers/browser.ts'
import { newSuperadmin, newTenant } from '../test/helpers/fixtures.ts'

/**
 * npm run measure:console — how fast the console's first screen is usable with a
 * large catalogue, and how much JavaScript it loads first.
 *
 * Builds the app in this process on an in-memory PGlite, creates CONSOLE_SNAPSHOTS
 * (default 5,000) user snapshots through the API, serves the built console
 * (npm run build:console first), then opens /user-snapshots signed in, in headless
 * Chromium, RUNS times (default 7), and reports the time from navigation start
 * until the first page of the catalogue is rendered (the console's own performance mark
 * `tether:catalogue-ready`), median and worst, with where the time went.
 */
const snapshots = Number(process.env.CONSOLE_SNAPSHOTS ?? 5000)
const runs = Number(process.env.RUNS ?? 7)
const consoleDir = new URL('../dist/console/', import.meta.url).pathname

const index = readFileSync(join(consoleDir, 'index.html'), 'utf8')
const initial = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
const sizes = initial.map((file) => ({ file, gzip: gzipSync(readFileSync(join(consoleDir, file)), { level: 9 }).length }))

const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: 'memory://', LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000', JWT_SECRET: 'm'.repeat(40), ENCRYPTION_KEY: '0'.repeat(64) })
const database = await openDatabase(config.database)
await migrateToLatest(database.db)
const app = await buildApp({ config: { ...config, passwordHash: { memoryCost: 1024, timeCost: 1, parallelism: 1 } }, database, consoleDir })
await app.ready()
const superadmin = await newSuperadmin(app)
const tenant = await newTenant(app)
const body = { name: '', sourceOrgId: tenant.organization.id, sourceUserId: tenant.salesRep.id }
const started = Date.now()
for (let i = 1; i <= snapshots; i++) {
  const answer = await app.inject({
    method: 'POST',
    url: '/api/user-snapshots',
    headers: { authorization: `Bearer ${superadmin.token}` },
    payload: { ...body, name: `Catalogue snapshot ${i}` },
  })
  if (answer.statusCode !== 201) throw new Error(`create failed: ${answer.statusCode} ${answer.body}`)
}
console.log(`created ${snapshots} snapshots in ${((Date.now() - started) / 1000).toFixed(1)} s`)
const url = await app.listen({ port: 0, host: '127.0.0.1' })

const browser = await launchBrowser()
const { context } = browser
const user = { id: superadmin.id, email: superadmin.email, fullName: superadmin.fullName, organizationId: superadmin.organizationId, accessRole: 'SUPERADMIN' }
await context.addInitScript((session) => {
  ;(globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('tether.session', session)
}, JSON.stringify({ token: superadmin.token, user, expiresAt: null }))
const times: number[] = []
for (let run = 0; run < runs; run++) {
  const page = await context.newPage()
  await page.goto(`${url}/user-snapshots`)
  await page.getByRole('link', { name: `Catalogue snapshot ${snapshots}`, exact: true }).waitFor()
  // Milliseconds since this navigation started, by the page's own clock, and where they went.
  // (No named functions inside: tsx would wrap them in a helper the page does not have.)
  const timing = await page.evaluate(() => {
    type Entry = { name: string; startTime: number; responseEnd: number }
    const entries = (performance as unknown as { getEntriesByType(type: string): Entry[] }).getEntriesByType('resource')
    const script = entries.find((e) => /\/assets\/index-.*\.js$/.test(e.name))
    const list = entries.find((e) => /\/api\/user-snapshots\?/.test(e.name))
    const ready = (performance as unknown as { getEntriesByName(name: string): Entry[] }).getEntriesByName('tether:catalogue-ready')[0]
    return { total: ready?.startTime ?? Number.NaN, scriptEnd: script?.responseEnd ?? 0, listStart: list?.startTime ?? 0, listEnd: list?.responseEnd ?? 0 }
  })
  times.push(timing.total)
  console.log(
    `load ${run + 1}${run === 0 ? ' (cold cache)' : ''}: ${timing.total.toFixed(0)} ms — script loaded at ${timing.scriptEnd.toFixed(0)}, ` +
      `catalogue request ${timing.listStart.toFixed(0)}–${timing.listEnd.toFixed(0)} ms`,
  )
  await page.close()
}
await browser.close()
await app.close()
await database.close()

const sorted = [...times].sort((a, b) => a - b)
const median = sorted[Math.floor(sorted.length / 2)]!
console.log(`initial assets (gzip -9): ${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} KB`).join(', ')}`)
console.log(`initial JavaScript: ${(sizes.filter((s) => s.file.endsWith('.js')).reduce((n, s) => n + s.gzip, 0) / 1024).toFixed(1)} KB gzipped`)
console.log(`first screen with ${snapshots} snapshots: median ${median.toFixed(0)} ms, worst ${sorted.at(-1)!.toFixed(0)} ms over ${runs} loads (${sorted.map((t) => t.toFixed(0)).join(', ')})`)
