import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp, useTestApp } from '../../../test/helpers/app.ts'
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
    const expired = await buildTestApp({ config: { jwtTtlSeconds: 1 } })
    try {
      const tenant = await newTenant(expired.app)
      await new Promise((resolve) => setTimeout(resolve, 2100))
      const r = await api(expired.app, 'GET', '/api/auth/verify-token', { token: tenant.admin.token })
      assert.equal(r.status, 401)
    } finally {
      await expired.close()
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
