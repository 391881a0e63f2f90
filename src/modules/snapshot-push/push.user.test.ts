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
  /** Version 2 of the scenario's snapshot after `change` ran on the source rep's rows. */
  async function sourceChange(s: Awaited<ReturnType<typeof appliedScenario>>, change: (sourceRep: string) => Promise<unknown>) {
    await change(s.setup.tenant.salesRep.id)
    await newVersion(t.app, 'user', s.snapshot._id, s.setup.tenant.admin.token)
  }
  const setDescription = (userId: string, name: string, description: string) =>
    db().updateTable('automations').set({ description }).where('user_id', '=', userId).where('name', '=', name).execute()

  it('a field changed on both sides is a conflict: keep-local keeps the target\u2019s value, take-snapshot the snapshot\u2019s; both reported', async () => {
    for (const [policy, expected] of [['keep-local', 'mine'], ['take-snapshot', 'theirs']] as const) {
      const s = await appliedScenario()
      await setDescription(s.userId, 'Ping webhook', 'mine')
      await sourceChange(s, (rep) => setDescription(rep, 'Ping webhook', 'theirs'))
      const dry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, {
        token: s.target.tenant.admin.token,
        body: { conflictPolicy: policy },
      })
      const change = dry.body.plan.targets[0].changes.find((c: Change) => c.name === 'Ping webhook')
      assert.deepEqual(change, {
        kind: 'automation',
        name: 'Ping webhook',
        action: 'conflict',
        fields: [{ path: '/description', side: 'conflict', resolution: policy === 'keep-local' ? 'local' : 'snapshot' }],
        reason: 'Changed in the snapshot and locally',
      })
      const job = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token, { conflictPolicy: policy })
      assert.equal(job.conflicts, 1)
      assert.equal(job.targets[0].changes.conflicts, 1)
      assert.equal((await automationOf(s.userId, 'Ping webhook'))!.description, expected)
    }
  })

  it('removeDeleted: false keeps what the snapshot removed; true deletes it where unchanged and keeps it where changed locally', async () => {
    for (const removeDeleted of [false, true]) {
      const s = await appliedScenario()
      await db().updateTable('templates').set({ template: 'changed here' }).where('user_id', '=', s.userId).where('name', '=', 'Follow-up').execute()
      await sourceChange(s, (rep) => db().deleteFrom('templates').where('user_id', '=', rep).execute())
      const job = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token, { removeDeleted })
      assert.equal(job.status, 'succeeded')
      const left = await db().selectFrom('templates').select('name').where('user_id', '=', s.userId).orderBy('name').execute()
      assert.deepEqual(left.map((r) => r.name), removeDeleted ? ['Follow-up'] : ['Follow-up', 'Intro - new lead'])
      assert.equal(job.targets[0].changes.deleted, removeDeleted ? 1 : 0)
    }
  })

  it('a new item whose name the target already uses locally is a conflict under both policies: nothing is created or overwritten', async () => {
    for (const conflictPolicy of ['keep-local', 'take-snapshot']) {
      const s = await appliedScenario()
      await seedPrompt(t.app, s.target.tenant.organization.id, s.userId, 'Closing', 'local text')
      await sourceChange(s, (rep) => seedPrompt(t.app, s.setup.tenant.organization.id, rep, 'Closing', 'snapshot text'))
      const dry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, { token: s.target.tenant.admin.token, body: { conflictPolicy } })
      const change = dry.body.plan.targets[0].changes.find((c: Change) => c.name === 'Closing')
      assert.equal(change.action, 'conflict')
      assert.match(change.reason, /name/)
      const job = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token, { conflictPolicy })
      assert.equal(job.status, 'succeeded')
      const closing = await db().selectFrom('prompts').selectAll().where('user_id', '=', s.userId).where('name', '=', 'Closing').execute()
      assert.equal(closing.length, 1)
      assert.equal(closing[0]!.prompt, 'local text')
      assert.equal(closing[0]!.origin_application_id, null)
    }
  })

  it('an unresolved stage reference fails its target with 422 and writes nothing to it', async () => {
    const s = await appliedScenario()
    await sourceChange(s, (rep) =>
      db().updateTable('automations').set({ actions: JSON.stringify({ targetStage: 'Nowhere', sendToWebhook: false }) })
        .where('user_id', '=', rep).where('name', '=', 'Move to Contacted on first reply').execute(),
    )
    const dry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, { token: s.target.tenant.admin.token, body: {} })
    const [plan] = dry.body.plan.targets
    assert.equal(plan.wouldSucceed, false)
    assert.equal(plan.problems[0].status, 422)
    assert.equal(plan.problems[0].error, 'Unresolved references')
    assert.deepEqual(plan.problems[0].details, [{ automationName: 'Move to Contacted on first reply', field: 'targetStage', value: 'Nowhere' }])
    const job = await pushAndWait(t.app, 'user', s.snapshot._id, s.target.tenant.admin.token)
    assert.equal(job.status, 'failed')
    assert.equal(job.targets[0].error.error, 'Unresolved references')
    const apps = await api(t.app, 'GET', `/api/user-snapshots/${s.snapshot._id}/applications`, { token: s.target.tenant.admin.token })
    assert.equal(apps.body.applications[0].version, 1, 'the application stays on its version')
  })

  it('tenant rules: an ADMIN pushes only into their own organization (another\u2019s application is 404); Idempotency-Key replays the job', async () => {
    const s = await appliedScenario()
    await sourceChange(s, (rep) => setDescription(rep, 'Ping webhook', 'v2'))
    const sourceAdmin = s.setup.tenant.admin.token
    // The snapshot's creator sees it, but the application is in another organization.
    for (const url of [`/api/user-snapshots/${s.snapshot._id}/push`, `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`]) {
      const named = await api(t.app, 'POST', url, { token: sourceAdmin, body: { applicationIds: [s.applicationId] } })
      assert.equal(named.status, 404)
      assert.equal(expectErrorShape(named).error, 'Application not found')
    }
    const dry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, { token: sourceAdmin, body: {} })
    assert.deepEqual(dry.body.plan.targets, [], 'no target of another organization is offered')
    const nothing = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token: sourceAdmin, body: {} })
    assert.equal(nothing.status, 422)
    // The superadmin may push anywhere.
    const rootDry = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push?dryRun=true`, { token: s.root.token, body: {} })
    assert.deepEqual(rootDry.body.plan.targets.map((x: { applicationId: string }) => x.applicationId), [s.applicationId])

    const headers = { 'idempotency-key': `push-${s.applicationId}` }
    const first = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token: s.target.tenant.admin.token, headers, body: {} })
    assert.equal(first.status, 202)
    const second = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token: s.target.tenant.admin.token, headers, body: {} })
    assert.equal(second.status, 202)
    assert.equal(second.headers['idempotent-replayed'], 'true')
    assert.equal(second.body.job._id, first.body.job._id)
    const events = await db().selectFrom('audit_events').selectAll().where('job_id', '=', first.body.job._id).execute()
    assert.deepEqual(events.map((e) => [e.action, e.version, e.actor_id]), [['snapshot.pushed', 2, s.target.tenant.admin.id]])
  })
})
