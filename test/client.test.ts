import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { App } from '../src/app.ts'
import { createTetherClient, toApiError } from '../src/client/index.ts'
import { useTestApp } from './helpers/app.ts'
import { testPassword } from './helpers/fixtures.ts'
import { snapshotOf, sourceSetup } from './helpers/scenarios.ts'

/** A fetch that hands each request to the app in process (no socket). */
function injectFetch(app: App): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined
    const response = await app.inject({
      method: request.method as 'GET',
      url: url.pathname + url.search,
      headers: Object.fromEntries(request.headers),
      ...(body ? { payload: body } : {}),
    })
    return new Response(response.statusCode === 204 ? null : response.rawPayload, {
      status: response.statusCode,
      headers: response.headers as Record<string, string>,
    })
  }
}

describe('typed API client (src/client)', () => {
  const t = useTestApp()

  it('signs in, sends the token on later calls and reads typed answers', async () => {
    const setup = await sourceSetup(t.app)
    const created = await snapshotOf(t.app, setup)
    const session: { token?: string } = {}
    const client = createTetherClient({ baseUrl: 'http://relay.test', token: () => session.token, fetch: injectFetch(t.app) })

    const login = await client.POST('/api/auth/login', { body: { email: setup.tenant.admin.email, password: testPassword } })
    assert.equal(login.response.status, 200)
    session.token = login.data?.token
    assert.equal(login.data?.user.accessRole, 'ADMIN')

    const list = await client.GET('/api/user-snapshots', { params: { query: { limit: 10 } } })
    assert.equal(list.response.status, 200)
    assert.deepEqual(list.data?.snapshots.map((s) => s._id), [created._id])
  })

  it('reports 401 through onUnauthorized and returns the error body', async () => {
    const unauthorized: number[] = []
    const client = createTetherClient({
      baseUrl: 'http://relay.test/',
      token: () => 'not-a-token',
      onUnauthorized: (response) => unauthorized.push(response.status),
      fetch: injectFetch(t.app),
    })
    const result = await client.GET('/api/user-snapshots')
    assert.equal(result.response.status, 401)
    assert.deepEqual(unauthorized, [401])
    const error = toApiError(result.error, result.response)
    assert.equal(error.error, 'Invalid or expired token')
    assert.equal(typeof error.message, 'string')
  })
})
