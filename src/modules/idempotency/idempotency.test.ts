import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { databaseDigest } from '../../../test/helpers/digest.ts'
import { newSuperadmin, uniqueSuffix } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from '../../../test/helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, sourceSetup } from '../../../test/helpers/scenarios.ts'

/** SPEC §7.4: Idempotency-Key on the creating POSTs, on PGlite and PostgreSQL. */
describe('Idempotency-Key', () => {
  const t = useTestApp()
  const newKey = () => `retry-${uniqueSuffix()}`

  const post = (url: string, token: string, body: unknown, key?: string) =>
    api(t.app, 'POST', url, { token, body, headers: key === undefined ? {} : { 'idempotency-key': key } })

  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(t.app.ctx.db)).rows[0]!.n

  const storedKeys = (key: string) => count(sql<{ n: number }>`select count(*)::int as n from idempotency_keys where key = ${key}`)

  function assertReplayOf(replayed: ApiResponse, first: ApiResponse) {
    assert.equal(replayed.status, first.status, replayed.raw)
    assert.equal(replayed.headers['idempotent-replayed'], 'true')
    assert.match(String(replayed.headers['content-type']), /^application\/json/)
    assert.equal(replayed.raw, first.raw)
  }

  it('a retried snapshot create gets the stored answer, marked replayed, and creates nothing more', async () => {
    const setup = await sourceSetup(t.app)
    const root = await newSuperadmin(t.app)
    const source = { sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    for (const [url, token] of [
      ['/api/user-snapshots', setup.tenant.admin.token],
      ['/api/org-snapshots', root.token],
    ] as const) {
      const key = newKey()
      const body = { name: `Once ${key}`, ...source }
      const first = await post(url, token, body, key)
      assert.equal(first.status, 201, first.raw)
      assert.equal(first.headers['idempotent-replayed'], undefined)
      for (let retry = 0; retry < 2; retry++) assertReplayOf(await post(url, token, body, key), first)

      const snapshotId = first.body.snapshot._id
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from snapshots where name = ${body.name}`), 1)
      assert.equal(
        await count(sql<{ n: number }>`select count(*)::int as n from audit_events where snapshot_id = ${snapshotId}`),
        1,
        'one snapshot.created event',
      )
      assert.equal(await storedKeys(key), 1)
      // Without a key every request creates.
      assert.equal((await post(url, token, body)).status, 201)
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from snapshots where name = ${body.name}`), 2)
    }
  })

  it('the same key with another body, path or query is 422 "Idempotency key reused" and changes nothing', async () => {
    const { setup, target, snapshot } = await crossOrgScenario(t.app)
    const token = setup.tenant.admin.token
    const key = newKey()
    const body = { name: `Reuse ${key}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    assert.equal((await post('/api/user-snapshots', token, body, key)).status, 201)

    const before = await databaseDigest(t.app.ctx.db)
    const reuses = [
      post('/api/user-snapshots', token, { ...body, name: 'Another name' }, key),
      post('/api/user-snapshots', token, { ...body, description: 'now with a description' }, key),
      post(`/api/user-snapshots/${snapshot._id}/apply`, token, { newUser: newUserBody() }, key),
      post(`/api/user-snapshots/${snapshot._id}/apply?organizationId=${target.tenant.organization.id}`, token, { newUser: newUserBody() }, key),
    ]
    for (const reuse of reuses) {
      const response = await reuse
      assert.equal(response.status, 422, response.raw)
      assert.equal(expectErrorShape(response).error, 'Idempotency key reused')
    }
    assert.deepEqual(await databaseDigest(t.app.ctx.db), before)
    // The same body with its keys in another order is the same request.
    const reordered = { sourceUserId: body.sourceUserId, sourceOrgId: body.sourceOrgId, name: body.name }
    assert.equal((await post('/api/user-snapshots', token, reordered, key)).headers['idempotent-replayed'], 'true')
  })

  it('keys belong to their caller: another user sending the same key gets their own answer', async () => {
    const setup = await sourceSetup(t.app)
    const root = await newSuperadmin(t.app)
    const key = newKey()
    const body = { name: `Shared key ${key}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    const admin = await post('/api/user-snapshots', setup.tenant.admin.token, body, key)
    const superadmin = await post('/api/user-snapshots', root.token, body, key)
    assert.equal(admin.status, 201)
    assert.equal(superadmin.status, 201)
    assert.equal(superadmin.headers['idempotent-replayed'], undefined)
    assert.notEqual(superadmin.body.snapshot._id, admin.body.snapshot._id)
    assert.equal(superadmin.body.snapshot.createdBy, root.id)
    assert.equal(await storedKeys(key), 2)
  })

  it('a request that failed stored nothing: its retry with the same key runs again', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const token = target.tenant.admin.token
    const key = newKey()
    // The email belongs to a user of the target organization: 409, nothing stored.
    const body = { newUser: newUserBody(target.tenant.departmentHead.email) }
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const failed = await post(url, token, body, key)
    assert.equal(failed.status, 409, failed.raw)
    assert.equal(await storedKeys(key), 0)
    assert.equal((await post(url, token, body, key)).status, 409, 'the retry ran again and failed again')

    const removed = await api(t.app, 'DELETE', `/api/user/${target.tenant.departmentHead.id}`, { token })
    assert.equal(removed.status, 200, removed.raw)
    const succeeded = await post(url, token, body, key)
    assert.equal(succeeded.status, 201, succeeded.raw)
    assert.equal(succeeded.headers['idempotent-replayed'], undefined)
    assertReplayOf(await post(url, token, body, key), succeeded)
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = ${body.newUser.email}`), 1)
  })

  it('applies of both kinds are replayed, even once the snapshot is deleted, and apply once', async () => {
    const { target, snapshot, root } = await crossOrgScenario(t.app)
    const userKey = newKey()
    const userBody = { newUser: newUserBody() }
    const userUrl = `/api/user-snapshots/${snapshot._id}/apply`
    const applied = await post(userUrl, target.tenant.admin.token, userBody, userKey)
    assert.equal(applied.status, 201, applied.raw)
    assert.equal((await api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token: root.token })).status, 200)
    assertReplayOf(await post(userUrl, target.tenant.admin.token, userBody, userKey), applied)
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = ${userBody.newUser.email}`), 1)
    assert.equal(
      await count(sql<{ n: number }>`select count(*)::int as n from audit_events where snapshot_id = ${snapshot._id} and action = 'snapshot.applied'`),
      1,
    )

    const source = await orgSourceSetup(t.app)
    const orgKey = newKey()
    const orgBody = orgApplyBody({ credentials: { anthropicApiKey: `sk-${orgKey}` } })
    const orgUrl = `/api/org-snapshots/${source.snapshot._id}/apply`
    const created = await post(orgUrl, source.root.token, orgBody, orgKey)
    assert.equal(created.status, 201, created.raw)
    assertReplayOf(await post(orgUrl, source.root.token, orgBody, orgKey), created)
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from organizations where name = ${orgBody.orgName}`), 1)
  })

  it('dry runs ignore the key: they store nothing and are never replayed', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const token = target.tenant.admin.token
    const key = newKey()
    const body = { newUser: newUserBody() }
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const preview = await post(`${url}?dryRun=true`, token, body, key)
    assert.equal(preview.status, 200, preview.raw)
    assert.equal(await storedKeys(key), 0)
    const applied = await post(url, token, body, key)
    assert.equal(applied.status, 201, applied.raw)
    assert.equal(applied.headers['idempotent-replayed'], undefined)
    const previewAfter = await post(`${url}?dryRun=true`, token, body, key)
    assert.equal(previewAfter.status, 200)
    assert.equal(previewAfter.headers['idempotent-replayed'], undefined)
    assert.equal(previewAfter.body.message, 'Dry run')
  })

  it('a key that is empty, longer than 255 characters or not printable ASCII is 400, and nothing runs', async () => {
    const setup = await sourceSetup(t.app)
    const token = setup.tenant.admin.token
    const body = { name: `Keys ${uniqueSuffix()}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    const before = await databaseDigest(t.app.ctx.db)
    for (const key of ['', 'k'.repeat(256), 'caf\u00e9', 'tab\there']) {
      const refused = await post('/api/user-snapshots', token, body, key)
      assert.equal(refused.status, 400, `${JSON.stringify(key)}: ${refused.raw}`)
      const error = expectErrorShape(refused)
      assert.equal(error.error, 'Validation error')
      assert.match(JSON.stringify(error.details), /idempotency-key/)
    }
    assert.deepEqual(await databaseDigest(t.app.ctx.db), before)
    for (const key of ['k'.repeat(255), ' ~!"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}']) {
      const accepted = await post('/api/user-snapshots', token, { ...body, name: `${body.name} ${key.length}` }, key)
      assert.equal(accepted.status, 201, `${JSON.stringify(key)}: ${accepted.raw}`)
    }
  })

  it('a key stored more than 24 hours ago no longer counts, and expired keys are purged', async () => {
    const setup = await sourceSetup(t.app)
    const token = setup.tenant.admin.token
    const key = newKey()
    const body = { name: `Day-old ${key}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    const first = await post('/api/user-snapshots', token, body, key)
    assert.equal(first.status, 201)
    const { db } = t.app.ctx
    await sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`.execute(db)
    // Somebody else's day-old key.
    await sql`insert into idempotency_keys (caller_id, key, fingerprint, status_code, body, created_at)
      values ('ffffffffffffffffffffff01', 'old', 'x', 201, '{}', now() - interval '30 hours')`.execute(db)

    const again = await post('/api/user-snapshots', token, body, key)
    assert.equal(again.status, 201, again.raw)
    assert.equal(again.headers['idempotent-replayed'], undefined)
    assert.notEqual(again.body.snapshot._id, first.body.snapshot._id)
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from snapshots where name = ${body.name}`), 2)
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from idempotency_keys where key = 'old'`), 0)
    assert.equal(
      await count(sql<{ n: number }>`select count(*)::int as n from idempotency_keys where created_at <= now() - interval '24 hours'`),
      0,
    )
    // The key now stands for the new answer.
    assertReplayOf(await post('/api/user-snapshots', token, body, key), again)
  })
})
