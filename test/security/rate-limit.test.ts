import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { buildTestApp, type TestApp } from '../helpers/app.ts'
import { newTenant } from '../helpers/fixtures.ts'
import { api, expectErrorShape } from '../helpers/http.ts'

/**
 * SPEC §10: a general per-caller rate limit protects every route, answers 429 with
 * Retry-After and RateLimit-* headers, and is shared between processes through Redis
 * when REDIS_URL is set. Test apps raise the limit (test/helpers/app.ts); these tests
 * lower it on apps of their own.
 */
const redisUrl = 'redis://127.0.0.1:6379'
const apps: (TestApp & { close(): Promise<void> })[] = []
after(async () => {
  for (const app of apps) await app.close()
})

async function limitedApp(rateLimit: { max: number; redisUrl?: string; redisKeyPrefix?: string }) {
  const built = await buildTestApp({ config: { rateLimit: { windowSeconds: 60, redisKeyPrefix: 'unused:', ...rateLimit } } })
  apps.push(built)
  return built
}

describe('general rate limit', () => {
  it('counts per caller: the request past the limit gets 429 with Retry-After and RateLimit headers', async () => {
    const { app } = await limitedApp({ max: 5 })
    const { admin, salesRep } = await newTenant(app)
    const remaining: unknown[] = []
    for (let i = 0; i < 5; i++) {
      const r = await api(app, 'GET', '/api/user/profile', { token: admin.token })
      assert.equal(r.status, 200)
      assert.equal(r.headers['ratelimit-limit'], '5')
      remaining.push(r.headers['ratelimit-remaining'])
    }
    assert.deepEqual(remaining, ['4', '3', '2', '1', '0'])
    const limited = await api(app, 'GET', '/api/user/profile', { token: admin.token })
    assert.equal(limited.status, 429)
    const body = expectErrorShape(limited)
    assert.equal(body.error, 'Too many requests')
    assert.match(body.message, /^Too many requests; retry in \d+ seconds$/)
    const retryAfter = Number(limited.headers['retry-after'])
    assert.ok(retryAfter > 0 && retryAfter <= 60, String(retryAfter))
    assert.equal(limited.headers['ratelimit-limit'], '5')
    assert.equal(limited.headers['ratelimit-remaining'], '0')
    assert.ok(Number(limited.headers['ratelimit-reset']) > 0)
    // Another user of the same address has a limit of their own.
    assert.equal((await api(app, 'GET', '/api/user/profile', { token: salesRep.token })).status, 200)
  })

  it('counts callers without a genuine token by address, so made-up tokens do not open new buckets', async () => {
    const { app } = await limitedApp({ max: 3 })
    const statuses = []
    for (let i = 0; i < 5; i++) {
      const forged = `Bearer ${randomBytes(8).toString('hex')}.${randomBytes(8).toString('hex')}.x`
      statuses.push((await api(app, 'GET', '/health', { headers: { authorization: forged } })).status)
    }
    assert.deepEqual(statuses, [200, 200, 200, 429, 429])
    const login = await api(app, 'POST', '/api/auth/login', { body: { email: 'a@example.test', password: 'whatever' } })
    assert.equal(login.status, 429, 'sign-in attempts share the address limit')
  })

  it('protects every route, documented or not, before authentication', async () => {
    const { app } = await limitedApp({ max: 0 })
    const routes = [...app.routeCatalog.map((r) => ({ method: r.method, url: r.url.replace(/:[A-Za-z]+/g, 'a'.repeat(24)) }))]
    routes.push({ method: 'GET', url: '/health' }, { method: 'GET', url: '/openapi.json' }, { method: 'GET', url: '/no/such/route' })
    for (const route of routes) {
      const r = await api(app, route.method as 'GET', route.url, { body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} })
      assert.equal(r.status, 429, `${route.method} ${route.url}`)
      expectErrorShape(r)
      assert.ok(Number(r.headers['retry-after']) > 0, `${route.method} ${route.url}`)
    }
    const documented = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
    for (const [path, operations] of Object.entries(documented.paths)) {
      for (const [method, operation] of Object.entries(operations)) assert.ok(operation.responses['429'], `${method} ${path} documents 429`)
    }
  })

  it('is shared between processes through Redis when REDIS_URL is set', async () => {
    const redisKeyPrefix = `tether-test-${randomBytes(6).toString('hex')}:`
    const first = await limitedApp({ max: 5, redisUrl, redisKeyPrefix })
    const second = await limitedApp({ max: 5, redisUrl, redisKeyPrefix })
    // Both apps sign with the same key, so one token names one caller in both.
    const { admin } = await newTenant(first.app)
    const statuses = []
    for (let i = 0; i < 6; i++) {
      statuses.push((await api(i % 2 === 0 ? first.app : second.app, 'GET', '/health', { token: admin.token })).status)
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429])
    const redis = new Redis(redisUrl)
    try {
      const keys = await redis.keys(`${redisKeyPrefix}*`)
      assert.ok(keys.length > 0, 'the counters live in Redis under the configured prefix')
      await redis.del(...keys)
    } finally {
      redis.disconnect()
    }
  })

  it('lets requests through, unlimited, while Redis is unreachable', async () => {
    const { app } = await limitedApp({ max: 1, redisUrl: 'redis://127.0.0.1:1', redisKeyPrefix: 'down:' })
    for (let i = 0; i < 3; i++) assert.equal((await api(app, 'GET', '/health')).status, 200)
  })
})
