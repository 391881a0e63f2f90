import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup } from '../../../test/helpers/scenarios.ts'
import { itemKinds } from './item-kinds.ts'

/** SPEC §7.3: every successful apply is recorded, and every cloned row remembers where it came from. */
describe('applications (lineage)', () => {
  const t = useTestApp()

  /** Each cloned row's origin: its application, its snapshot item, and whether its hash matches its content now. */
  async function originsOf(applicationId: string) {
    const rows: { kind: string; itemId: string | null; hashMatches: boolean }[] = []
    for (const kind of itemKinds.filter((k) => k.clone)) {
      const columns = kind.columns.map((c) => `"${c}"`).join(', ')
      const result = await sql<{ item_id: string | null; matches: boolean }>`
        select origin_item_id as item_id, origin_hash = md5(row(${sql.raw(columns)})::text) as matches
        from ${sql.table(kind.liveTable)} where origin_application_id = ${applicationId}`.execute(t.app.ctx.db)
      rows.push(...result.rows.map((r) => ({ kind: kind.kind, itemId: r.item_id, hashMatches: r.matches })))
    }
    return rows
  }

  it('a user apply records its application with the mappings used; each clone has its origin and content hash', async () => {
    const { setup, target, snapshot, root } = await crossOrgScenario(t.app, ['New', 'Contacted', 'Hot'])
    const pipelineMapping = { 'Hand qualified leads to Closer': { Qualified: 'Hot' } }
    const applied = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody(), pipelineMapping },
    })
    assert.equal(applied.status, 201, applied.raw)
    const { applicationId, userId, userEmail } = applied.body.result

    const list = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/applications`, { token: root.token })
    assert.equal(list.status, 200, list.raw)
    assert.equal(list.body.nextCursor, null)
    const [application] = list.body.applications
    assert.deepEqual(application, {
      _id: applicationId,
      snapshotId: snapshot._id,
      snapshotName: snapshot.name,
      kind: 'user',
      version: 1,
      targetOrganizationId: target.tenant.organization.id,
      targetOrganizationName: target.tenant.organization.name,
      userId,
      userEmail,
      appliedBy: target.tenant.admin.id,
      appliedByName: application.appliedByName,
      appliedAt: application.appliedAt,
      counts: { automations: 3, prompts: 2, templates: 2 },
      mappings: { pipelineMapping },
    })

    const origins = await originsOf(applicationId)
    assert.equal(origins.length, 7, 'three automations, two prompts, two templates')
    const copies = await sql<{ source_id: string }>`select source_id from snapshot_automations where version_id = ${snapshot._id}
      union all select source_id from snapshot_prompts where version_id = ${snapshot._id}
      union all select source_id from snapshot_templates where version_id = ${snapshot._id}`.execute(t.app.ctx.db)
    assert.deepEqual(origins.map((o) => o.itemId).sort(), copies.rows.map((r) => r.source_id).sort())
    assert.ok(origins.every((o) => o.hashMatches), 'the hash is of the content as written (references rewritten)')

    // A local edit is visible against the hash: the base of a later three-way merge.
    await sql`update automations set description = 'edited here' where user_id = ${userId} and name = 'Ping webhook'`.execute(t.app.ctx.db)
    assert.equal((await originsOf(applicationId)).filter((o) => !o.hashMatches).length, 1)
    assert.ok(setup)
  })

  it('an org apply records its application and the origin of every pipeline, stage, agent, property and user item', async () => {
    const source = await orgSourceSetup(t.app)
    const applied = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, {
      token: source.root.token,
      body: orgApplyBody({ firstUser: { email: `first-${Date.now()}@example.test`, password: 'TempPass!2026', fullName: 'First' } }),
    })
    assert.equal(applied.status, 201, applied.raw)
    const { applicationId, organizationId } = applied.body.result
    const origins = await originsOf(applicationId)
    const kinds = [...new Set(origins.map((o) => o.kind))].sort()
    assert.deepEqual(kinds, ['agent', 'automation', 'dynamicProperties', 'pipeline', 'prompt', 'stage', 'template'])
    assert.ok(origins.every((o) => o.hashMatches && o.itemId))

    const here = await api(t.app, 'GET', `/api/organizations/${organizationId}/applications`, { token: source.root.token })
    assert.equal(here.status, 200, here.raw)
    assert.equal(here.body.applications.length, 1)
    assert.equal(here.body.applications[0].kind, 'org')
    assert.deepEqual(here.body.applications[0].mappings, {})
  })

  it('tenant rules: an ADMIN sees applications into their own organization only; paging; they outlive the snapshot', async () => {
    const { target, snapshot, root, setup } = await crossOrgScenario(t.app)
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    for (const admin of [target.tenant.admin, target.tenant.admin, setup.tenant.admin]) {
      const applied = await api(t.app, 'POST', url, { token: admin.token, body: { newUser: newUserBody() } })
      assert.equal(applied.status, 201, applied.raw)
    }
    const dry = await api(t.app, 'POST', `${url}?dryRun=true`, { token: root.token, body: { newUser: newUserBody() } })
    assert.equal(dry.status, 200)

    const all = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/applications`, { token: root.token })
    assert.equal(all.body.applications.length, 3, 'a dry run records nothing')
    const mine = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/applications`, { token: target.tenant.admin.token })
    assert.equal(mine.body.applications.length, 2)
    assert.ok(mine.body.applications.every((a: { targetOrganizationId: string }) => a.targetOrganizationId === target.tenant.organization.id))

    const firstPage = await api(t.app, 'GET', `/api/organizations/${target.tenant.organization.id}/applications?limit=1`, {
      token: target.tenant.admin.token,
    })
    assert.equal(firstPage.body.applications.length, 1)
    assert.ok(firstPage.body.nextCursor)
    const secondPage = await api(
      t.app,
      'GET',
      `/api/organizations/${target.tenant.organization.id}/applications?limit=1&cursor=${firstPage.body.nextCursor}`,
      { token: target.tenant.admin.token },
    )
    assert.equal(secondPage.body.applications.length, 1)
    assert.notEqual(secondPage.body.applications[0]._id, firstPage.body.applications[0]._id)
    assert.equal(secondPage.body.nextCursor, null)
    const badCursor = await api(t.app, 'GET', `/api/organizations/${target.tenant.organization.id}/applications?cursor=nope`, {
      token: target.tenant.admin.token,
    })
    assert.equal(badCursor.status, 400)

    const other = await newTenant(t.app)
    const foreign = await api(t.app, 'GET', `/api/organizations/${target.tenant.organization.id}/applications`, { token: other.admin.token })
    assert.equal(foreign.status, 403)
    const rep = await api(t.app, 'GET', `/api/organizations/${target.tenant.organization.id}/applications`, { token: target.tenant.salesRep.token })
    assert.equal(rep.status, 403)

    const deleted = await api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token: root.token })
    assert.equal(deleted.status, 200)
    const after = await api(t.app, 'GET', `/api/organizations/${target.tenant.organization.id}/applications`, { token: target.tenant.admin.token })
    assert.equal(after.body.applications.length, 2, 'applications outlive their snapshot')
    assert.equal(after.body.applications[0].snapshotId, snapshot._id)
  })
})
