import assert from 'node:assert/strict'
import { describe, it, mock } from 'node:test'
import { SignJWT } from 'jose'
import { sql } from 'kysely'
import { buildTestApp, testSecrets, useTestApp, type TestApp } from '../../../test/helpers/app.ts'
import { newTenant, testPassword } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'

describe('auth', () => {
  const t = useTestApp({ config: { login: { maxFailures: 3, lockoutSeconds: 60 } } })

  it('logs in with email (any case) and password, and the token works', async () => {
    const { admin, organization } = await newTenant(t.app)
    const login = await api(t.app, 'POST', '/api/auth/login', {
      body: { email: admin.email.toUpperCase(), password: testPassword },
    })
    assert.equal(login.status, 200)
    assert.deepEqual(login.body.user, {
      id: admin.id,
      email: admin.email,
      fullName: admin.fullName,
      organizationId: organization.id,
      accessRole: 'ADMIN',
    })
    const verify = await api(t.app, 'GET', '/api/auth/verify-token', { token: login.body.token })
    assert.equal(verify.status, 200)
    assert.equal(verify.body.message, 'Token is good')
    assert.equal(verify.body.user.id, admin.id)
  })

  it('answers unknown email and wrong password with the same 401', async () => {
    const { admin } = await newTenant(t.app)
    const wrong = await api(t.app, 'POST', '/api/auth/login', { body: { email: admin.email, password: 'nope-nope' } })
    const unknown = await api(t.app, 'POST', '/api/auth/login', {
      body: { email: 'nobody@example.test', password: 'nope-nope' },
    })
    assert.equal(wrong.status, 401)
    assert.equal(unknown.status, 401)
    assert.deepEqual(expectErrorShape(wrong), expectErrorShape(unknown))
  })

  it('rate limits repeated failures with 429 and Retry-After, even for the right password', async () => {
    const { salesRep } = await newTenant(t.app)
    for (let i = 0; i < 3; i++) {
      const r = await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: 'wrong-pass' } })
      assert.equal(r.status, 401)
    }
    const limited = await api(t.app, 'POST', '/api/auth/login', {
      body: { email: salesRep.email, password: testPassword },
    })
    assert.equal(limited.status, 429)
    expectErrorShape(limited)
    assert.ok(Number(limited.headers['retry-after']) > 0)
  })

  /** Counts the password checks (argon2 verifications) the app runs from now on. */
  function countChecks(app: TestApp['app']): { readonly count: number } {
    const counter = { count: 0 }
    const verify = app.ctx.passwords.verify.bind(app.ctx.passwords)
    Object.assign(app.ctx.passwords, {
      verify: (hash: string | null, password: string) => {
        counter.count++
        return verify(hash, password)
      },
    })
    return counter
  }

  it('runs at most LOGIN_MAX_FAILURES password checks for 200 concurrent wrong guesses; the rest get 429', async () => {
    const limited = await buildTestApp({ config: { login: { maxFailures: 5, lockoutSeconds: 60 } } })
    try {
      const { salesRep } = await newTenant(limited.app)
      const checks = countChecks(limited.app)
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          api(limited.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: `wrong-${i}` } }),
        ),
      )
      const statuses = results.map((r) => r.status)
      assert.equal(statuses.filter((s) => s === 401).length, 5)
      assert.equal(statuses.filter((s) => s === 429).length, 195)
      assert.equal(checks.count, 5)
      for (const r of results.filter((r) => r.status === 429)) assert.ok(Number(r.headers['retry-after']) > 0)
    } finally {
      await limited.close()
    }
  })

  it('does not sign in past the limit when the right password arrives in a burst of guesses', async () => {
    const limited = await buildTestApp({ config: { login: { maxFailures: 5, lockoutSeconds: 60 } } })
    try {
      const { salesRep } = await newTenant(limited.app)
      const checks = countChecks(limited.app)
      // The right password is the last of 40: at most 5 wrong ones are ever checked, and the
      // right one signs in only if it was checked within the limit.
      const passwords = [...Array.from({ length: 39 }, (_, i) => `wrong-${i}`), testPassword]
      const results = await Promise.all(
        passwords.map((password) => api(limited.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password } })),
      )
      const statuses = results.map((r) => r.status)
      const signedIn = statuses.filter((s) => s === 200).length
      assert.equal(statuses.filter((s) => s === 401).length, 5)
      assert.equal(statuses.filter((s) => s === 429).length, 35 - signedIn)
      assert.equal(checks.count, 5 + signedIn)
      assert.ok(statuses.at(-1) === 200 || statuses.at(-1) === 429)
      // The window is used up: the right password now gets 429 as well.
      const after = await api(limited.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })
      assert.equal(after.status, 429)
    } finally {
      await limited.close()
    }
  })

  it('purges the rows of ended windows, known email or not', async () => {
    // A fresh app (a restarted server) purges at its first sign-in attempt.
    const fresh = await buildTestApp({ config: { login: { maxFailures: 3, lockoutSeconds: 60 } } })
    try {
      const { db } = fresh.app.ctx
      const { salesRep } = await newTenant(fresh.app)
      const ended = ['ghost@example.test|127.0.0.1', `${salesRep.email}|10.0.0.1`]
      await db
        .insertInto('login_failures')
        .values(ended.map((key) => ({ key, failures: 2, window_started_at: sql`now() - interval '61 seconds'` })))
        .execute()
      await db.insertInto('login_failures').values({ key: `${salesRep.email}|10.0.0.2`, failures: 1, window_started_at: sql`now()` }).execute()
      await api(fresh.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: 'wrong-pass' } })
      const keys = (await db.selectFrom('login_failures').select('key').orderBy('key').execute()).map((r) => r.key)
      assert.deepEqual(keys, [`${salesRep.email}|10.0.0.2`, `${salesRep.email}|127.0.0.1`])
    } finally {
      await fresh.close()
    }
  })

  it('behind a trusted proxy, counts failures per forwarded client address', async () => {
    const proxied = await buildTestApp({ config: { trustProxy: true, login: { maxFailures: 2, lockoutSeconds: 60 } } })
    try {
      const { salesRep } = await newTenant(proxied.app)
      const from = (ip: string, password: string) =>
        api(proxied.app, 'POST', '/api/auth/login', {
          headers: { 'x-forwarded-for': ip },
          body: { email: salesRep.email, password },
        })
      assert.equal((await from('203.0.113.7', 'wrong-pass')).status, 401)
      assert.equal((await from('203.0.113.7', 'wrong-pass')).status, 401)
      assert.equal((await from('203.0.113.7', testPassword)).status, 429)
      assert.equal((await from('198.51.100.9', testPassword)).status, 200)
    } finally {
      await proxied.close()
    }
  })

  it('refuses disabled users at login and stops their existing tokens', async () => {
    const { admin, salesRep } = await newTenant(t.app)
    const disable = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, {
      token: admin.token,
      body: { loginDisabled: true },
    })
    assert.equal(disable.status, 200)
    const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })
    assert.equal(login.status, 403)
    const verify = await api(t.app, 'GET', '/api/auth/verify-token', { token: salesRep.token })
    assert.equal(verify.status, 401)
  })

  it('keeps tokens issued before a disable dead after the user is enabled again', async () => {
    const { admin, salesRep } = await newTenant(t.app)
    const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })
    assert.equal(login.status, 200)
    const before = [salesRep.token, login.body.token as string]
    const patch = (loginDisabled: boolean) =>
      api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: admin.token, body: { loginDisabled } })
    assert.equal((await patch(true)).status, 200)
    assert.equal((await patch(false)).status, 200)
    for (const token of before) {
      const r = await api(t.app, 'GET', '/api/auth/verify-token', { token })
      assert.equal(r.status, 401)
      assert.equal(expectErrorShape(r).message, 'The token was revoked; sign in again')
    }
    // Signing in again gives a token that works, and other users' tokens were never touched.
    const again = await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })
    assert.equal((await api(t.app, 'GET', '/api/auth/verify-token', { token: again.body.token })).status, 200)
    assert.equal((await api(t.app, 'GET', '/api/auth/verify-token', { token: admin.token })).status, 200)
    // Other changes to the user revoke nothing.
    assert.equal((await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: admin.token, body: { fullName: 'Renamed' } })).status, 200)
    assert.equal((await api(t.app, 'GET', '/api/auth/verify-token', { token: again.body.token })).status, 200)
  })

  it('refuses a token signed with the real key that lacks exp or iat', async () => {
    const { admin } = await newTenant(t.app)
    const key = new TextEncoder().encode(testSecrets.JWT_SECRET)
    const now = Math.floor(Date.now() / 1000)
    const claims = { org: admin.organizationId, role: 'ADMIN', gen: 0 }
    const base = () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(admin.id).setIssuer('tether-relay')
    const tokens = {
      'no exp': await base().setIssuedAt(now).sign(key),
      'no iat': await base().setExpirationTime(now + 3600).sign(key),
      'neither': await base().sign(key),
      'issued longer ago than tokens live': await base().setIssuedAt(now - 13 * 3600).setExpirationTime(now + 3600).sign(key),
    }
    for (const [label, token] of Object.entries(tokens)) {
      const r = await api(t.app, 'GET', '/api/auth/verify-token', { token })
      assert.equal(r.status, 401, label)
      expectErrorShape(r)
    }
    const complete = await base().setIssuedAt(now).setExpirationTime(now + 3600).sign(key)
    assert.equal((await api(t.app, 'GET', '/api/auth/verify-token', { token: complete })).status, 200)
  })

  it('stops tokens of deleted users', async () => {
    const { admin, departmentHead } = await newTenant(t.app)
    assert.equal((await api(t.app, 'DELETE', `/api/user/${departmentHead.id}`, { token: admin.token })).status, 200)
    assert.equal((await api(t.app, 'GET', '/api/user/profile', { token: departmentHead.token })).status, 401)
  })

  it('rejects missing, malformed, forged and expired tokens with 401', async () => {
    const { admin } = await newTenant(t.app)
    const forged = admin.token.slice(0, -4) + (admin.token.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${forged}` },
      { authorization: 'Bearer not.a.jwt' },
    ]
    for (const headers of cases) {
      const r = await api(t.app, 'GET', '/api/auth/verify-token', { headers })
      assert.equal(r.status, 401, JSON.stringify(headers))
      expectErrorShape(r)
    }
  })

  it('accepts a token until JWT_TTL has passed and refuses it after (on a fake clock)', async () => {
    const short = await buildTestApp({ config: { jwtTtlSeconds: 60 } })
    try {
      const { admin } = await newTenant(short.app)
      const verify = () => api(short.app, 'GET', '/api/auth/verify-token', { token: admin.token })
      const issuedAt = Date.now()
      // Only Date is faked: the database, sockets and timers keep real time.
      mock.timers.enable({ apis: ['Date'], now: issuedAt + 55_000 })
      assert.equal((await verify()).status, 200)
      mock.timers.tick(10_000)
      const r = await verify()
      assert.equal(r.status, 401)
      expectErrorShape(r)
    } finally {
      mock.timers.reset()
      await short.close()
    }
  })

  it('rejects unknown login fields and bad emails with 400 and field paths', async () => {
    const r = await api(t.app, 'POST', '/api/auth/login', {
      body: { email: 'not-an-email', password: 'x', extra: true },
    })
    assert.equal(r.status, 400)
    const paths = (expectErrorShape(r).details as { path: string }[]).map((d) => d.path).sort()
    assert.deepEqual(paths, ['/email', '/extra'])
  })
})
