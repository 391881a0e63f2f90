import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp, useTestApp, type TestApp } from './helpers/app.ts'
import { newTenant, uniqueEmail } from './helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from './helpers/http.ts'

/** The error body has exactly the documented keys: error, message and optionally details. */
function expectStrictErrorShape(response: ApiResponse, status: number) {
  assert.equal(response.status, status, response.raw)
  const body = expectErrorShape(response)
  assert.deepEqual(
    Object.keys(body).filter((key) => !['error', 'message', 'details'].includes(key)),
    [],
    `unexpected keys in ${response.raw}`,
  )
  assert.match(String(response.headers['content-type']), /^application\/json/)
  return body
}

const login = (t: TestApp, payload: string, contentType = 'application/json') =>
  api(t.app, 'POST', '/api/auth/login', { rawBody: payload, headers: { 'content-type': contentType } })

/** Sends raw bytes to a listening app and returns what comes back before the server closes. */
function rawHttp(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = ''
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out waiting for the server')))
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('end', () => resolve(received))
    socket.on('close', () => resolve(received))
    socket.on('error', (error) => (received ? resolve(received) : reject(error)))
    socket.write(request)
  })
}

function parseRawResponse(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1])
  return { status, head, body: JSON.parse(body) as Record<string, unknown> }
}

describe('HTTP conventions', () => {
  const t = useTestApp()

  it('answers an unknown route with 404 in the error shape', async () => {
    for (const [method, url] of [
      ['GET', '/api/nothing-here'],
      ['POST', '/api/user/list'],
      ['PUT', '/health'],
    ] as const) {
      const body = expectStrictErrorShape(await api(t.app, method, url, { body: method === 'GET' ? undefined : {} }), 404)
      assert.equal(body.error, 'Route not found')
    }
  })

  it('answers an invalid JSON body with 400', async () => {
    for (const payload of ['{"email": "a@b.test",', '{email: 1}', "{'a': 1}", 'undefined', '{"a": 1} trailing']) {
      const body = expectStrictErrorShape(await login(t, payload), 400)
      assert.deepEqual(body, { error: 'Invalid JSON', message: 'The request body is not valid JSON' }, payload)
    }
  })

  it('answers an empty body sent as JSON with 400, but lets a body-less route ignore it', async () => {
    const body = expectStrictErrorShape(await login(t, ''), 400)
    assert.equal(body.error, 'Invalid JSON')
    assert.match(body.message, /empty/)

    const { admin, salesRep } = await newTenant(t.app)
    const deleted = await api(t.app, 'DELETE', `/api/user/${salesRep.id}`, {
      token: admin.token,
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(deleted.status, 200, deleted.raw)
  })

  it('answers a body that is not JSON with 415', async () => {
    const cases: [string, string][] = [
      ['text/plain', '{"email":"a@b.test","password":"x"}'],
      ['application/x-www-form-urlencoded', 'email=a%40b.test&password=x'],
      ['application/xml', '<login/>'],
      ['multipart/form-data; boundary=x', '--x--'],
    ]
    for (const [contentType, payload] of cases) {
      const body = expectStrictErrorShape(await login(t, payload, contentType), 415)
      assert.equal(body.error, 'Unsupported media type', contentType)
      assert.match(body.message, /application\/json/)
    }
    const untyped = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: Buffer.from('{}') })
    assert.equal(untyped.statusCode, 415)
  })

  it('accepts JSON with a charset parameter', async () => {
    const r = await login(t, JSON.stringify({ email: 'nobody@example.test', password: 'x' }), 'application/json; charset=utf-8')
    assert.equal(r.status, 401)
  })

  it('answers a body over the configured limit with 413, before reading it whole', async () => {
    const limit = t.app.ctx.config.bodyLimitBytes
    const body = expectStrictErrorShape(await login(t, JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(limit) })), 413)
    assert.deepEqual(body, { error: 'Payload too large', message: 'The request body is larger than the server accepts' })
    // Just under the limit is parsed and validated as usual (the password is too long: 400, not 413).
    const fits = await login(t, JSON.stringify({ email: 'a@b.test', password: 'x'.repeat(limit - 100) }))
    assert.equal(fits.status, 400)
  })

  it('answers a body whose size differs from its Content-Length with 400', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'content-length': '5' },
      payload: JSON.stringify({ email: 'a@b.test', password: 'x' }),
    })
    const body = expectStrictErrorShape({ status: r.statusCode, body: r.json(), headers: r.headers, raw: r.body }, 400)
    assert.match(body.message, /Content-Length/)
  })

  it('refuses prototype poisoning with 400', async () => {
    const payloads = [
      '{"email":"a@b.test","password":"12345678","__proto__":{"isAdmin":true}}',
      '{"email":"a@b.test","password":"12345678","nested":{"__proto__":{"x":1}}}',
      '{"email":"a@b.test","password":"12345678","constructor":{"prototype":{"x":1}}}',
    ]
    for (const payload of payloads) {
      const body = expectStrictErrorShape(await login(t, payload), 400)
      assert.equal(body.error, 'Invalid JSON', payload)
      assert.match(body.message, /__proto__/)
    }
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined)
  })

  it('rejects unknown fields with 400 naming each path in details', async () => {
    const { admin } = await newTenant(t.app)
    const r = await api(t.app, 'POST', '/api/user', {
      token: admin.token,
      body: { email: uniqueEmail(), password: 'long-enough', fullName: 'X', accessRole: 'SALES_REP', role: 'ADMIN', isOwner: true },
    })
    const body = expectStrictErrorShape(r, 400)
    assert.equal(body.error, 'Validation error')
    assert.deepEqual(body.details, [
      { location: 'body', path: '/role', message: 'is not an allowed property' },
      { location: 'body', path: '/isOwner', message: 'is not an allowed property' },
    ])
    const query = expectStrictErrorShape(await api(t.app, 'GET', '/api/user/list?limit=5', { token: admin.token }), 400)
    assert.deepEqual(query.details, [{ location: 'querystring', path: '/limit', message: 'is not an allowed property' }])
    const listed = await api(t.app, 'GET', '/api/user/list', { token: admin.token })
    assert.equal(listed.body.users.length, 3, 'nothing was created')
  })

  it('rejects a malformed path id with 400 and a well-formed unknown one with 404', async () => {
    const { admin } = await newTenant(t.app)
    const malformed = ['123', 'zzzzzzzzzzzzzzzzzzzzzzzz', '665f1a0c0e0a4b001a2c9f8g', '665f1a0c0e0a4b001a2c9f8', '665f1a0c0e0a4b001a2c9f800', '665f1a0c0e0a4b001a2c9f8%20']
    for (const id of malformed) {
      const body = expectStrictErrorShape(await api(t.app, 'DELETE', `/api/user/${id}`, { token: admin.token }), 400)
      assert.deepEqual(body.details, [{ location: 'params', path: '/id', message: 'must be a 24-character hexadecimal id' }], id)
    }
    expectStrictErrorShape(await api(t.app, 'DELETE', `/api/user/${'a'.repeat(24)}`, { token: admin.token }), 404)
    // 24 hex characters are an id in either case (SPEC §2); uppercase finds the same row.
    expectStrictErrorShape(await api(t.app, 'DELETE', `/api/user/${'A'.repeat(24)}`, { token: admin.token }), 404)
  })

  it('answers a path segment over the router limit with 414 and a malformed URL with 400, in the error shape', async () => {
    const long = expectStrictErrorShape(await api(t.app, 'GET', `/api/organizations/${'a'.repeat(500)}`), 414)
    assert.equal(long.error, 'URI too long')
    assert.doesNotMatch(long.message, /aaaa/, 'the URL is not echoed back')
    const bad = expectStrictErrorShape(await api(t.app, 'GET', '/api/organizations/%zz'), 400)
    assert.match(bad.message, /URL/)
  })

  it('rejects NUL characters anywhere in a body with 400 and the field path', async () => {
    const { admin } = await newTenant(t.app)
    const r = await api(t.app, 'POST', '/api/user', {
      token: admin.token,
      body: { email: uniqueEmail(), password: 'long-enough', fullName: 'Nul\u0000Name', accessRole: 'SALES_REP' },
    })
    assert.deepEqual(expectStrictErrorShape(r, 400).details, [
      { location: 'body', path: '/fullName', message: 'must not contain NUL characters' },
    ])
    const key = await api(t.app, 'PUT', `/api/organizations/sections/${admin.organizationId}`, {
      token: admin.token,
      body: { sections: [{ name: 'S', isHidden: false, properties: { 'a\u0000b': { name: 'x', dataType: 'string', isHidden: false } } }] },
    })
    assert.equal(expectStrictErrorShape(key, 400).error, 'Validation error')
  })

  it('rejects JSON nested deeper than 32 levels with 400, however deep', async () => {
    const { admin } = await newTenant(t.app)
    for (const depth of [33, 100_000]) {
      const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
      const r = await api(t.app, 'PUT', `/api/organizations/sections/${admin.organizationId}`, {
        token: admin.token,
        rawBody: `{"sections":[],"deep":${nested}}`,
      })
      const body = expectStrictErrorShape(r, 400)
      assert.match(body.message, /nesting deeper than 32 levels/)
    }
  })

  it('rejects non-finite-looking numbers and values of the wrong type with 400', async () => {
    const r = await login(t, '{"email":"a@b.test","password":1e999}')
    // 1e999 parses to Infinity: refused before the schema sees it.
    assert.match(expectStrictErrorShape(r, 400).message, /finite/)
    const typed = expectStrictErrorShape(await api(t.app, 'POST', '/api/auth/login', { body: { email: 5, password: true } }), 400)
    assert.deepEqual(
      (typed.details as { path: string }[]).map((d) => d.path).sort(),
      ['/email', '/password'],
    )
  })
})

describe('unexpected failures', () => {
  it('answer 500 with a generic message and no stack, SQL or secret; the log keeps the cause', async () => {
    const t = await buildTestApp({ captureLogs: true })
    try {
      const { admin } = await newTenant(t.app)
      await sql`drop table login_failures`.execute(t.app.ctx.db)
      const password = 'hunter2-secret-value'
      const r = await api(t.app, 'POST', '/api/auth/login', { body: { email: admin.email, password } })
      const body = expectStrictErrorShape(r, 500)
      assert.deepEqual(body, {
        error: 'Internal server error',
        message: 'An unexpected error occurred; no changes were made',
      })
      for (const leak of ['login_failures', 'relation', 'select', 'at ', password, admin.email]) {
        assert.ok(!r.raw.toLowerCase().includes(leak.toLowerCase()), `response leaks ${leak}`)
      }
      const logged = t.logs.filter((line) => line.includes('unexpected error'))
      assert.equal(logged.length, 1)
      assert.match(logged[0]!, /login_failures/)
      assert.ok(!t.logs.some((line) => line.includes(password)), 'the password is never logged')
    } finally {
      await t.close()
    }
  })

  it('answer /health with 500 once the database is gone', async () => {
    const t = await buildTestApp()
    try {
      assert.deepEqual((await api(t.app, 'GET', '/health')).body, { status: 'ok' })
      await t.database.close()
      const body = expectStrictErrorShape(await api(t.app, 'GET', '/health'), 500)
      assert.equal(body.error, 'Internal server error')
    } finally {
      await t.app.close()
    }
  })

  it('map a unique violation no service anticipated to 409 Conflict, not 500', async () => {
    const t = await buildTestApp()
    try {
      const { admin } = await newTenant(t.app)
      // A constraint no repository knows by name, so only the error handler's mapping can answer.
      await sql`create unique index users_full_name_test_key on users (full_name)`.execute(t.app.ctx.db)
      const create = (email: string) =>
        api(t.app, 'POST', '/api/user', {
          token: admin.token,
          body: { email, password: 'long-enough', fullName: 'Same Name', accessRole: 'SALES_REP' },
        })
      assert.equal((await create(uniqueEmail())).status, 201)
      const body = expectStrictErrorShape(await create(uniqueEmail()), 409)
      assert.deepEqual(body, { error: 'Conflict', message: 'A record with the same unique value already exists' })
    } finally {
      await t.close()
    }
  })
})

describe('requests Node rejects before Fastify routes them', () => {
  const t = useTestApp()

  const withServer = async (fn: (port: number) => Promise<void>) => {
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address()
    assert.ok(address && typeof address === 'object')
    await fn(address.port)
  }

  it('answer an over-long URL with 431 and malformed HTTP with 400, in the error shape', async () => {
    await withServer(async (port) => {
      const long = parseRawResponse(await rawHttp(port, `GET /api/user/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`))
      assert.equal(long.status, 431)
      assert.deepEqual(long.body, {
        error: 'Request header fields too large',
        message: 'The request line or headers are larger than the server accepts',
      })
      const garbage = parseRawResponse(await rawHttp(port, 'NOT HTTP AT ALL\r\n\r\n'))
      assert.equal(garbage.status, 400)
      assert.deepEqual(garbage.body, { error: 'Bad request', message: 'The request is not valid HTTP' })
      // The server is still healthy afterwards.
      const health = parseRawResponse(await rawHttp(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))
      assert.equal(health.status, 200)
    })
  })
})
