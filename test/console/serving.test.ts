import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { consoleSections } from '../../src/plugins/console.ts'
import { consoleSections as routerSections } from '../../web/src/paths.ts'
import { useTestApp } from '../helpers/app.ts'
import { api } from '../helpers/http.ts'

/** A stand-in build (the real one is exercised by the browser tests): what matters here is which address gets what. */
const dir = mkdtempSync(join(tmpdir(), 'tether-console-'))
mkdirSync(join(dir, 'assets'))
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app-1234.js"></script>')
writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log("console")')
writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
after(() => rmSync(dir, { recursive: true, force: true }))

describe('the admin console is served at /', () => {
  const t = useTestApp({ consoleDir: dir })
  const empty = useTestApp({ consoleDir: join(dir, 'missing') })

  it('answers / and every console address (deep links, reloads) with index.html, uncached, with a strict CSP', async () => {
    for (const url of ['/', '/sign-in', '/sign-in?next=%2Fuser-snapshots', '/user-snapshots', '/user-snapshots/665f1a0c0e0a4b001a2c9f80/apply', '/org-snapshots/new', '/audit', '/audit?action=snapshot.created']) {
      const response = await t.app.inject({ method: 'GET', url })
      assert.equal(response.statusCode, 200, url)
      assert.match(String(response.headers['content-type']), /^text\/html/, url)
      assert.match(response.body, /<title>console<\/title>/, url)
      assert.equal(response.headers['cache-control'], 'no-cache')
      assert.match(String(response.headers['content-security-policy']), /script-src 'self'/)
      assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/)
      assert.equal(response.headers['x-content-type-options'], 'nosniff')
    }
  })

  it('serves the hashed assets for a year, and an unknown asset is the JSON 404', async () => {
    const asset = await t.app.inject({ method: 'GET', url: '/assets/app-1234.js' })
    assert.equal(asset.statusCode, 200)
    assert.match(String(asset.headers['content-type']), /javascript/)
    assert.match(String(asset.headers['cache-control']), /immutable/)
    for (const url of ['/assets/missing.js', '/assets/../index.html', '/assets/%2e%2e/index.html']) {
      const response = await api(t.app, 'GET', url)
      assert.equal(response.status, 404, url)
      assert.equal(response.body.error, 'Route not found', url)
    }
  })

  it('leaves the API, the docs and unknown addresses as they were', async () => {
    assert.equal((await api(t.app, 'GET', '/health')).body.status, 'ok')
    const document = await api(t.app, 'GET', '/openapi.json')
    assert.equal(document.status, 200)
    assert.ok(document.body.openapi)
    // The API, health and the public key of signed bundles (SPEC §7.6); nothing of the console.
    const outside = Object.keys(document.body.paths).filter((path) => !path.startsWith('/api'))
    assert.deepEqual(outside.sort(), ['/.well-known/jwks.json', '/health'])
    assert.equal((await t.app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true)
    for (const url of ['/api/nothing-here', '/api/user-snapshots/x/y/z', '/nope', '/user-snapshotsX', '/index.html']) {
      const response = await api(t.app, 'GET', url)
      assert.equal(response.status, 404, url)
      assert.equal(response.body.error, 'Route not found', url)
    }
    assert.equal((await api(t.app, 'POST', '/user-snapshots', { body: {} })).status, 404)
  })

  it('says how to build the console when it has not been built', async () => {
    const response = await api(empty.app, 'GET', '/user-snapshots')
    assert.equal(response.status, 503)
    assert.match(response.body.message, /npm run build:console/)
  })

  it('lists the same top-level sections as the console router', () => {
    assert.deepEqual([...consoleSections].sort(), [...routerSections].sort())
  })
})
