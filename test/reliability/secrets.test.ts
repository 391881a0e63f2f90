import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { databaseText } from '../helpers/digest.ts'
import { newSuperadmin, uniqueEmail, uniquePhone, uniqueSuffix } from '../helpers/fixtures.ts'
import { api, type ApiResponse } from '../helpers/http.ts'
import { matchingTarget, newUserBody, orgApplyBody } from '../helpers/scenarios.ts'
import { seedAgent, seedAutomation, seedPipeline, seedPrompt, seedTemplate } from '../helpers/seed.ts'

/**
 * Secrets stay secret: credential values given when an organization is created,
 * through PUT credentials and in an org-snapshot apply, and every password, never
 * appear in a response of any route, in any log line (trace level), in a snapshot,
 * or anywhere in the database in clear; stored credentials are ciphertext that the
 * app's SecretBox turns back into the value.
 */
const fault = { failAt: null as string | null }

describe('secrets', () => {
  const t = useTestApp({
    captureLogs: true,
    faults: (step) => {
      if (step === fault.failAt) throw new Error(`injected failure after ${step}`)
    },
  })

  it('credential values and passwords never leave the server in clear', async () => {
    const tag = uniqueSuffix()
    const secret = (name: string) => `${name}-${tag}-S3cr3t-value`
    const passwords = [`Org-admin-pass-${tag}`, `First-user-pass-${tag}`, `New-user-pass-${tag}`, `Wrong-guess-${tag}`, `Failed-apply-pass-${tag}`]
    const responses: ApiResponse[] = []
    const call = async (...args: Parameters<typeof api>) => {
      const response = await api(...args)
      responses.push(response)
      return response
    }
    const root = await newSuperadmin(t.app)
    const adminEmail = uniqueEmail('vault')

    // 1. At organization creation.
    const created = await call(t.app, 'POST', '/api/organizations', {
      token: root.token,
      body: {
        name: `Secretive ${tag}`,
        phoneNumber: uniquePhone(),
        address: '1 Vault Road',
        adminDetails: { email: adminEmail, password: passwords[0], fullName: 'Vault Admin' },
        creds: { anthropicApiKey: secret('create-anthropic'), twilioAuthToken: secret('create-twilio') },
      },
    })
    assert.equal(created.status, 201, created.raw)
    const org = created.body.data.organizationId as string
    const admin = created.body.data.adminUserId as string

    // 2. Through PUT credentials (set, replace, and a value another organization holds: 409).
    const updated = await call(t.app, 'PUT', `/api/organizations/${org}/credentials`, {
      token: root.token,
      body: { sinchApiToken: secret('put-sinch'), anthropicApiKey: secret('put-anthropic') },
    })
    assert.equal(updated.status, 200, updated.raw)
    assert.deepEqual(
      Object.entries(updated.body.credentials).filter(([, set]) => set).map(([name]) => name).sort(),
      ['anthropicApiKey', 'sinchApiToken', 'twilioAuthToken'],
    )

    // A working setup for the admin, captured by an org snapshot and a user snapshot.
    await seedPipeline(t.app, org, 'Sales', ['New', 'Contacted'])
    const prompt = await seedPrompt(t.app, org, admin, 'Greeter')
    const agent = await seedAgent(t.app, org, 'Closer', prompt)
    await seedAutomation(t.app, org, admin, { name: 'Route', sourceStatuses: ['New'], actions: { agentId: agent, targetStage: 'Contacted' } })
    await seedTemplate(t.app, org, admin, 'Intro')
    const orgSnapshot = await call(t.app, 'POST', '/api/org-snapshots', {
      token: root.token,
      body: { name: 'Secretive template', sourceOrgId: org, sourceUserId: admin },
    })
    assert.equal(orgSnapshot.status, 201, orgSnapshot.raw)
    assert.deepEqual(orgSnapshot.body.snapshot.credentialNames, ['anthropicApiKey', 'sinchApiToken', 'twilioAuthToken'])

    // 3. In org-snapshot applies: a dry run, a success, a conflict, and a failure rolled back mid-way.
    const applyUrl = `/api/org-snapshots/${orgSnapshot.body.snapshot._id}/apply`
    const dry = await call(t.app, 'POST', `${applyUrl}?dryRun=true`, {
      token: root.token,
      body: orgApplyBody({ credentials: { twilioAuthToken: secret('dry-twilio') } }),
    })
    assert.equal(dry.status, 200, dry.raw)
    const applied = await call(t.app, 'POST', applyUrl, {
      token: root.token,
      body: orgApplyBody({
        firstUser: { email: uniqueEmail('first'), password: passwords[1], fullName: 'First Admin' },
        credentials: { anthropicApiKey: secret('apply-anthropic'), sinchMmsApiKey: secret('apply-mms') },
      }),
    })
    assert.equal(applied.status, 201, applied.raw)
    const conflict = await call(t.app, 'POST', applyUrl, {
      token: root.token,
      body: orgApplyBody({ credentials: { anthropicApiKey: secret('apply-anthropic') } }),
    })
    assert.equal(conflict.status, 409)
    const taken = await call(t.app, 'PUT', `/api/organizations/${org}/credentials`, {
      token: root.token,
      body: { sinchMmsApiKey: secret('apply-mms') },
    })
    assert.equal(taken.status, 409)
    fault.failAt = 'credentials'
    try {
      const failed = await call(t.app, 'POST', applyUrl, {
        token: root.token,
        body: orgApplyBody({
          firstUser: { email: uniqueEmail('failed'), password: passwords[4], fullName: 'Never' },
          credentials: { twilioAccountSid: secret('failed-sid') },
        }),
      })
      assert.equal(failed.status, 500)
    } finally {
      fault.failAt = null
    }

    // Passwords: a user-snapshot apply, a sign-in and a failed sign-in.
    const target = await matchingTarget(t.app, ['New', 'Contacted'])
    const captured = await call(t.app, 'POST', '/api/user-snapshots', {
      token: root.token,
      body: { name: 'Vault admin', sourceOrgId: org, sourceUserId: admin },
    })
    assert.equal(captured.status, 201, captured.raw)
    const userSnapshot = captured.body.snapshot as { _id: string }
    const userApply = await call(t.app, 'POST', `/api/user-snapshots/${userSnapshot._id}/apply?organizationId=${target.tenant.organization.id}`, {
      token: root.token,
      body: { newUser: newUserBody(uniqueEmail('new'), { password: passwords[2] }) },
    })
    assert.equal(userApply.status, 201, userApply.raw)
    const login = await call(t.app, 'POST', '/api/auth/login', { body: { email: adminEmail, password: passwords[0] } })
    assert.equal(login.status, 200, login.raw)
    const wrong = await call(t.app, 'POST', '/api/auth/login', { body: { email: adminEmail, password: passwords[3] } })
    assert.equal(wrong.status, 401)

    // Every GET route, with every id it might take.
    const ids = [org, applied.body.result.organizationId, orgSnapshot.body.snapshot._id, userSnapshot._id, admin, root.organizationId]
    let gets = 0
    for (const route of t.app.routeCatalog.filter((r) => r.method === 'GET')) {
      const urls = route.url.includes(':') ? ids.map((id) => route.url.replace(/:[A-Za-z]+/g, id)) : [route.url]
      for (const url of urls) {
        const response = await call(t.app, 'GET', url, { token: root.token })
        if (response.status === 200) gets++
      }
    }
    assert.ok(gets >= 12, `${gets} GET answers with content were scanned`)
    const detail = responses.find((r) => r.raw.includes('"credentialNames"') && r.raw.includes('"pipelines":[{'))
    assert.ok(detail, 'the org snapshot detail was among them')

    const secrets = [
      'create-anthropic', 'create-twilio', 'put-sinch', 'put-anthropic', 'dry-twilio', 'apply-anthropic', 'apply-mms', 'failed-sid',
    ].map(secret)
    const forbidden = [...secrets, ...passwords].flatMap((value) => [value, Buffer.from(value).toString('base64')])
    const leaks = (text: string) => forbidden.filter((value) => text.includes(value))

    for (const response of responses) {
      assert.deepEqual(leaks(response.raw), [], `response ${response.status}: ${response.raw.slice(0, 300)}`)
      assert.ok(!response.raw.includes('$argon2'), 'no password hash in a response')
    }

    // Logs at trace level: requests, rejections and the 500 were logged, none of the values.
    const logs = t.logs.join('\n')
    assert.ok(t.logs.length > 100, `${t.logs.length} log lines`)
    assert.ok(logs.includes('"msg":"unexpected error"'), 'the injected failure was logged')
    assert.ok(logs.includes('"msg":"request rejected"'))
    assert.deepEqual(leaks(logs), [])
    assert.ok(!logs.includes(root.token), 'bearer tokens are redacted')
    assert.ok(!logs.includes('$argon2'))

    // The database: nowhere in clear (snapshot tables included); credentials are ciphertext that decrypts.
    const everything = await databaseText(t.app.ctx.db)
    for (const [table, text] of Object.entries(everything)) assert.deepEqual(leaks(text), [], `table ${table}`)
    const stored = await t.app.ctx.db
      .selectFrom('organization_credentials')
      .select(['organization_id', 'name', 'ciphertext', 'value_hash'])
      .where('organization_id', 'in', [org, applied.body.result.organizationId])
      .orderBy('organization_id')
      .orderBy('name')
      .execute()
    const plain = (organizationId: string, name: string) =>
      organizationId === org
        ? { anthropicApiKey: secret('put-anthropic'), sinchApiToken: secret('put-sinch'), twilioAuthToken: secret('create-twilio') }[name]
        : { anthropicApiKey: secret('apply-anthropic'), sinchMmsApiKey: secret('apply-mms') }[name]
    assert.equal(stored.length, 5)
    for (const row of stored) {
      const value = plain(row.organization_id, row.name)
      assert.ok(value, `${row.name} of ${row.organization_id} was given`)
      assert.ok(!row.ciphertext.includes(value) && !row.value_hash.includes(value))
      assert.equal(t.app.ctx.secrets.decrypt(row.ciphertext), value)
    }
  })
})
