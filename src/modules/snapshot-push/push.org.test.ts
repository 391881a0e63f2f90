import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { writeCredentials } from '../organizations/credentials.repository.ts'
import { upsertDynamicProperties } from '../organizations/dynamic-properties.repository.ts'
import { useTestApp } from '../../../test/helpers/app.ts'
import { uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { newVersion, pushAndWait } from '../../../test/helpers/push.ts'
import { orgApplyBody, orgSourceSetup } from '../../../test/helpers/scenarios.ts'
import { seedAgent } from '../../../test/helpers/seed.ts'

/** Push of an organization snapshot over HTTP: pipelines and stages, agents, dynamic properties, credential names, the first user's items. */

type Change = { kind: string; name: string; action: string; fields?: { path: string; side: string }[]; reason?: string }

describe('push of an organization snapshot', () => {
  const t = useTestApp()
  const db = () => t.app.ctx.db

  it('renames and adds stages, carries the rename to the automations naming the stage, adds agents, merges sections, reports missing credentials', async () => {
    const setup = await orgSourceSetup(t.app)
    const sourceOrg = setup.tenant.organization.id
    const firstUser = { email: uniqueEmail('first'), password: 'TempPass!2026', fullName: 'First Admin' }
    const applied = await api(t.app, 'POST', `/api/org-snapshots/${setup.snapshot._id}/apply`, {
      token: setup.root.token,
      body: orgApplyBody({ firstUser }),
    })
    assert.equal(applied.status, 201, applied.raw)
    const { organizationId: targetOrg, userId } = applied.body.result as { organizationId: string; userId: string }

    // The target adds a section of its own and renames nothing.
    await upsertDynamicProperties(db(), targetOrg, 'Contact', [
      { name: 'Basics', isHidden: false, properties: { firstName: { name: 'First Name', dataType: 'string', isHidden: false } } },
      { name: 'Local', isHidden: false, properties: {} },
    ])
    // The source renames a stage (its automations still name the old one), adds a stage, an agent, a section and a credential.
    await db().updateTable('pipeline_stages').set({ name: 'Ready' }).where('organization_id', '=', sourceOrg).where('name', '=', 'Qualified').execute()
    const pipeline = await db().selectFrom('pipelines').select('id').where('organization_id', '=', sourceOrg).executeTakeFirstOrThrow()
    await db().insertInto('pipeline_stages').values({ pipeline_id: pipeline.id, organization_id: sourceOrg, name: 'Won', color: '#00aa00', position: 3 }).execute()
    await seedAgent(t.app, sourceOrg, 'Scheduler')
    await upsertDynamicProperties(db(), sourceOrg, 'Contact', [
      { name: 'Basics', isHidden: false, properties: { firstName: { name: 'First Name', dataType: 'string', isHidden: false } } },
      { name: 'Deal', isHidden: false, properties: { amount: { name: 'Amount', dataType: 'number', isHidden: false } } },
    ])
    await writeCredentials(db(), t.app.ctx.secrets, sourceOrg, { sinchApiToken: `sinch-${targetOrg}` })
    assert.equal(await newVersion(t.app, 'org', setup.snapshot._id, setup.root.token), 2)

    const dry = await api(t.app, 'POST', `/api/org-snapshots/${setup.snapshot._id}/push?dryRun=true`, { token: setup.root.token, body: {} })
    assert.equal(dry.status, 200, dry.raw)
    const [plan] = dry.body.plan.targets
    assert.equal(plan.wouldSucceed, true, JSON.stringify(plan.problems))
    const changes = new Map<string, Change>(plan.changes.map((c: Change) => [`${c.kind}:${c.name}`, c]))
    assert.deepEqual(changes.get('stage:Ready')?.fields, [{ path: '/name', side: 'snapshot' }])
    assert.equal(changes.get('stage:Won')?.action, 'create')
    assert.equal(changes.get('agent:Scheduler')?.action, 'create')
    assert.equal(changes.get('dynamicProperties:Contact')?.action, 'update')
    assert.equal(changes.get('automation:Hand qualified leads to Closer')?.action, 'update')
    assert.equal(changes.get('credentialName:sinchApiToken')?.action, 'keep')
    assert.match(changes.get('credentialName:sinchApiToken')!.reason!, /no value/)

    const job = await pushAndWait(t.app, 'org', setup.snapshot._id, setup.root.token)
    assert.equal(job.status, 'succeeded', JSON.stringify(job.targets))

    const stages = await db().selectFrom('pipeline_stages').select(['name', 'position']).where('organization_id', '=', targetOrg).orderBy('position').execute()
    assert.deepEqual(stages.map((s) => s.name), ['New', 'Contacted', 'Ready', 'Won'])
    const automation = await db().selectFrom('automations').selectAll().where('user_id', '=', userId).where('name', '=', 'Hand qualified leads to Closer').executeTakeFirstOrThrow()
    assert.deepEqual(automation.source_statuses, ['Contacted', 'Ready'], 'the stage rename reached the automation')
    assert.equal((automation.actions as Record<string, unknown>).targetStage, 'Ready')
    const agents = await db().selectFrom('ai_agents').select('name').where('organization_id', '=', targetOrg).orderBy('name').execute()
    assert.deepEqual(agents.map((a) => a.name), ['Closer', 'Scheduler'])
    const closer = await db().selectFrom('ai_agents').select('id').where('organization_id', '=', targetOrg).where('name', '=', 'Closer').executeTakeFirstOrThrow()
    assert.equal((automation.actions as Record<string, unknown>).agentId, closer.id, 'agent references stay on the target\u2019s agent')
    const properties = await db().selectFrom('dynamic_properties').select('sections').where('organization_id', '=', targetOrg).where('type', '=', 'Contact').executeTakeFirstOrThrow()
    assert.deepEqual((properties.sections as { name: string }[]).map((s) => s.name), ['Basics', 'Deal', 'Local'], 'sections merged by name')
    const credentials = await db().selectFrom('organization_credentials').select('name').where('organization_id', '=', targetOrg).execute()
    assert.deepEqual(credentials, [], 'no credential value is ever copied')

    // A second push of the same version changes nothing.
    const before = await db().selectFrom('automations').select(['id', 'updated_at']).where('user_id', '=', userId).orderBy('id').execute()
    const applicationId = job.targets[0].applicationId as string
    const again = await pushAndWait(t.app, 'org', setup.snapshot._id, setup.root.token, { applicationIds: [applicationId] })
    assert.equal(again.status, 'succeeded', JSON.stringify(again.targets))
    assert.equal(again.targets[0].changes.created + again.targets[0].changes.updated + again.targets[0].changes.deleted, 0)
    const after = await db().selectFrom('automations').select(['id', 'updated_at']).where('user_id', '=', userId).orderBy('id').execute()
    assert.deepEqual(after, before)
  })
})
