import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'

/**
 * /docs "Try it out" works from whatever host and port the page was loaded from:
 * the OpenAPI document names its server relatively. Other origins get CORS only
 * when CORS_ORIGINS lists them (default none).
 */
const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/api/user/profile',
  headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
})

describe('browser access', () => {
  const plain = useTestApp()
  const listed = useTestApp({ config: { corsOrigins: ['https://crm.example.test', 'http://localhost:5173'] } })

  it('describes the server the document is served from, whatever the host and port', async () => {
    for (const host of ['127.0.0.1:2212', 'localhost:8080', 'relay.example.test']) {
      const r = await plain.app.inject({ method: 'GET', url: '/openapi.json', headers: { host } })
      assert.deepEqual(JSON.parse(r.body).servers, [{ url: '/', description: 'This server' }])
    }
  })

  it('answers no cross-origin request with CORS headers unless CORS_ORIGINS lists the origin', async () => {
    const denied = await plain.app.inject(preflight('https://crm.example.test'))
    assert.equal(denied.headers['access-control-allow-origin'], undefined)
    const health = await plain.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://crm.example.test' } })
    assert.equal(health.headers['access-control-allow-origin'], undefined)

    const allowed = await listed.app.inject(preflight('https://crm.example.test'))
    assert.equal(allowed.statusCode, 204)
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://crm.example.test')
    assert.match(String(allowed.headers['access-control-allow-headers']), /authorization/i)
    const get = await listed.app.inject({ method: 'GET', url: '/health', headers: { origin: 'http://localhost:5173' } })
    assert.equal(get.headers['access-control-allow-origin'], 'http://localhost:5173')
    assert.match(String(get.headers['access-control-expose-headers']), /Retry-After/)

    const other = await listed.app.inject(preflight('https://evil.example.test'))
    assert.equal(other.headers['access-control-allow-origin'], undefined)
  })
})
