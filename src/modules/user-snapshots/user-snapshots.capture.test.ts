import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'

describe('user snapshots: capture and get', () => {
  const t = useTestApp()

  it('creates a snapshot with counts, creator fields and default sharing', async () => {
    const setup = await sourceSetup(t.app)
    const { admin, organization, salesRep } = setup.tenant
    const response = await api(t.app, 'POST', '/api/user-snapshots', {
      token: admin.token,
      body: {
        name: 'Top performer baseline 2026-05',
        description: 'Senior AE automations and prompts',
        sourceOrgId: organization.id,
        sourceUserId: salesRep.id,
      },
    })
    assert.equal(response.status, 201)
    assert.equal(response.body.message, 'Snapshot created')
    const snapshot = response.body.snapshot
    assert.match(snapshot._id, /^[0-9a-f]{24}$/)
    assert.deepEqual(
      {
        name: snapshot.name,
        description: snapshot.description,
        sourceOrgId: snapshot.sourceOrgId,
        sourceOrgName: snapshot.sourceOrgName,
        sourceUserEmail: snapshot.sourceUserEmail,
        sourceUserName: snapshot.sourceUserName,
        counts: snapshot.counts,
        createdBy: snapshot.createdBy,
        createdByName: snapshot.createdByName,
        createdByRole: snapshot.createdByRole,
        isGlobal: snapshot.isGlobal,
        assignedOrgIds: snapshot.assignedOrgIds,
      },
      {
        name: 'Top performer baseline 2026-05',
        description: 'Senior AE automations and prompts',
        sourceOrgId: organization.id,
        sourceOrgName: organization.name,
        sourceUserEmail: salesRep.email,
        sourceUserName: salesRep.fullName,
        counts: { automations: 3, prompts: 2, templates: 2 },
        createdBy: admin.id,
        createdByName: admin.fullName,
        createdByRole: 'ADMIN',
        isGlobal: false,
        assignedOrgIds: [organization.id],
      },
    )
    assert.ok(!Number.isNaN(Date.parse(snapshot.createdAt)))
  })

  it('returns full copies and every stage and agent reference', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const response = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    assert.equal(response.status, 200)
    const detail = response.body.snapshot
    assert.deepEqual(
      detail.automations.map((a: any) => a.name),
      ['Hand qualified leads to Closer', 'Move to Contacted on first reply', 'Ping webhook'],
    )
    const closer = detail.automations.find((a: any) => a.name === 'Hand qualified leads to Closer')
    assert.deepEqual(closer.sourceStatuses, ['Contacted', 'Qualified'])
    assert.deepEqual(closer.actions, { agentId: setup.agentId, targetStage: 'Qualified' })
    assert.equal(closer.sourceId, setup.automationIds['Hand qualified leads to Closer'])
    assert.deepEqual(
      detail.prompts.map((p: any) => [p.name, p.prompt, p.temperature]),
      [
        ['Greeter', '<prompt>Greeter</prompt>', 0.7],
        ['Objections', '<prompt>Objections</prompt>', 0.7],
      ],
    )
    assert.deepEqual(
      detail.templates.map((x: any) => [x.name, x.type]),
      [
        ['Follow-up', 'sms'],
        ['Intro - new lead', 'sms'],
      ],
    )
    assert.deepEqual(detail.sourcePipelineStageRefs, [
      { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', value: 'Contacted', refType: 'pipelineStage', fieldLocation: 'root' },
      { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', value: 'Qualified', refType: 'pipelineStage', fieldLocation: 'root' },
      { automationName: 'Hand qualified leads to Closer', field: 'targetStage', value: 'Qualified', refType: 'pipelineStage', fieldLocation: 'actions' },
      { automationName: 'Move to Contacted on first reply', field: 'sourceStatuses', value: 'New', refType: 'pipelineStage', fieldLocation: 'root' },
      { automationName: 'Move to Contacted on first reply', field: 'targetStage', value: 'Contacted', refType: 'pipelineStage', fieldLocation: 'actions' },
    ])
    assert.deepEqual(detail.sourceAgentRefs, [
      {
        automationName: 'Hand qualified leads to Closer',
        field: 'agentId',
        value: setup.agentId,
        refType: 'agent',
        fieldLocation: 'actions',
        agentName: 'Closer',
      },
    ])
  })

  it('is immutable: editing or deleting the source afterwards changes nothing in it', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const before = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    const db = t.app.ctx.db
    await db.updateTable('prompts').set({ prompt: 'changed' }).where('user_id', '=', setup.tenant.salesRep.id).execute()
    await db.updateTable('automations').set({ name: 'renamed' }).where('id', '=', setup.automationIds['Ping webhook']!).execute()
    await db.deleteFrom('templates').where('user_id', '=', setup.tenant.salesRep.id).execute()
    await db.deleteFrom('ai_agents').where('id', '=', setup.agentId).execute()
    const after = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    assert.deepEqual(after.body, before.body)
    // Deleting the source user entirely leaves the snapshot whole as well.
    await db.deleteFrom('users').where('id', '=', setup.tenant.salesRep.id).execute()
    const afterUser = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    assert.deepEqual(afterUser.body, before.body)
  })

  it('accepts ids in any case: 24 hex characters are an id, stored and matched lowercase', async () => {
    const setup = await sourceSetup(t.app)
    const { admin, organization, salesRep } = setup.tenant
    const created = await api(t.app, 'POST', '/api/user-snapshots', {
      token: admin.token,
      body: { name: 'Upper', sourceOrgId: organization.id.toUpperCase(), sourceUserId: salesRep.id.toUpperCase() },
    })
    assert.equal(created.status, 201, created.raw)
    assert.equal(created.body.snapshot.sourceOrgId, organization.id)
    const upper = await api(t.app, 'GET', `/api/user-snapshots/${created.body.snapshot._id.toUpperCase()}`, { token: admin.token })
    assert.equal(upper.status, 200)
    assert.equal(upper.body.snapshot._id, created.body.snapshot._id)
  })

  it('lets a SUPERADMIN snapshot any organization\u2019s user', async () => {
    const setup = await sourceSetup(t.app)
    const root = await newSuperadmin(t.app)
    const snapshot = await snapshotOf(t.app, setup, root.token)
    assert.equal(snapshot.createdByRole, 'SUPERADMIN')
    assert.deepEqual(snapshot.assignedOrgIds, [setup.tenant.organization.id])
  })

  it('refuses an ADMIN naming another organization (403) and roles below ADMIN (403)', async () => {
    const setup = await sourceSetup(t.app)
    const other = await newTenant(t.app)
    const body = { name: 'x', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    const before = await snapshotCount()
    const foreign = await api(t.app, 'POST', '/api/user-snapshots', { token: other.admin.token, body })
    assert.equal(foreign.status, 403)
    expectErrorShape(foreign)
    for (const user of [setup.tenant.departmentHead, setup.tenant.salesRep]) {
      const r = await api(t.app, 'POST', '/api/user-snapshots', { token: user.token, body })
      assert.equal(r.status, 403)
    }
    assert.equal(await snapshotCount(), before)
  })

  it('answers 404 when the source user is not in the source organization or the org does not exist', async () => {
    const setup = await sourceSetup(t.app)
    const other = await newTenant(t.app)
    const root = await newSuperadmin(t.app)
    const before = await snapshotCount()
    const wrongUser = await api(t.app, 'POST', '/api/user-snapshots', {
      token: setup.tenant.admin.token,
      body: { name: 'x', sourceOrgId: setup.tenant.organization.id, sourceUserId: other.salesRep.id },
    })
    assert.equal(wrongUser.status, 404)
    const noOrg = await api(t.app, 'POST', '/api/user-snapshots', {
      token: root.token,
      body: { name: 'x', sourceOrgId: 'ffffffffffffffffffffffff', sourceUserId: setup.tenant.salesRep.id },
    })
    assert.equal(noOrg.status, 404)
    expectErrorShape(noOrg)
    assert.equal(await snapshotCount(), before)
  })

  it('rejects bad bodies with 400 and field paths, writing nothing', async () => {
    const setup = await sourceSetup(t.app)
    const { admin, organization, salesRep } = setup.tenant
    const valid = { name: 'ok', sourceOrgId: organization.id, sourceUserId: salesRep.id }
    const cases: [unknown, string][] = [
      [{ ...valid, name: '' }, '/name'],
      [{ ...valid, name: 'x'.repeat(121) }, '/name'],
      [{ ...valid, description: 'x'.repeat(501) }, '/description'],
      [{ ...valid, extra: 1 }, '/extra'],
      [{ ...valid, sourceOrgId: 'nope' }, '/sourceOrgId'],
      [{ ...valid, sourceUserId: 123 }, '/sourceUserId'],
      [{ name: 'x', sourceOrgId: organization.id }, '/sourceUserId'],
      [[], '/'],
    ]
    const before = await snapshotCount()
    for (const [body, path] of cases) {
      const r = await api(t.app, 'POST', '/api/user-snapshots', { token: admin.token, body })
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80))
      const details = expectErrorShape(r).details as { path: string }[]
      assert.ok(details.some((d) => d.path === path), `${path} in ${JSON.stringify(details)}`)
    }
    assert.equal((await api(t.app, 'POST', '/api/user-snapshots', { token: admin.token, body: { ...valid, name: 'x'.repeat(120) } })).status, 201)
    assert.equal(await snapshotCount(), before + 1)
  })

  async function snapshotCount(): Promise<number> {
    const row = await t.app.ctx.db.selectFrom('snapshots').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    return Number(row.n)
  }
})
