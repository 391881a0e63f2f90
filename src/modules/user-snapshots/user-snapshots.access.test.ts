import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedAgent, seedPipeline } from '../../../test/helpers/seed.ts'
import { snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'

describe('user snapshots: visibility, sharing, deletion', () => {
  const t = useTestApp()

  it('lists newest first: SUPERADMIN sees all, ADMIN sees own-org-assigned and global, without item bodies', async () => {
    const a = await sourceSetup(t.app)
    const b = await sourceSetup(t.app)
    const root = await newSuperadmin(t.app)
    const first = await snapshotOf(t.app, a, a.tenant.admin.token, 'A first')
    const second = await snapshotOf(t.app, a, a.tenant.admin.token, 'A second')
    const fromB = await snapshotOf(t.app, b, b.tenant.admin.token, 'B only')

    const listA = await api(t.app, 'GET', '/api/user-snapshots', { token: a.tenant.admin.token })
    assert.equal(listA.status, 200)
    assert.deepEqual(listA.body.snapshots.map((s: any) => s._id), [second._id, first._id])
    for (const summary of listA.body.snapshots) {
      assert.equal(summary.automations, undefined)
      assert.equal(summary.prompts, undefined)
      assert.deepEqual(summary.counts, { automations: 3, prompts: 2, templates: 2 })
    }

    const all = await api(t.app, 'GET', '/api/user-snapshots', { token: root.token })
    const ids = all.body.snapshots.map((s: any) => s._id)
    assert.ok([first._id, second._id, fromB._id].every((id) => ids.includes(id)))
    assert.ok(ids.indexOf(fromB._id) < ids.indexOf(second._id))

    // B's snapshot becomes visible to A once global.
    const global = await api(t.app, 'PATCH', `/api/user-snapshots/${fromB._id}/assign`, {
      token: b.tenant.admin.token,
      body: { isGlobal: true },
    })
    assert.equal(global.status, 200)
    const listA2 = await api(t.app, 'GET', '/api/user-snapshots', { token: a.tenant.admin.token })
    assert.deepEqual(listA2.body.snapshots.map((s: any) => s._id), [fromB._id, second._id, first._id])
  })

  it('pages with limit and cursor, and rejects a forged cursor', async () => {
    const setup = await sourceSetup(t.app)
    const made = []
    for (let i = 0; i < 5; i++) made.push((await snapshotOf(t.app, setup, setup.tenant.admin.token, `Page ${i}`))._id)
    // Global snapshots of other tests are visible too: paging must reproduce the unpaged list exactly.
    const unpaged = await api(t.app, 'GET', '/api/user-snapshots', { token: setup.tenant.admin.token })
    assert.equal(unpaged.body.nextCursor, null)
    const everything = unpaged.body.snapshots.map((s: any) => s._id)
    assert.deepEqual(everything.slice(0, 5), [...made].reverse())
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2'
      const page: any = await api(t.app, 'GET', `/api/user-snapshots${query}`, { token: setup.tenant.admin.token })
      assert.equal(page.status, 200)
      assert.ok(page.body.snapshots.length <= 2)
      seen.push(...page.body.snapshots.map((s: any) => s._id))
      cursor = page.body.nextCursor
      pages++
    } while (cursor)
    assert.equal(pages, Math.ceil(everything.length / 2))
    assert.deepEqual(seen, everything)
    for (const bad of ['?cursor=zzzz', '?limit=0', '?limit=501', '?limit=abc', '?cursor=%24%24', '?other=1']) {
      const r = await api(t.app, 'GET', `/api/user-snapshots${bad}`, { token: setup.tenant.admin.token })
      assert.equal(r.status, 400, bad)
      expectErrorShape(r)
    }
  })

  it('hides invisible snapshots behind 404 on every id route', async () => {
    const a = await sourceSetup(t.app)
    const b = await newTenant(t.app)
    const snapshot = await snapshotOf(t.app, a)
    const token = b.admin.token
    const newUser = { email: 'x@example.test', password: 'Password!1', fullName: 'X', accessRole: 'SALES_REP' }
    const calls = [
      api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token }),
      api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token }),
      api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, { token, body: { isGlobal: true } }),
      api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/apply-refs`, { token }),
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token, body: { newUser } }),
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?dryRun=true`, { token, body: { newUser } }),
    ]
    for (const r of await Promise.all(calls)) {
      assert.equal(r.status, 404)
      assert.equal(expectErrorShape(r).error, 'Snapshot not found')
    }
    const row = await t.app.ctx.db.selectFrom('snapshots').select(['is_global']).where('id', '=', snapshot._id).executeTakeFirst()
    assert.equal(row?.is_global, false)
  })

  it('assigns: SUPERADMIN replaces the list (deduplicated), unknown orgs are 400, an empty body is 400', async () => {
    const a = await sourceSetup(t.app)
    const b = await newTenant(t.app)
    const c = await newTenant(t.app)
    const root = await newSuperadmin(t.app)
    const snapshot = await snapshotOf(t.app, a)
    const url = `/api/user-snapshots/${snapshot._id}/assign`

    const assigned = await api(t.app, 'PATCH', url, {
      token: root.token,
      body: { assignedOrgIds: [b.organization.id, c.organization.id, b.organization.id] },
    })
    assert.equal(assigned.status, 200)
    assert.equal(assigned.body.message, 'Snapshot access updated')
    assert.deepEqual(assigned.body.snapshot.assignedOrgIds, [b.organization.id, c.organization.id])
    assert.equal(assigned.body.snapshot.isGlobal, false)
    // Now B sees it and A (no longer assigned) does not.
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: b.admin.token })).status, 200)
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: a.tenant.admin.token })).status, 404)

    const unknown = await api(t.app, 'PATCH', url, {
      token: root.token,
      body: { assignedOrgIds: [b.organization.id, 'ffffffffffffffffffffffff'] },
    })
    assert.equal(unknown.status, 400)
    assert.deepEqual((expectErrorShape(unknown).details as any[]).map((d) => d.path), ['/assignedOrgIds/1'])
    for (const body of [{}, { isGlobal: 'yes' }, { assignedOrgIds: ['nope'] }, { assignedOrgIds: 'x' }, { other: true }]) {
      const r = await api(t.app, 'PATCH', url, { token: root.token, body })
      assert.equal(r.status, 400, JSON.stringify(body))
    }
    const row = await t.app.ctx.db.selectFrom('snapshots').select(['assigned_org_ids', 'is_global']).where('id', '=', snapshot._id).executeTakeFirstOrThrow()
    assert.deepEqual(row, { assigned_org_ids: [b.organization.id, c.organization.id], is_global: false })

    const cleared = await api(t.app, 'PATCH', url, { token: root.token, body: { assignedOrgIds: [], isGlobal: true } })
    assert.equal(cleared.status, 200)
    assert.deepEqual(cleared.body.snapshot.assignedOrgIds, [])
    assert.equal(cleared.body.snapshot.isGlobal, true)
  })

  it('assigns: an ADMIN may toggle isGlobal on own snapshots only, never assignedOrgIds', async () => {
    const setup = await sourceSetup(t.app)
    const { admin, organization } = setup.tenant
    const otherAdmin = await newTenantAdminOf(organization.id)
    const snapshot = await snapshotOf(t.app, setup)
    const url = `/api/user-snapshots/${snapshot._id}/assign`

    const sendsList = await api(t.app, 'PATCH', url, { token: admin.token, body: { assignedOrgIds: [organization.id] } })
    assert.equal(sendsList.status, 403)
    const sendsBoth = await api(t.app, 'PATCH', url, {
      token: admin.token,
      body: { assignedOrgIds: [organization.id], isGlobal: true },
    })
    assert.equal(sendsBoth.status, 403)
    const notCreator = await api(t.app, 'PATCH', url, { token: otherAdmin, body: { isGlobal: true } })
    assert.equal(notCreator.status, 403)
    expectErrorShape(notCreator)
    const row = await t.app.ctx.db.selectFrom('snapshots').select('is_global').where('id', '=', snapshot._id).executeTakeFirstOrThrow()
    assert.equal(row.is_global, false)

    const own = await api(t.app, 'PATCH', url, { token: admin.token, body: { isGlobal: true } })
    assert.equal(own.status, 200)
    assert.equal(own.body.snapshot.isGlobal, true)
    assert.deepEqual(own.body.snapshot.assignedOrgIds, [organization.id])
  })

  it('deletes: the creating ADMIN or any SUPERADMIN; another ADMIN of the org gets 403', async () => {
    const setup = await sourceSetup(t.app)
    const root = await newSuperadmin(t.app)
    const otherAdmin = await newTenantAdminOf(setup.tenant.organization.id)
    const mine = await snapshotOf(t.app, setup)
    const theirs = await snapshotOf(t.app, setup)

    const refused = await api(t.app, 'DELETE', `/api/user-snapshots/${mine._id}`, { token: otherAdmin })
    assert.equal(refused.status, 403)
    const ok = await api(t.app, 'DELETE', `/api/user-snapshots/${mine._id}`, { token: setup.tenant.admin.token })
    assert.equal(ok.status, 200)
    assert.equal(ok.body.message, 'Snapshot deleted')
    const byRoot = await api(t.app, 'DELETE', `/api/user-snapshots/${theirs._id}`, { token: root.token })
    assert.equal(byRoot.status, 200)
    const remaining = await t.app.ctx.db.selectFrom('snapshots').select('id').where('id', 'in', [mine._id, theirs._id]).execute()
    assert.deepEqual(remaining, [])
    const items = await t.app.ctx.db.selectFrom('snapshot_automations').select('name').where('version_id', '=', mine._id).execute()
    assert.deepEqual(items, [])
    const again = await api(t.app, 'DELETE', `/api/user-snapshots/${mine._id}`, { token: root.token })
    assert.equal(again.status, 404)
  })

  it('lists the users of a source organization for its ADMIN (own org only) and any SUPERADMIN', async () => {
    const setup = await sourceSetup(t.app)
    const other = await newTenant(t.app)
    const root = await newSuperadmin(t.app)
    const url = `/api/user-snapshots/orgs/${setup.tenant.organization.id}/users`
    const own = await api(t.app, 'GET', url, { token: setup.tenant.admin.token })
    assert.equal(own.status, 200)
    const expected = [setup.tenant.admin, setup.tenant.departmentHead, setup.tenant.salesRep]
      .map((u) => ({ _id: u.id, fullName: u.fullName, email: u.email, accessRole: u.role }))
      .sort((x, y) => x._id.localeCompare(y._id))
    assert.deepEqual([...own.body.users].sort((x: any, y: any) => x._id.localeCompare(y._id)), expected)
    assert.equal((await api(t.app, 'GET', url, { token: other.admin.token })).status, 404)
    assert.equal((await api(t.app, 'GET', url, { token: root.token })).status, 200)
    assert.equal((await api(t.app, 'GET', '/api/user-snapshots/orgs/ffffffffffffffffffffffff/users', { token: root.token })).status, 404)
    assert.equal((await api(t.app, 'GET', '/api/user-snapshots/orgs/bad/users', { token: root.token })).status, 400)
  })

  it('apply-refs lists the snapshot references and the target organization\u2019s pipelines and agents', async () => {
    const setup = await sourceSetup(t.app)
    const target = await newTenant(t.app)
    const pipeline = await seedPipeline(t.app, target.organization.id, 'Target', ['Fresh', 'Reached Out'])
    const agent = await seedAgent(t.app, target.organization.id, 'Helper')
    const snapshot = await snapshotOf(t.app, setup)
    const root = await newSuperadmin(t.app)
    const response = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/apply-refs?organizationId=${target.organization.id}`, {
      token: root.token,
    })
    assert.equal(response.status, 200)
    assert.equal(response.body.stageRefs.length, 5)
    assert.ok(response.body.stageRefs.every((r: any) => r.refType === 'pipelineStage'))
    assert.deepEqual(response.body.agentRefs.map((r: any) => [r.value, r.agentName]), [[setup.agentId, 'Closer']])
    assert.deepEqual(response.body.targetPipelines, [
      {
        _id: pipeline.id,
        name: 'Target',
        stages: pipeline.stages.map((s) => ({ name: s.name, color: s.color })),
      },
    ])
    assert.deepEqual(response.body.targetAgents, [{ _id: agent, name: 'Helper', description: 'Helper agent' }])
    // An ADMIN naming another organization is refused.
    const refused = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/apply-refs?organizationId=${target.organization.id}`, {
      token: setup.tenant.admin.token,
    })
    assert.equal(refused.status, 403)
  })

  async function newTenantAdminOf(organizationId: string): Promise<string> {
    const { newUser } = await import('../../../test/helpers/fixtures.ts')
    return (await newUser(t.app, organizationId, 'ADMIN')).token
  }
})
