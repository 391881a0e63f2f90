import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, newTenant, uniqueEmail } from '../helpers/fixtures.ts'
import { api, expectErrorShape } from '../helpers/http.ts'
import { crossOrgScenario, newUserBody } from '../helpers/scenarios.ts'

/**
 * Answers to bad input are bounded and readable (issue 10, items 3 and 16): at most
 * 20 details plus how many more there were; a huge invalid body stops validation
 * at its first problem instead of collecting (and answering) every one; messages
 * name the field once and say what is allowed, details keep the JSON path.
 */
describe('answers to bad input', () => {
  const t = useTestApp()

  /** A JSON object of about `bytes` bytes with that many distinct unknown keys. */
  function manyKeys(bytes: number): { text: string; keys: number } {
    const parts: string[] = []
    let size = 2
    while (size < bytes) {
      const part = `"k${parts.length}":0`
      parts.push(part)
      size += part.length + 1
    }
    return { text: `{${parts.join(',')}}`, keys: parts.length }
  }

  it('answers a 1 MB login body of 95,000 unknown keys with one detail, without a token', async () => {
    const { text, keys } = manyKeys(1_040_000)
    assert.ok(keys > 90_000, `${keys} keys`)
    const r = await api(t.app, 'POST', '/api/auth/login', { rawBody: text })
    assert.equal(r.status, 400)
    const body = expectErrorShape(r)
    assert.ok(r.raw.length < 2_000, `answer of ${r.raw.length} bytes`)
    assert.deepEqual(body.details, [{ location: 'body', path: '/email', message: 'is required' }])
    assert.equal(body.message, 'email is required (the input is large, so validation stopped at the first problem)')
    assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
  })

  it('answers an apply with 500,000 bad array entries with one detail', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const rawBody = `{"newUser":${JSON.stringify(newUserBody())},"selectedPromptNames":[${Array(500_000).fill('0').join(',')}]}`
    const r = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, rawBody })
    assert.equal(r.status, 400)
    assert.ok(r.raw.length < 2_000, `answer of ${r.raw.length} bytes`)
    assert.equal((expectErrorShape(r).details as unknown[]).length, 1)
  })

  it('lists at most 20 problems of a small body and says how many more there were', async () => {
    const extra = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`extra${i}`, i]))
    const r = await api(t.app, 'POST', '/api/auth/login', { body: { email: 'a@example.test', password: 'x', ...extra } })
    assert.equal(r.status, 400)
    const body = expectErrorShape(r)
    const details = body.details as { path: string }[]
    assert.equal(details.length, 20)
    assert.deepEqual(details.map((d) => d.path), Array.from({ length: 20 }, (_, i) => `/extra${i}`))
    assert.equal(body.message, 'extra0 is not an allowed property, and 24 more problems (details lists the first 20)')
  })

  it('names the field once and says what is allowed', async () => {
    const root = await newSuperadmin(t.app)
    const { admin, organization } = await newTenant(t.app)
    const { target, snapshot } = await crossOrgScenario(t.app)
    const cases: [string, Promise<ReturnType<typeof expectErrorShape>>, string, unknown][] = []
    const check = (label: string, request: ReturnType<typeof api>, message: string, details: unknown) =>
      cases.push([label, request.then(expectErrorShape), message, details])

    check(
      'enum',
      api(t.app, 'POST', '/api/user', {
        token: admin.token,
        body: { email: uniqueEmail(), password: 'long-enough', fullName: 'X', accessRole: 'BOSS' },
      }),
      'accessRole must be one of SUPERADMIN, ADMIN, DEPARTMENT_HEAD, SALES_REP',
      [{ location: 'body', path: '/accessRole', message: 'must be one of SUPERADMIN, ADMIN, DEPARTMENT_HEAD, SALES_REP' }],
    )
    check(
      'nested enum',
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body: { newUser: newUserBody(undefined, { accessRole: 'BOSS' }) },
      }),
      'newUser.accessRole must be one of ADMIN, DEPARTMENT_HEAD, SALES_REP',
      [{ location: 'body', path: '/newUser/accessRole', message: 'must be one of ADMIN, DEPARTMENT_HEAD, SALES_REP' }],
    )
    check(
      'required',
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, body: {} }),
      'newUser is required',
      [{ location: 'body', path: '/newUser', message: 'is required' }],
    )
    check(
      'at least one property',
      api(t.app, 'PUT', `/api/organizations/${organization.id}/credentials`, { token: root.token, body: {} }),
      'The request body must have at least 1 property',
      [{ location: 'body', path: '/', message: 'must have at least 1 property' }],
    )
    check(
      'query type',
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?dryRun=maybe`, {
        token: target.tenant.admin.token,
        body: { newUser: newUserBody() },
      }),
      'Query parameter dryRun must be a boolean',
      [{ location: 'querystring', path: '/dryRun', message: 'must be a boolean' }],
    )
    check(
      'path id',
      api(t.app, 'DELETE', '/api/user/123', { token: admin.token }),
      'Path parameter id must be a 24-character hexadecimal id',
      [{ location: 'params', path: '/id', message: 'must be a 24-character hexadecimal id' }],
    )
    check(
      'format and length',
      api(t.app, 'POST', '/api/auth/login', { body: { email: 'not-an-email', password: '' } }),
      'email must be an email address, and 1 more problem',
      [
        { location: 'body', path: '/email', message: 'must be an email address' },
        { location: 'body', path: '/password', message: 'must not be empty' },
      ],
    )
    for (const [label, answer, message, details] of cases) {
      const body = await answer
      assert.equal(body.message, message, label)
      assert.deepEqual(body.details, details, label)
    }
  })
})
