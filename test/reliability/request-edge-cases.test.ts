import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin } from '../helpers/fixtures.ts'
import { api, type ApiResponse } from '../helpers/http.ts'

/** Inputs the fuzzer found mishandled, pinned as plain examples. */

/** Exactly the error shape: no other keys (no Fastify `code`/`statusCode`, no echoed URL). */
function assertStrictErrorShape(response: ApiResponse, status: number, error: string) {
  assert.equal(response.status, status, response.raw)
  assert.deepEqual(Object.keys(response.body as object).sort(), ['error', 'message'])
  assert.equal(response.body.error, error)
  assert.equal(typeof response.body.message, 'string')
}

describe('request edge cases found by fuzzing', () => {
  const t = useTestApp()

  it('a malformed percent-encoding or an over-long path segment answers in the one error shape', async () => {
    const root = await newSuperadmin(t.app)
    for (const url of ['/api/user-snapshots/%ZZ', '/api/user-snapshots/%E0%A4%A/apply', '/api/organizations/%']) {
      const response = await api(t.app, 'GET', url, { token: root.token })
      assertStrictErrorShape(response, 400, 'Bad request')
      assert.ok(!response.raw.includes('%'), 'the URL is not echoed back')
    }
    const long = await api(t.app, 'GET', `/api/org-snapshots/${'f'.repeat(201)}`, { token: root.token })
    assertStrictErrorShape(long, 414, 'URI too long')
    assert.ok(!long.raw.includes('fffff'))
    // Without a token as well: these answers come before authentication.
    assertStrictErrorShape(await api(t.app, 'DELETE', '/api/user-snapshots/%ZZ'), 400, 'Bad request')
  })
})
