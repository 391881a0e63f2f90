import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant, uniqueSuffix } from '../../../test/helpers/fixtures.ts'
import { writeCredentials } from '../organizations/credentials.repository.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedAutomation, seedBulkItems, seedPipeline, seedPrompt } from '../../../test/helpers/seed.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'

/** SPEC §7.2: one stable id over immutable versions; every read takes ?version=. */
describe('snapshot versions', () => {
  const t = useTestApp()

  it('a new snapshot is version 1; POST …/versions captures the source again as version 2, the latest', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    assert.equal(snapshot.version, 1)
    const { organization, salesRep, admin } = setup.tenant
    await seedAutomation(t.app, organization.id, salesRep.id, { name: 'Added later', actions: { sendToWebhook: false } })

    const versionRequest = {
      token: admin.token,
      headers: { 'idempotency-key': `version-${snapshot._id}` },
      body: { description: 'After the webhook clean-up' },
    }
    const created = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, versionRequest)
    assert.equal(created.status, 201, created.raw)
    assert.equal(created.body.message, 'Snapshot version created')
    assert.equal(created.body.snapshot._id, snapshot._id)
    assert.equal(created.body.snapshot.version, 2)
    assert.deepEqual(created.body.snapshot.counts, { automations: 4, prompts: 2, templates: 2 })
    assert.deepEqual(created.body.changes, { added: 1, removed: 0, changed: 0 })
    // A retry with the same Idempotency-Key replays the answer and captures nothing more.
    const retried = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, versionRequest)
    assert.equal(retried.status, 201)
    assert.equal(retried.headers['idempotent-replayed'], 'true')
    assert.deepEqual(retried.body, created.body)
    // The audit log has the version, written with it.
    const events = await api(t.app, 'GET', `/api/audit-events?snapshotId=${snapshot._id}&action=snapshot.version_created`, {
      token: admin.token,
    })
    assert.equal(events.status, 200, events.raw)
    assert.equal(events.body.events.length, 1)
    assert.equal(events.body.events[0].version, 2)
    assert.equal(events.body.events[0].actorId, admin.id)

    const latest = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: admin.token })
    assert.equal(latest.body.snapshot.version, 2)
    assert.equal(latest.body.snapshot.automations.length, 4)
    const first = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}?version=1`, { token: admin.token })
    assert.equal(first.status, 200, first.raw)
    assert.equal(first.body.snapshot.version, 1)
    assert.equal(first.body.snapshot.automations.length, 3, 'version 1 is unchanged')
    assert.deepEqual(first.body.snapshot.counts, { automations: 3, prompts: 2, templates: 2 })
    const items = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/items?kind=automation&version=1`, { token: admin.token })
    assert.equal(items.body.items.length, 3)

    const versions = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/versions`, { token: admin.token })
    assert.equal(versions.status, 200)
    assert.deepEqual(
      versions.body.versions.map((v: { version: number; description: string | null; createdBy: string }) => [v.version, v.description, v.createdBy]),
      [
        [2, 'After the webhook clean-up', admin.id],
        [1, null, admin.id],
      ],
    )
    assert.equal(versions.body.versions[1].counts.automations, 3)

    for (const url of [`/api/user-snapshots/${snapshot._id}?version=3`, `/api/user-snapshots/${snapshot._id}/items?kind=automation&version=9`]) {
      const missing = await api(t.app, 'GET', url, { token: admin.token })
      assert.equal(missing.status, 404, url)
      assert.equal(expectErrorShape(missing).error, 'Snapshot version not found')
    }
  })

  it('apply takes ?version=: the older version is cloned, the latest by default; the application records it', async () => {
    const { setup, target, snapshot, root } = await crossOrgScenario(t.app)
    await seedAutomation(t.app, setup.tenant.organization.id, setup.tenant.salesRep.id, { name: 'Only in v2', actions: {} })
    const v2 = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, { token: root.token, body: {} })
    assert.equal(v2.status, 201, v2.raw)

    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const old = await api(t.app, 'POST', `${url}?version=1`, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
    assert.equal(old.status, 201, old.raw)
    assert.equal(old.body.result.cloned.automations, 3)
    const latest = await api(t.app, 'POST', url, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
    assert.equal(latest.body.result.cloned.automations, 4)
    const names = await sql<{ name: string }>`select name from automations where user_id = ${old.body.result.userId}`.execute(t.app.ctx.db)
    assert.ok(!names.rows.some((r) => r.name === 'Only in v2'))

    const refs = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/apply-refs?version=1`, { token: target.tenant.admin.token })
    assert.equal(refs.status, 200)
    const unknown = await api(t.app, 'POST', `${url}?version=7&dryRun=true`, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
    assert.equal(unknown.status, 404)

    const applications = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/applications`, { token: root.token })
    assert.deepEqual(
      applications.body.applications.map((a: { version: number }) => a.version),
      [2, 1],
    )
  })

  it('only those who may delete the snapshot create versions; a deleted source is 422; nothing is written then', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const other = await newTenant(t.app)
    const asOther = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, { token: other.admin.token, body: {} })
    assert.equal(asOther.status, 404)
    const tooLong = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, {
      token: setup.tenant.admin.token,
      body: { description: 'x'.repeat(501) },
    })
    assert.equal(tooLong.status, 400)

    await sql`delete from users where id = ${setup.tenant.salesRep.id}`.execute(t.app.ctx.db)
    const gone = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, { token: setup.tenant.admin.token, body: {} })
    assert.equal(gone.status, 422, gone.raw)
    assert.equal(expectErrorShape(gone).error, 'Source no longer exists')
    const versions = await sql<{ n: number }>`select count(*)::int as n from snapshot_versions where snapshot_id = ${snapshot._id}`.execute(t.app.ctx.db)
    assert.equal(versions.rows[0]!.n, 1)
  })

  it('org snapshots have versions too, with pipelines, stages and credential names per version', async () => {
    const source = await orgSourceSetup(t.app)
    const org = source.tenant.organization.id
    await seedPipeline(t.app, org, 'Renewals', ['Due', 'Renewed'])
    const v2 = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/versions`, { token: source.root.token, body: {} })
    assert.equal(v2.status, 201, v2.raw)
    assert.equal(v2.body.snapshot.version, 2)
    assert.deepEqual(v2.body.changes, { added: 3, removed: 0, changed: 0 }, 'one pipeline and its two stages')
    const v1 = await api(t.app, 'GET', `/api/org-snapshots/${source.snapshot._id}?version=1`, { token: source.root.token })
    assert.equal(v1.body.snapshot.pipelines.length, 1)
    assert.deepEqual(v1.body.snapshot.credentialNames, ['anthropicApiKey', 'twilioAuthToken'])
    const applied = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply?version=1`, {
      token: source.root.token,
      body: orgApplyBody(),
    })
    assert.equal(applied.status, 201, applied.raw)
    assert.equal(applied.body.result.cloned.pipelines, 1)
  })
})

describe('snapshot diff', () => {
  const t = useTestApp()

  it('a rename is one changed entry at /name; nested field changes, additions and removals of each kind', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const db = t.app.ctx.db
    const { organization, salesRep, admin } = setup.tenant
    const moveId = setup.automationIds['Move to Contacted on first reply']!
    await sql`update automations set name = 'Move on first reply',
      actions = jsonb_set(actions, '{targetStage}', '"Qualified"'),
      conditions = '[{"source":"conversation","field":"channelType","operator":"equals","value":"email"}]'
      where id = ${moveId}`.execute(db)
    await sql`delete from templates where name = 'Follow-up' and user_id = ${salesRep.id}`.execute(db)
    await seedPrompt(t.app, organization.id, salesRep.id, 'Closing lines')

    const v2 = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, { token: admin.token, body: {} })
    assert.deepEqual(v2.body.changes, { added: 1, removed: 1, changed: 1 })
    const diff = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=1&to=2`, { token: admin.token })
    assert.equal(diff.status, 200, diff.raw)
    assert.equal(diff.body.from, 1)
    assert.equal(diff.body.to, 2)
    assert.deepEqual(diff.body.summary, { added: 1, removed: 1, changed: 1 })
    const byKind = Object.fromEntries(diff.body.changes.map((c: { kind: string }) => [c.kind, c]))
    assert.deepEqual(byKind.prompt, { kind: 'prompt', name: 'Closing lines', change: 'added' })
    assert.deepEqual(byKind.template, { kind: 'template', name: 'Follow-up', change: 'removed' })
    assert.equal(byKind.automation.change, 'changed')
    assert.equal(byKind.automation.name, 'Move on first reply')
    assert.equal(byKind.automation.previousName, 'Move to Contacted on first reply')
    assert.deepEqual(byKind.automation.fields, [
      { path: '/actions/targetStage', from: 'Contacted', to: 'Qualified' },
      { path: '/conditions/0/value', from: 'sms', to: 'email' },
      { path: '/name', from: 'Move to Contacted on first reply', to: 'Move on first reply' },
    ])

    const backwards = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=2&to=1`, { token: admin.token })
    assert.deepEqual(backwards.body.summary, { added: 1, removed: 1, changed: 1 })
    const same = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=2&to=2`, { token: admin.token })
    assert.deepEqual(same.body, { from: 2, to: 2, summary: { added: 0, removed: 0, changed: 0 }, changes: [] })
    const unknown = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=1&to=5`, { token: admin.token })
    assert.equal(unknown.status, 404)
    const invalid = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=one&to=2`, { token: admin.token })
    assert.equal(invalid.status, 400)
  })

  it('org kinds: a renamed stage, a removed agent, changed dynamic-property sections, a new credential name', async () => {
    const source = await orgSourceSetup(t.app)
    const db = t.app.ctx.db
    const org = source.tenant.organization.id
    await sql`update pipeline_stages set name = 'Reached' where organization_id = ${org} and name = 'Contacted'`.execute(db)
    await sql`update ai_agents set prompt_id = null where organization_id = ${org}`.execute(db)
    await sql`delete from ai_agents where organization_id = ${org}`.execute(db)
    await sql`update dynamic_properties set sections = jsonb_set(sections, '{0,name}', '"Essentials"') where organization_id = ${org}`.execute(db)
    await writeCredentials(db, t.app.ctx.secrets, org, { sinchApiToken: `sinch-${uniqueSuffix()}` })

    const v2 = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/versions`, { token: source.root.token, body: {} })
    assert.equal(v2.status, 201, v2.raw)
    const diff = await api(t.app, 'GET', `/api/org-snapshots/${source.snapshot._id}/diff?from=1&to=2`, { token: source.root.token })
    assert.equal(diff.status, 200, diff.raw)
    const find = (kind: string) => diff.body.changes.filter((c: { kind: string }) => c.kind === kind)
    assert.deepEqual(find('stage'), [
      { kind: 'stage', name: 'Reached', change: 'changed', previousName: 'Contacted', fields: [{ path: '/name', from: 'Contacted', to: 'Reached' }] },
    ])
    assert.deepEqual(find('agent'), [{ kind: 'agent', name: 'Closer', change: 'removed' }])
    assert.deepEqual(find('dynamicProperties'), [
      { kind: 'dynamicProperties', name: 'Contact', change: 'changed', fields: [{ path: '/sections/0/name', from: 'Basics', to: 'Essentials' }] },
    ])
    assert.deepEqual(find('credentialName'), [{ kind: 'credentialName', name: 'sinchApiToken', change: 'added' }])
  })

  it('a diff of two 10,000-item versions with 10 % changed reads only the changes (timed, not asserted)', async (context) => {
    const tenant = await newTenant(t.app)
    await seedBulkItems(t.app, tenant.organization.id, tenant.salesRep.id, { automations: 10_000, prompts: 0, templates: 0 })
    const snapshot = await snapshotOf(t.app, { tenant, agentId: '', promptIds: {}, automationIds: {} })
    await sql`update automations set description = description || ' (v2)'
      where user_id = ${tenant.salesRep.id} and right(name, 1) = '0'`.execute(t.app.ctx.db)
    const v2 = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/versions`, { token: tenant.admin.token, body: {} })
    assert.deepEqual(v2.body.changes, { added: 0, removed: 0, changed: 1_000 })
    const started = performance.now()
    const diff = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/diff?from=1&to=2`, { token: tenant.admin.token })
    const ms = performance.now() - started
    assert.equal(diff.body.changes.length, 1_000)
    assert.deepEqual(diff.body.changes[0].fields.map((f: { path: string }) => f.path), ['/description'])
    context.diagnostic(`diff of 10,000 items, 1,000 changed: ${ms.toFixed(0)} ms`)
  })
})
