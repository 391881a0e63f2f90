import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp, type TestApp } from '../../../test/helpers/app.ts'
import { raceTest } from '../../../test/helpers/database.ts'
import { newSuperadmin, newTenant, uniqueEmail, uniquePhone, uniqueSuffix } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'

// The seven credential names of the spec, written out rather than imported: a rename in the code must fail here.
const credentialNames = [
  'anthropicApiKey',
  'sinchServicePlanId',
  'sinchApiToken',
  'sinchMmsApiKey',
  'sinchMmsServiceId',
  'twilioAccountSid',
  'twilioAuthToken',
]
const noCredentials = Object.fromEntries(credentialNames.map((name) => [name, false]))

function organizationBody(overrides: Record<string, unknown> = {}) {
  return {
    name: `Acme ${uniqueSuffix()}`,
    phoneNumber: uniquePhone(),
    address: '1 Market Street',
    adminDetails: { email: uniqueEmail('admin'), password: 'Admin-pass-1', fullName: 'Ada Admin' },
    ...overrides,
  }
}

const secretValue = (label: string) => `${label}-${uniqueSuffix()}${uniqueSuffix()}`

async function counts(t: TestApp) {
  const [organizations, users, credentials] = await Promise.all(
    (['organizations', 'users', 'organization_credentials'] as const).map(async (table) =>
      Number((await t.app.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    ),
  )
  return { organizations, users, credentials }
}

describe('organizations', () => {
  const t = useTestApp()

  describe('POST /api/organizations', () => {
    it('creates the organization and its first ADMIN, who can sign in', async () => {
      const superadmin = await newSuperadmin(t.app)
      const body = organizationBody({
        adminDetails: {
          email: uniqueEmail('Admin'),
          password: 'Admin-pass-1',
          fullName: 'Ada Admin',
          phoneNumber: '+919876543210',
          designation: 'Owner',
        },
      })
      const r = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body })
      assert.equal(r.status, 201, r.raw)
      assert.deepEqual(Object.keys(r.body).sort(), ['data', 'message'])
      assert.equal(r.body.message, 'Organization created')
      const { organizationId, adminUserId } = r.body.data
      assert.match(organizationId, /^[0-9a-f]{24}$/)
      assert.match(adminUserId, /^[0-9a-f]{24}$/)

      const login = await api(t.app, 'POST', '/api/auth/login', {
        body: { email: body.adminDetails.email, password: 'Admin-pass-1' },
      })
      assert.equal(login.status, 200)
      assert.deepEqual(login.body.user, {
        id: adminUserId,
        email: body.adminDetails.email,
        fullName: 'Ada Admin',
        organizationId,
        accessRole: 'ADMIN',
      })
      const profile = await api(t.app, 'GET', '/api/user/profile', { token: login.body.token })
      assert.equal(profile.body.user.phoneNumber, '+919876543210')
      assert.equal(profile.body.user.designation, 'Owner')

      const got = await api(t.app, 'GET', `/api/organizations/${organizationId}`, { token: superadmin.token })
      assert.equal(got.status, 200)
      assert.deepEqual(
        { ...got.body.organization, createdAt: undefined, updatedAt: undefined },
        {
          _id: organizationId,
          name: body.name,
          phoneNumber: body.phoneNumber,
          address: body.address,
          credentials: noCredentials,
          createdAt: undefined,
          updatedAt: undefined,
        },
      )
      const pipelines = await t.app.ctx.db.selectFrom('pipelines').selectAll().where('organization_id', '=', organizationId).execute()
      assert.deepEqual(pipelines, [], 'no pipeline is seeded')
    })

    it('is for SUPERADMIN only', async () => {
      const { admin } = await newTenant(t.app)
      const before = await counts(t)
      const anonymous = await api(t.app, 'POST', '/api/organizations', { body: organizationBody() })
      assert.equal(anonymous.status, 401)
      expectErrorShape(anonymous)
      const forbidden = await api(t.app, 'POST', '/api/organizations', { token: admin.token, body: organizationBody() })
      assert.equal(forbidden.status, 403)
      assert.deepEqual(await counts(t), before)
    })

    it('refuses a name taken in any letter case, or a phone taken, with 409, creating nothing', async () => {
      const superadmin = await newSuperadmin(t.app)
      const first = organizationBody()
      assert.equal((await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body: first })).status, 201)
      const before = await counts(t)
      const clashes = [
        {
          body: organizationBody({ name: first.name.toUpperCase() }),
          error: {
            error: 'Organization name already exists',
            message: `An organization named "${first.name.toUpperCase()}" already exists`,
            details: { field: 'name' },
          },
        },
        {
          body: organizationBody({ phoneNumber: first.phoneNumber }),
          error: {
            error: 'Organization phone already exists',
            message: `An organization with the phone number ${first.phoneNumber} already exists`,
            details: { field: 'phoneNumber' },
          },
        },
      ]
      for (const { body, error } of clashes) {
        const again = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body })
        assert.equal(again.status, 409)
        assert.deepEqual(expectErrorShape(again), error)
      }
      assert.deepEqual(await counts(t), before)
    })

    it('refuses an admin email already in use with 409 and rolls the organization back', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { admin } = await newTenant(t.app)
      const before = await counts(t)
      const body = organizationBody({ adminDetails: { email: admin.email.toUpperCase(), password: 'Admin-pass-1', fullName: 'Dup' } })
      const r = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body })
      assert.equal(r.status, 409)
      assert.equal(expectErrorShape(r).error, 'Email already exists')
      assert.deepEqual(await counts(t), before)
      const byName = await t.app.ctx.db.selectFrom('organizations').select('id').where('name', '=', body.name).execute()
      assert.deepEqual(byName, [])
    })

    it('validates the body: phone pattern, email format, required and unknown fields', async () => {
      const superadmin = await newSuperadmin(t.app)
      const cases: [Record<string, unknown>, string[]][] = [
        [organizationBody({ phoneNumber: '+4420123456' }), ['/phoneNumber']],
        [organizationBody({ phoneNumber: '+1123456789' }), ['/phoneNumber']],
        [organizationBody({ phoneNumber: '5551234567' }), ['/phoneNumber']],
        [organizationBody({ name: '' }), ['/name']],
        [organizationBody({ adminDetails: { email: 'nope', password: 'short', fullName: 'X' } }), ['/adminDetails/email', '/adminDetails/password']],
        [organizationBody({ adminDetails: { email: uniqueEmail(), password: 'Admin-pass-1', fullName: 'X', accessRole: 'SUPERADMIN' } }), ['/adminDetails/accessRole']],
        [organizationBody({ creds: { openaiKey: 'x' } }), ['/creds/openaiKey']],
        [organizationBody({ creds: { anthropicApiKey: '' } }), ['/creds/anthropicApiKey']],
        [{ name: 'Only a name' }, ['/address', '/adminDetails', '/phoneNumber']],
      ]
      const before = await counts(t)
      for (const [body, paths] of cases) {
        const r = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body })
        assert.equal(r.status, 400, JSON.stringify(body))
        const details = expectErrorShape(r).details as { path: string }[]
        assert.deepEqual([...new Set(details.map((d) => d.path))].sort(), paths, JSON.stringify(body))
      }
      assert.deepEqual(await counts(t), before)
    })

    it('stores credentials encrypted and returns only whether each is set', async () => {
      const superadmin = await newSuperadmin(t.app)
      const creds = { anthropicApiKey: secretValue('sk-ant'), twilioAuthToken: secretValue('twilio') }
      const r = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body: organizationBody({ creds }) })
      assert.equal(r.status, 201)
      assert.ok(!r.raw.includes(creds.anthropicApiKey))
      const { organizationId } = r.body.data

      const rows = await t.app.ctx.db
        .selectFrom('organization_credentials')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .orderBy('name')
        .execute()
      assert.deepEqual(rows.map((row) => row.name), ['anthropicApiKey', 'twilioAuthToken'])
      for (const row of rows) {
        const plaintext = creds[row.name as keyof typeof creds]
        assert.ok(!row.ciphertext.includes(plaintext), 'ciphertext must not contain the value')
        assert.ok(!row.value_hash.includes(plaintext))
        assert.ok(!Buffer.from(row.ciphertext.split(':')[3] ?? '', 'base64').toString('utf8').includes(plaintext))
        assert.equal(t.app.ctx.secrets.decrypt(row.ciphertext), plaintext)
      }

      const got = await api(t.app, 'GET', `/api/organizations/${organizationId}`, { token: superadmin.token })
      assert.deepEqual(got.body.organization.credentials, { ...noCredentials, anthropicApiKey: true, twilioAuthToken: true })
      const list = await api(t.app, 'GET', '/api/organizations', { token: superadmin.token })
      for (const response of [got, list]) {
        assert.ok(!response.raw.includes(creds.anthropicApiKey) && !response.raw.includes(creds.twilioAuthToken))
      }
    })

    it('refuses a credential value another organization uses with 409, creating nothing', async () => {
      const superadmin = await newSuperadmin(t.app)
      const shared = secretValue('sid')
      const first = await api(t.app, 'POST', '/api/organizations', {
        token: superadmin.token,
        body: organizationBody({ creds: { twilioAccountSid: shared } }),
      })
      assert.equal(first.status, 201)
      const before = await counts(t)
      const body = organizationBody({ creds: { twilioAccountSid: shared, anthropicApiKey: secretValue('k') } })
      const r = await api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body })
      assert.equal(r.status, 409)
      assert.deepEqual(expectErrorShape(r), {
        error: 'Credentials already in use',
        message: 'These credential values are already in use, by another organization or under another credential name: twilioAccountSid',
        details: { fields: ['twilioAccountSid'] },
      })
      assert.ok(!r.raw.includes(shared))
      assert.deepEqual(await counts(t), before)
      // The same value under another credential name is the same secret (SPEC §4): refused too.
      const other = await api(t.app, 'POST', '/api/organizations', {
        token: superadmin.token,
        body: organizationBody({ creds: { sinchApiToken: shared } }),
      })
      assert.equal(other.status, 409)
    })

    it('creates exactly one organization when the same name is submitted concurrently', raceTest, async () => {
      const superadmin = await newSuperadmin(t.app)
      const name = `Race ${uniqueSuffix()}`
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          api(t.app, 'POST', '/api/organizations', { token: superadmin.token, body: organizationBody({ name }) }),
        ),
      )
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409])
      for (const r of results.filter((r) => r.status === 409)) assert.equal(expectErrorShape(r).error, 'Organization name already exists')
      const rows = await t.app.ctx.db.selectFrom('organizations').select('id').where('name', '=', name).execute()
      assert.equal(rows.length, 1)
      const admins = await t.app.ctx.db.selectFrom('users').select('id').where('organization_id', '=', rows[0]!.id).execute()
      assert.equal(admins.length, 1, 'losers left no admin behind')
    })
  })

  describe('GET /api/organizations and /api/organizations/{id}', () => {
    it('lists organizations for a SUPERADMIN', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { organization } = await newTenant(t.app)
      const r = await api(t.app, 'GET', '/api/organizations', { token: superadmin.token })
      assert.equal(r.status, 200)
      const listed = r.body.organizations.find((o: { _id: string }) => o._id === organization.id)
      assert.deepEqual(Object.keys(listed).sort(), ['_id', 'address', 'createdAt', 'name', 'phoneNumber', 'updatedAt'])
      assert.equal(listed.name, organization.name)
      assert.ok(!Number.isNaN(Date.parse(listed.createdAt)))
    })

    it('answers 404 for an unknown id, 400 for a malformed one, 403 for tenants', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { admin, organization } = await newTenant(t.app)
      const unknown = await api(t.app, 'GET', `/api/organizations/${'0'.repeat(24)}`, { token: superadmin.token })
      assert.equal(unknown.status, 404)
      assert.equal(expectErrorShape(unknown).error, 'Organization not found')
      assert.equal((await api(t.app, 'GET', '/api/organizations/acme', { token: superadmin.token })).status, 400)
      assert.equal((await api(t.app, 'GET', `/api/organizations/${organization.id}`, { token: admin.token })).status, 403)
      assert.equal((await api(t.app, 'GET', '/api/organizations', { token: admin.token })).status, 403)
    })
  })

  describe('PUT /api/organizations/{id}/credentials', () => {
    const put = (token: string, id: string, body: unknown) => api(t.app, 'PUT', `/api/organizations/${id}/credentials`, { token, body })
    const stored = (organizationId: string) =>
      t.app.ctx.db.selectFrom('organization_credentials').selectAll().where('organization_id', '=', organizationId).orderBy('name').execute()

    it('sets, replaces and removes credentials, answering with which are set', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { organization } = await newTenant(t.app)
      const first = secretValue('key')
      const set = await put(superadmin.token, organization.id, { anthropicApiKey: first, sinchApiToken: secretValue('tok') })
      assert.equal(set.status, 200)
      assert.deepEqual(set.body, {
        message: 'Credentials updated',
        credentials: { ...noCredentials, anthropicApiKey: true, sinchApiToken: true },
      })
      assert.ok(!set.raw.includes(first))

      const second = secretValue('key')
      const replaced = await put(superadmin.token, organization.id, { anthropicApiKey: second })
      assert.deepEqual(replaced.body.credentials, { ...noCredentials, anthropicApiKey: true, sinchApiToken: true })
      const rows = await stored(organization.id)
      assert.equal(t.app.ctx.secrets.decrypt(rows.find((r) => r.name === 'anthropicApiKey')!.ciphertext), second)

      const removed = await put(superadmin.token, organization.id, { sinchApiToken: null, twilioAccountSid: null })
      assert.deepEqual(removed.body.credentials, { ...noCredentials, anthropicApiKey: true })
      assert.deepEqual((await stored(organization.id)).map((r) => r.name), ['anthropicApiKey'])

      // The replaced value is free again for another organization; the current one is not.
      const other = await newTenant(t.app)
      assert.equal((await put(superadmin.token, other.organization.id, { anthropicApiKey: first })).status, 200)
      assert.equal((await put(superadmin.token, other.organization.id, { anthropicApiKey: second })).status, 409)
      // Setting an organization's own current value again is not a conflict.
      assert.equal((await put(superadmin.token, organization.id, { anthropicApiKey: second })).status, 200)
    })

    it('refuses a value another organization uses with 409 and changes nothing', async () => {
      const superadmin = await newSuperadmin(t.app)
      const a = await newTenant(t.app)
      const b = await newTenant(t.app)
      const value = secretValue('sid')
      assert.equal((await put(superadmin.token, a.organization.id, { twilioAccountSid: value })).status, 200)
      assert.equal((await put(superadmin.token, b.organization.id, { twilioAuthToken: secretValue('tok') })).status, 200)
      const before = await stored(b.organization.id)
      const r = await put(superadmin.token, b.organization.id, { twilioAccountSid: value, twilioAuthToken: null })
      assert.equal(r.status, 409)
      assert.deepEqual(expectErrorShape(r).details, { fields: ['twilioAccountSid'] })
      assert.deepEqual(await stored(b.organization.id), before, 'the removal in the same request was rolled back')
    })

    it('lets exactly one of four organizations racing for the same value, under the same or other names, have it', raceTest, async () => {
      const superadmin = await newSuperadmin(t.app)
      const tenants = await Promise.all([newTenant(t.app), newTenant(t.app), newTenant(t.app), newTenant(t.app)])
      const value = secretValue('race')
      const names = ['sinchMmsApiKey', 'sinchMmsApiKey', 'anthropicApiKey', 'twilioAuthToken']
      const results = await Promise.all(tenants.map((x, i) => put(superadmin.token, x.organization.id, { [names[i]!]: value })))
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409])
      const holders = await t.app.ctx.db
        .selectFrom('organization_credentials')
        .select('organization_id')
        .where('value_hash', '=', t.app.ctx.secrets.fingerprint(value))
        .execute()
      assert.equal(holders.length, 1)
    })

    it('validates the body and the organization', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { admin, organization } = await newTenant(t.app)
      assert.equal((await put(superadmin.token, organization.id, {})).status, 400)
      const unknownField = await put(superadmin.token, organization.id, { stripeKey: 'x' })
      assert.deepEqual(expectErrorShape(unknownField).details, [{ location: 'body', path: '/stripeKey', message: 'is not an allowed property' }])
      assert.equal((await put(superadmin.token, organization.id, { anthropicApiKey: 5 })).status, 400)
      assert.equal((await put(superadmin.token, '1'.repeat(24), { anthropicApiKey: secretValue('k') })).status, 404)
      assert.equal((await put(admin.token, organization.id, { anthropicApiKey: secretValue('k') })).status, 403)
      assert.deepEqual(await stored(organization.id), [])
    })
  })

  describe('dynamic property sections', () => {
    const sections = [
      {
        name: 'Basics',
        isHidden: false,
        properties: {
          budget: { name: 'Budget', dataType: 'number', isHidden: false },
          source_channel: { name: 'Source channel', dataType: 'string', isHidden: true },
        },
      },
      { name: 'Hidden section', isHidden: true, properties: {} },
    ]
    const url = (orgId: string, type?: string) =>
      `/api/organizations/sections/${orgId}${type === undefined ? '' : `?type=${encodeURIComponent(type)}`}`

    it('has no sections for a type until they are set; the ADMIN of the organization reads and replaces them', async () => {
      const { admin, organization } = await newTenant(t.app)
      const empty = await api(t.app, 'GET', url(organization.id), { token: admin.token })
      assert.equal(empty.status, 200)
      assert.deepEqual(empty.body, { type: 'Contact', sections: [] })

      const put = await api(t.app, 'PUT', url(organization.id), { token: admin.token, body: { sections } })
      assert.equal(put.status, 200)
      assert.equal(put.body.message, 'Sections updated successfully')
      assert.equal(put.body.organization.organizationId, organization.id)
      assert.equal(put.body.organization.type, 'Contact')
      assert.deepEqual(put.body.organization.sections, sections)

      assert.deepEqual((await api(t.app, 'GET', url(organization.id, 'Contact'), { token: admin.token })).body, { type: 'Contact', sections })

      const replaced = [{ name: 'Only', isHidden: false, properties: {} }]
      const again = await api(t.app, 'PUT', url(organization.id), { token: admin.token, body: { sections: replaced } })
      assert.equal(again.body.organization._id, put.body.organization._id, 'one document per organization and type')
      assert.deepEqual((await api(t.app, 'GET', url(organization.id), { token: admin.token })).body.sections, replaced)
    })

    it('keeps each type independent, including custom types', async () => {
      const { admin, organization } = await newTenant(t.app)
      const application = [{ name: 'Loan', isHidden: false, properties: { amount: { name: 'Amount', dataType: 'number', isHidden: false } } }]
      assert.equal((await api(t.app, 'PUT', url(organization.id, 'Contact'), { token: admin.token, body: { sections } })).status, 200)
      assert.equal((await api(t.app, 'PUT', url(organization.id, 'Application'), { token: admin.token, body: { sections: application } })).status, 200)
      assert.deepEqual((await api(t.app, 'GET', url(organization.id, 'Contact'), { token: admin.token })).body.sections, sections)
      assert.deepEqual((await api(t.app, 'GET', url(organization.id, 'Application'), { token: admin.token })).body.sections, application)
      assert.deepEqual((await api(t.app, 'GET', url(organization.id, 'Custom Leads'), { token: admin.token })).body, {
        type: 'Custom Leads',
        sections: [],
      })
    })

    it('fills isHidden and properties defaults', async () => {
      const { admin, organization } = await newTenant(t.app)
      const r = await api(t.app, 'PUT', url(organization.id), {
        token: admin.token,
        body: { sections: [{ name: 'Defaults', properties: { a: { name: 'A', dataType: 'string' } } }, { name: 'Bare' }] },
      })
      assert.equal(r.status, 200, r.raw)
      assert.deepEqual(r.body.organization.sections, [
        { name: 'Defaults', isHidden: false, properties: { a: { name: 'A', dataType: 'string', isHidden: false } } },
        { name: 'Bare', isHidden: false, properties: {} },
      ])
    })

    it('lets a SUPERADMIN act on any organization, and hides other organizations from an ADMIN with 404', async () => {
      const superadmin = await newSuperadmin(t.app)
      const mine = await newTenant(t.app)
      const theirs = await newTenant(t.app)
      assert.equal((await api(t.app, 'PUT', url(theirs.organization.id), { token: superadmin.token, body: { sections } })).status, 200)
      assert.deepEqual((await api(t.app, 'GET', url(theirs.organization.id), { token: superadmin.token })).body.sections, sections)

      const read = await api(t.app, 'GET', url(theirs.organization.id), { token: mine.admin.token })
      assert.equal(read.status, 404)
      assert.equal(expectErrorShape(read).error, 'Organization not found')
      const write = await api(t.app, 'PUT', url(theirs.organization.id), { token: mine.admin.token, body: { sections: [] } })
      assert.equal(write.status, 404)
      assert.deepEqual((await api(t.app, 'GET', url(theirs.organization.id), { token: theirs.admin.token })).body.sections, sections)

      const missing = await api(t.app, 'GET', url('2'.repeat(24)), { token: superadmin.token })
      assert.equal(missing.status, 404)
    })

    it('is for ADMIN and SUPERADMIN only', async () => {
      const { departmentHead, salesRep, organization } = await newTenant(t.app)
      for (const user of [departmentHead, salesRep]) {
        assert.equal((await api(t.app, 'GET', url(organization.id), { token: user.token })).status, 403)
        assert.equal((await api(t.app, 'PUT', url(organization.id), { token: user.token, body: { sections } })).status, 403)
      }
      assert.equal((await api(t.app, 'GET', url(organization.id))).status, 401)
    })

    it('validates the type, the sections and the property keys', async () => {
      const { admin, organization } = await newTenant(t.app)
      const bad: [string, unknown, string][] = [
        [url(organization.id, 'Bad/Type'), { sections }, '/type'],
        [url(organization.id, ''), { sections }, '/type'],
        [url(organization.id), { sections: [{ name: '', isHidden: false, properties: {} }] }, '/sections/0/name'],
        [url(organization.id), { sections: [{ name: 'S', isHidden: 'no', properties: {} }] }, '/sections/0/isHidden'],
        [url(organization.id), { sections: [{ name: 'S', properties: { '1bad key': { name: 'x', dataType: 'string' } } }] }, '/sections/0/properties/1bad key'],
        [url(organization.id), { sections: [{ name: 'S', properties: { ok: { name: 'x' } } }] }, '/sections/0/properties/ok/dataType'],
        [url(organization.id), { sections, extra: true }, '/extra'],
      ]
      for (const [target, body, path] of bad) {
        const r = await api(t.app, 'PUT', target, { token: admin.token, body })
        assert.equal(r.status, 400, `${target} ${JSON.stringify(body)}`)
        const paths = (expectErrorShape(r).details as { path: string }[]).map((d) => d.path)
        assert.ok(paths.includes(path), `${path} not in ${JSON.stringify(paths)}`)
      }
      assert.deepEqual((await api(t.app, 'GET', url(organization.id), { token: admin.token })).body.sections, [])
    })
  })
})
