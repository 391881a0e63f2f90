import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fieldErrorsOf, fieldsUnder } from '../../web/src/validation.ts'
import { useTestApp } from '../helpers/app.ts'
import { api } from '../helpers/http.ts'
import { newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'

/**
 * The console shows each server validation message beside the field it concerns,
 * by the JSON Pointer in `details[].path` (web/src/validation.ts). This checks that
 * mapping against what the real API answers, so a change of the error format fails
 * here rather than leaving a message with no field.
 */
describe('console: server validation errors land on their fields', () => {
  const t = useTestApp()

  it('maps each bad new-user field of an apply to that field', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    for (const [field, value] of [
      ['email', 'not-an-email'],
      ['password', 'short'],
      ['phoneNumber', '12345'],
      ['fullName', ''],
    ] as const) {
      const answer = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?dryRun=true`, {
        token: setup.tenant.admin.token,
        body: { newUser: { ...newUserBody(), [field]: value } },
      })
      assert.equal(answer.status, 400, field)
      assert.deepEqual(Object.keys(fieldsUnder(fieldErrorsOf(answer.body), '/newUser')), [field], JSON.stringify(answer.body))
    }
  })

  it('maps an org apply\u2019s errors to the organization, first-user and credential fields', async () => {
    const setup = await orgSourceSetup(t.app)
    const apply = (body: Record<string, unknown>) =>
      api(t.app, 'POST', `/api/org-snapshots/${setup.snapshot._id}/apply?dryRun=true`, { token: setup.root.token, body })

    const phone = await apply(orgApplyBody({ orgPhone: '555' }))
    assert.equal(phone.status, 400)
    assert.ok(fieldErrorsOf(phone.body)['/orgPhone'], JSON.stringify(phone.body))

    const user = await apply(orgApplyBody({ firstUser: { email: 'bad', password: 'Password!2026', fullName: 'A' } }))
    assert.equal(user.status, 400)
    assert.deepEqual(Object.keys(fieldsUnder(fieldErrorsOf(user.body), '/firstUser')), ['email'])

    const credentials = await apply(orgApplyBody({ credentials: { notACredential: 'x' } }))
    assert.equal(credentials.status, 400)
    assert.deepEqual(Object.keys(fieldsUnder(fieldErrorsOf(credentials.body), '/credentials')), ['notACredential'])
  })

  it('ignores details that are not body fields, and bodies without details', () => {
    assert.deepEqual(fieldErrorsOf({ details: [{ location: 'querystring', path: '/limit', message: 'must be <= 500' }] }), {})
    assert.deepEqual(fieldErrorsOf({}), {})
    assert.deepEqual(fieldErrorsOf({ details: [{ automationName: 'A', field: 'targetStage', value: 'X' }] }), {})
    assert.deepEqual(fieldsUnder({ '/newUser/email': 'taken', '/name': 'too long' }, ''), { newUser: 'taken', name: 'too long' })
  })
})
