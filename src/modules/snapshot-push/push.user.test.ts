import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { newVersion, pushAndWait } from '../../../test/helpers/push.ts'
import { crossOrgScenario, newUserBody } from '../../../test/helpers/scenarios.ts'
import { seedPrompt } from '../../../test/helpers/seed.ts'

/** Push of a user snapshot over HTTP, merge rule by merge rule (SPEC §7.5). */

type Change = { kind: string; name: string; action: string; fields?: { path: string; side: string; resolution?: string }[]; reason?: string }

describe('push of a user snapshot', () => {
  const t = useTestApp()

  /** A snapshot applied across organizations, then edited locally in the target and in the source. */
  async function appliedScenario() {
    const scenario = await crossOrgScenario(t.app)
    const { target, snapshot } = scenario
    const applied = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(applied.status, 201, applied.raw)
    const userId = applied.body.result.userId as string
    const applications = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/applications`, { token: target.tenant.admin.token })
    const applicationId = applications.body.applications[0]._id as string
    return { ...scenario, userId, applicationId }
  }

  const db = () => t.app.ctx.db
  const automationOf = (userId: string, name: string) =>
    db().selectFrom('automations').selectAll().where('user_id', '=', userId).where('name', '=', name).executeTakeFirst()

  it('merges item by item: created, updated, merged, kept when deleted locally or removed from the snapshot; a second push changes nothing', async () => {
    const s = await appliedScenario()
    const sourceRep = s.setup.tenant.salesRep.id
    const targetOrg = s.target.tenant.organization.id
    // Local edits in the target.
    await db().updateTable('automations').set({ description: 'edited in the target' }).where('user_id', '=', s.userId).where('name', '=', 'Ping webhook').execute()
    await db().deleteFrom('templates').where('user_id', '=', s.userId).where('name', '=', 'Follow-up').execute()
    // Changes in the source, captured as version 2.
    await db().updateTable('automations').set({ actions: JSON.stringify({ sendToWebhook: true, webhookUrl: 'https://hooks.example.test/b', webhookMethod: 'POST' }) })
      .where('user_id', '=', sourceRep).where('name', '=', 'Ping webhook').execute()
    await db().updateTable('automations').set({ description: 'Moves sooner' }).where('user_id', '=', sourceRep).where('name', '=', 'Move to Contacted on first reply').execute()
    await db().deleteFrom('templates').where('user_id', '=', sourceRep).where('name', '=', 'Intro - new lead').execute()
    await db().updateTable('templates').set({ template: 'Changed in the source' }).where('user_id', '=', sourceRep).where('name', '=', 'Follow-up').execute()
    await seedPrompt(t.app, s.setup.tenant.organization.id, sourceRep, 'Closing')
    assert.equal(await newVersion(t.app, 'user', s.snapshot._id, s.setup.tenant.admin.token), 2)

    const dry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, { token: s.target.tenant.admin.token, body: {} })
    assert.equal(dry.status, 200, dry.raw)
    assert.equal(dry.body.message, 'Dry run')
    const [plan] = dry.body.plan.targets
    assert.equal(dry.body.plan.targets.length, 1)
    assert.deepEqual(
      { applicationId: plan.applicationId, userId: plan.userId, organizationId: plan.organizationId, fromVersion: plan.fromVersion, toVersion: plan.toVersion, problems: plan.problems, wouldSucceed: plan.wouldSucceed },
      { applicationId: s.applicationId, userId: s.userId, organizationId: targetOrg, fromVersion: 1, toVersion: 2, problems: [], wouldSucceed: true },
    )
    const byName = new Map<string, Change>(plan.changes.map((c: Change) => [`${c.kind}:${c.name}`, c]))
    assert.equal(byName.get('prompt:Closing')?.action, 'create')
    assert.deepEqual(byName.get('automation:Move to Contacted on first reply'), {
      kind: 'automation', name: 'Move to Contacted on first reply', action: 'update', fields: [{ path: '/description', side: 'snapshot' }],
    })
    const merged = byName.get('automation:Ping webhook')!
    assert.equal(merged.action, 'update')
    assert.deepEqual(merged.fields, [{ path: '/actions/webhookUrl', side: 'snapshot' }])
    assert.equal(byName.get('template:Follow-up')?.action, 'keep', 'deleted locally: stays deleted')
    assert.match(byName.get('template:Follow-up')!.reason!, /Deleted locally/)
    assert.equal(byName.get('template:Intro - new lead')?.action, 'keep', 'removed from the snapshot, removeDeleted false')
    assert.equal(byName.has('prompt:Greeter'), false, 'unchanged items are not listed')
    assert.equal((await automationOf(s.userId, 'Move to Contacted on first reply'))!.description, 'Move to Contacted on first reply does things', 'a dry run writes nothing')

    const job = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token)
    assert.equal(job.status, 'succeeded', JSON.stringify(job))
    assert.deepEqual(job.targets[0].changes, { created: 1, updated: 2, deleted: 0, kept: 5, conflicts: 0 })

    const ping = (await automationOf(s.userId, 'Ping webhook'))!
    assert.equal(ping.description, 'edited in the target', 'the local edit survives')
    assert.equal((ping.actions as Record<string, unknown>).webhookUrl, 'https://hooks.example.test/b', 'the snapshot edit arrives')
    assert.equal((await automationOf(s.userId, 'Move to Contacted on first reply'))!.description, 'Moves sooner')
    const templates = await db().selectFrom('templates').select('name').where('user_id', '=', s.userId).orderBy('name').execute()
    assert.deepEqual(templates.map((r) => r.name), ['Intro - new lead'])
    const closing = await db().selectFrom('prompts').selectAll().where('user_id', '=', s.userId).where('name', '=', 'Closing').executeTakeFirstOrThrow()
    assert.equal(closing.origin_application_id, s.applicationId)
    const apps = await api(t.app, 'GET', `/api/user-snapshots/${s.snapshot._id}/applications`, { token: s.target.tenant.admin.token })
    assert.equal(apps.body.applications[0].version, 2)

    // Nothing left to push by default; the same version again, named, changes nothing.
    const none = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token: s.target.tenant.admin.token, body: {} })
    assert.equal(none.status, 422)
    assert.equal(expectErrorShape(none).error, 'Nothing to push')
    const again = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token, { applicationIds: [s.applicationId] })
    assert.equal(again.status, 'succeeded')
    assert.deepEqual(again.targets[0].changes, { created: 0, updated: 0, deleted: 0, kept: 8, conflicts: 0 })
    assert.equal((await automationOf(s.userId, 'Ping webhook'))!.description, 'edited in the target')
  })
})
