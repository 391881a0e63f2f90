import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.ts'
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts'
import { createSecretBox } from '../../src/shared/crypto.ts'
import { testSecrets, useTestApp } from '../helpers/app.ts'
import { createPostgresDatabase, testDatabaseKind } from '../helpers/database.ts'
import { newSuperadmin, newTenant, uniqueSuffix } from '../helpers/fixtures.ts'
import { api, expectErrorShape } from '../helpers/http.ts'
import { orgApplyBody, orgSourceSetup } from '../helpers/scenarios.ts'

/**
 * SPEC §4/§10: each credential value is unique across all organizations AND all
 * credential names. Before, uniqueness was per name: org C could store org A's
 * `anthropicApiKey` value as its `sinchApiToken`.
 */
const secretValue = (label: string) => `${label}-${uniqueSuffix()}${uniqueSuffix()}`

describe('credential values are unique across organizations and names', () => {
  const t = useTestApp()
  const put = (token: string, organizationId: string, body: unknown) =>
    api(t.app, 'PUT', `/api/organizations/${organizationId}/credentials`, { token, body })
  const stored = (organizationId: string) =>
    t.app.ctx.db
      .selectFrom('organization_credentials')
      .select(['name', 'ciphertext'])
      .where('organization_id', '=', organizationId)
      .orderBy('name')
      .execute()
      .then((rows) => rows.map((r) => ({ name: r.name, value: t.app.ctx.secrets.decrypt(r.ciphertext) })))

  it("refuses another organization's value under another name, on PUT and on creation, changing nothing", async () => {
    const root = await newSuperadmin(t.app)
    const a = await newTenant(t.app)
    const c = await newTenant(t.app)
    const value = secretValue('sk-ant')
    assert.equal((await put(root.token, a.organization.id, { anthropicApiKey: value })).status, 200)

    const r = await put(root.token, c.organization.id, { sinchApiToken: value })
    assert.equal(r.status, 409)
    assert.deepEqual(expectErrorShape(r), {
      error: 'Credentials already in use',
      message:
        'These credential values are already in use, by another organization or under another credential name: sinchApiToken',
      details: { fields: ['sinchApiToken'] },
    })
    assert.ok(!r.raw.includes(value))
    assert.deepEqual(await stored(c.organization.id), [])

    const created = await api(t.app, 'POST', '/api/organizations', {
      token: root.token,
      body: {
        name: `Copycat ${uniqueSuffix()}`,
        phoneNumber: `+1${String(Date.now()).slice(-10)}`,
        address: 'x',
        adminDetails: { email: `copycat-${uniqueSuffix()}@example.test`, password: 'Admin-pass-1', fullName: 'C' },
        creds: { twilioAuthToken: value },
      },
    })
    assert.equal(created.status, 409)
    assert.deepEqual(expectErrorShape(created).details, { fields: ['twilioAuthToken'] })
  })

  it('refuses one value under two names of one organization, in one request or two', async () => {
    const root = await newSuperadmin(t.app)
    const { organization } = await newTenant(t.app)
    const value = secretValue('dup')
    const both = await put(root.token, organization.id, { sinchApiToken: value, sinchMmsApiKey: value })
    assert.equal(both.status, 409)
    assert.deepEqual(expectErrorShape(both).details, { fields: ['sinchApiToken', 'sinchMmsApiKey'] })
    assert.deepEqual(await stored(organization.id), [])

    assert.equal((await put(root.token, organization.id, { sinchApiToken: value })).status, 200)
    const second = await put(root.token, organization.id, { sinchMmsApiKey: value })
    assert.equal(second.status, 409)
    assert.deepEqual(await stored(organization.id), [{ name: 'sinchApiToken', value }])
    // Setting the same name to its own value again is no conflict.
    assert.equal((await put(root.token, organization.id, { sinchApiToken: value })).status, 200)
  })

  it('lets a value move between two names of one organization in one request, and swaps', async () => {
    const root = await newSuperadmin(t.app)
    const { organization } = await newTenant(t.app)
    const [x, y] = [secretValue('x'), secretValue('y')]
    assert.equal((await put(root.token, organization.id, { twilioAccountSid: x, twilioAuthToken: y })).status, 200)
    const swapped = await put(root.token, organization.id, { twilioAccountSid: y, twilioAuthToken: x })
    assert.equal(swapped.status, 200, swapped.raw)
    assert.deepEqual(await stored(organization.id), [
      { name: 'twilioAccountSid', value: y },
      { name: 'twilioAuthToken', value: x },
    ])
    const moved = await put(root.token, organization.id, { twilioAccountSid: null, anthropicApiKey: y })
    assert.equal(moved.status, 200, moved.raw)
    assert.deepEqual(await stored(organization.id), [
      { name: 'anthropicApiKey', value: y },
      { name: 'twilioAuthToken', value: x },
    ])
  })

  it("refuses an org-snapshot apply whose credentials reuse a stored value under another name (plan and apply)", async () => {
    const setup = await orgSourceSetup(t.app)
    const url = `/api/org-snapshots/${setup.snapshot._id}/apply`
    const body = orgApplyBody({ credentials: { sinchApiToken: setup.secrets.anthropicApiKey } })
    const plan = await api(t.app, 'POST', `${url}?dryRun=true`, { token: setup.root.token, body })
    assert.equal(plan.status, 200, plan.raw)
    // The plan says what the apply answers, in the words of PUT: values are unique across names, not only organizations.
    const inUse = {
      error: 'Credentials already in use',
      message:
        'These credential values are already in use, by another organization or under another credential name: sinchApiToken',
      details: { fields: ['sinchApiToken'] },
    }
    assert.deepEqual(plan.body.plan.problems, [{ status: 409, ...inUse }])
    const applied = await api(t.app, 'POST', url, { token: setup.root.token, body })
    assert.equal(applied.status, 409, applied.raw)
    assert.deepEqual(expectErrorShape(applied), inUse)
    assert.ok(!applied.raw.includes(setup.secrets.anthropicApiKey))
    const created = await t.app.ctx.db.selectFrom('organizations').select('id').where('name', '=', body.orgName).execute()
    assert.deepEqual(created, [])
  })
})

describe('migration 0004 on credentials already shared under different names', () => {
  async function emptyDatabase(): Promise<DatabaseHandle> {
    if (testDatabaseKind === 'pglite') return openDatabase({ kind: 'pglite', dataDir: 'memory://' })
    const created = await createPostgresDatabase()
    const handle = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 })
    return { ...handle, close: () => handle.close().then(() => created.drop()) }
  }

  it('keeps every stored credential readable, and the shared value cannot be written again', async () => {
    const database = await emptyDatabase()
    try {
      const { db } = database
      const secrets = createSecretBox(Buffer.from(testSecrets.ENCRYPTION_KEY, 'hex'))
      await migrateTo(db, '0003_agent_prompt_reference')
      const orgs = []
      for (const name of ['First', 'Second', 'Third']) {
        orgs.push(
          (await db.insertInto('organizations').values({ name, phone_number: `+1000000000${orgs.length}`, address: '' }).returning('id').executeTakeFirstOrThrow()).id,
        )
      }
      const shared = 'value-held-three-times'
      const row = (organization_id: string, name: string, value: string, age: number) => ({
        organization_id,
        name,
        ciphertext: secrets.encrypt(value),
        value_hash: secrets.fingerprint(value),
        updated_at: sql<Date>`now() - make_interval(secs => ${age})`,
      })
      await db
        .insertInto('organization_credentials')
        .values([
          row(orgs[0]!, 'anthropicApiKey', shared, 300),
          row(orgs[1]!, 'sinchApiToken', shared, 200),
          row(orgs[2]!, 'twilioAuthToken', shared, 100),
          row(orgs[2]!, 'sinchMmsApiKey', 'unique-value', 100),
        ] as never)
        .execute()

      await migrateToLatest(db)

      const rows = await db
        .selectFrom('organization_credentials')
        .select(['organization_id', 'name', 'ciphertext', 'legacy_shared_value'])
        .orderBy('updated_at')
        .orderBy('name')
        .execute()
      assert.deepEqual(
        rows.map((r) => [r.organization_id, r.name, secrets.decrypt(r.ciphertext), r.legacy_shared_value]),
        [
          [orgs[0], 'anthropicApiKey', shared, false],
          [orgs[1], 'sinchApiToken', shared, true],
          [orgs[2], 'sinchMmsApiKey', 'unique-value', false],
          [orgs[2], 'twilioAuthToken', shared, true],
        ],
      )
      // The database itself now refuses the shared value under any further name.
      const again = db
        .insertInto('organization_credentials')
        .values({ organization_id: orgs[1]!, name: 'twilioAccountSid', ciphertext: secrets.encrypt(shared), value_hash: secrets.fingerprint(shared) })
        .execute()
      await assert.rejects(again, (error: { code?: string }) => error.code === '23505')
    } finally {
      await database.close()
    }
  })
})
