import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin } from '../helpers/fixtures.ts'
import { api, type ApiResponse } from '../helpers/http.ts'
import { matchingTarget, newUserBody, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'

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

  it('dynamic-property keys must all match the key pattern; other keys are refused, not stored', async () => {
    const setup = await sourceSetup(t.app)
    const org = setup.tenant.organization.id
    const field = { name: 'First Name', dataType: 'string', isHidden: false }
    const cases = [
      { ' ': 0 },
      { '1starts-with-digit': field },
      { 'has space': field },
      { ['k'.repeat(65)]: field },
      { firstName: field, 'bad-key': { evil: [1, 2] } },
    ]
    for (const properties of cases) {
      const response = await api(t.app, 'PUT', `/api/organizations/sections/${org}`, {
        token: setup.tenant.admin.token,
        body: { sections: [{ name: 'Basics', isHidden: false, properties }] },
      })
      assert.equal(response.status, 400, JSON.stringify(properties))
      assert.ok((response.body.details as { path: string }[]).some((d) => d.path.startsWith('/sections/0/properties/')))
    }
    const stored = await t.app.ctx.db.selectFrom('dynamic_properties').select('id').where('organization_id', '=', org).execute()
    assert.deepEqual(stored, [])
    const valid = await api(t.app, 'PUT', `/api/organizations/sections/${org}`, {
      token: setup.tenant.admin.token,
      body: { sections: [{ name: 'Basics', isHidden: false, properties: { firstName: field, _x9: field } }] },
    })
    assert.equal(valid.status, 200, valid.raw)
    assert.deepEqual(Object.keys(valid.body.organization.sections[0].properties).sort(), ['_x9', 'firstName'])
  })

  it('apply mappings validate every value under any key, and keys are at most 200 characters', async () => {
    const setup = await sourceSetup(t.app)
    const target = await matchingTarget(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const root = await newSuperadmin(t.app)
    const url = `/api/user-snapshots/${snapshot._id}/apply?organizationId=${target.tenant.organization.id}`
    const automation = 'Move to Contacted on first reply'
    const cases: [Record<string, unknown>, string][] = [
      [{ pipelineMapping: { [automation]: { 'New\nline': 5 } } }, `/pipelineMapping/${automation}/New\nline`],
      [{ pipelineMapping: { [automation]: { ['s'.repeat(201)]: 'Contacted' } } }, `/pipelineMapping/${automation}/${'s'.repeat(201)}`],
      [{ agentMapping: { [automation]: { 'a\tb': { evil: true } } } }, `/agentMapping/${automation}/a\tb`],
      [{ sourceStatusesMapping: { 'line\nbreak': 'New' } }, '/sourceStatusesMapping/line\nbreak'],
      [{ pipelineMapping: { ['a'.repeat(201)]: {} } }, `/pipelineMapping/${'a'.repeat(201)}`],
    ]
    for (const [mapping, path] of cases) {
      for (const dryRun of ['&dryRun=true', '']) {
        const response = await api(t.app, 'POST', `${url}${dryRun}`, { token: root.token, body: { newUser: newUserBody(), ...mapping } })
        assert.equal(response.status, 400, `${JSON.stringify(mapping)}: ${response.raw}`)
        assert.ok((response.body.details as { path: string }[]).some((d) => d.path === path), response.raw)
      }
    }
    const users = await t.app.ctx.db.selectFrom('users').select('id').where('organization_id', '=', target.tenant.organization.id).execute()
    assert.equal(users.length, 3, 'nothing was applied')
  })
})
