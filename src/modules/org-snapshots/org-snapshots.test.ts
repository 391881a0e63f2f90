import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { writeCredentials } from '../organizations/credentials.repository.ts'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, uniqueEmail, uniquePhone, uniqueSuffix } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedAgent, seedAutomation, seedPipeline, seedPrompt, seedTemplate } from '../../../test/helpers/seed.ts'
import { snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'

describe('org snapshots', () => {
  const t = useTestApp()

  /** A fully configured source organization and a superadmin. */
  async function sourceOrg() {
    const root = await newSuperadmin(t.app)
    const tenant = await newTenant(t.app)
    const org = tenant.organization.id
    const rep = tenant.salesRep.id
    const sales = await seedPipeline(t.app, org, 'Sales', ['New', 'Contacted', 'Qualified'], { isDefault: true })
    await seedPipeline(t.app, org, 'Onboarding', ['Applied', 'Approved'], { type: 'Application' })
    const greeter = await seedPrompt(t.app, org, rep, 'Greeter')
    await seedPrompt(t.app, org, rep, 'Objections')
    const closer = await seedAgent(t.app, org, 'Closer', greeter)
    await seedAgent(t.app, org, 'Helper')
    await seedAutomation(t.app, org, rep, {
      name: 'Move to Contacted',
      sourceStatuses: ['New'],
      actions: { targetStage: 'Contacted' },
    })
    await seedAutomation(t.app, org, rep, {
      name: 'Closer on Qualified',
      sourceStatuses: ['Qualified'],
      actions: { agentId: closer, targetStage: 'Approved' },
    })
    await seedAutomation(t.app, org, rep, { name: 'Webhook', actions: { sendToWebhook: true } })
    await seedTemplate(t.app, org, rep, 'Intro')
    await seedTemplate(t.app, org, rep, 'Follow-up')
    const contactSections = [{ name: 'Basics', isHidden: false, properties: { firstName: { name: 'First Name', dataType: 'string', isHidden: false } } }]
    const sections = await api(t.app, 'PUT', `/api/organizations/sections/${org}?type=Contact`, {
      token: tenant.admin.token,
      body: { sections: contactSections },
    })
    assert.equal(sections.status, 200, sections.raw)
    await api(t.app, 'PUT', `/api/organizations/sections/${org}?type=Application`, {
      token: tenant.admin.token,
      body: { sections: [{ name: 'Docs', isHidden: true, properties: {} }] },
    })
    const secrets = { anthropicApiKey: `sk-ant-${uniqueSuffix()}-secret`, twilioAuthToken: `twilio-${uniqueSuffix()}-secret` }
    await writeCredentials(t.app.ctx.db, t.app.ctx.secrets, org, secrets)
    const created = await api(t.app, 'POST', '/api/org-snapshots', {
      token: root.token,
      body: { name: 'Acme template', description: 'Whole tenant', sourceOrgId: org, sourceUserId: rep },
    })
    assert.equal(created.status, 201, created.raw)
    return { root, tenant, sales, closer, greeter, secrets, contactSections, snapshot: created.body.snapshot }
  }

  const applyBody = (overrides: Record<string, unknown> = {}) => ({
    orgName: `NewOrg ${uniqueSuffix()}`,
    orgPhone: uniquePhone(),
    orgAddress: '100 King St W, Toronto, ON',
    ...overrides,
  })

  it('captures pipelines, stages, agents, dynamic properties and credential names (never values)', async () => {
    const source = await sourceOrg()
    assert.deepEqual(source.snapshot.counts, { pipelines: 2, automations: 3, prompts: 2, templates: 2 })
    assert.deepEqual(source.snapshot.credentialNames, ['anthropicApiKey', 'twilioAuthToken'])
    assert.equal(source.snapshot.sourceUserId, source.tenant.salesRep.id)
    const detail = await api(t.app, 'GET', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })
    assert.equal(detail.status, 200)
    const s = detail.body.snapshot
    assert.deepEqual(
      s.pipelines.map((p: any) => [p.name, p.type, p.isDefault, p.stages.map((x: any) => x.name)]),
      [
        ['Onboarding', 'Application', false, ['Applied', 'Approved']],
        ['Sales', 'Contact', true, ['New', 'Contacted', 'Qualified']],
      ],
    )
    assert.deepEqual(s.agents.map((a: any) => [a.name, a.promptId]), [['Closer', source.greeter], ['Helper', null]])
    assert.deepEqual(s.dynamicProperties.map((d: any) => d.type), ['Application', 'Contact'])
    assert.deepEqual(s.dynamicProperties[1].sections, source.contactSections)
    assert.equal(s.automations.length, 3)
    assert.deepEqual(s.sourceAgentRefs.map((r: any) => r.agentName), ['Closer'])
    for (const secret of Object.values(source.secrets)) assert.ok(!detail.raw.includes(secret))
  })

  it('applies with a first user: new org, remapped stages and agents, credentials given, missing listed', async () => {
    const source = await sourceOrg()
    const firstUser = { email: uniqueEmail('morgan'), password: 'TempPass!2026', fullName: 'Morgan Admin', designation: 'Ops' }
    const newKey = `sk-ant-${uniqueSuffix()}-fresh`
    const body = applyBody({ firstUser, credentials: { anthropicApiKey: newKey } })
    const response = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, { token: source.root.token, body })
    assert.equal(response.status, 201, response.raw)
    assert.equal(response.body.message, 'Snapshot applied')
    const result = response.body.result
    assert.match(result.applicationId, /^[0-9a-f]{24}$/)
    assert.deepEqual(result, {
      applicationId: result.applicationId,
      organizationId: result.organizationId,
      organizationName: body.orgName,
      userId: result.userId,
      userEmail: firstUser.email,
      cloned: { pipelines: 2, automations: 3, prompts: 2, templates: 2, stages: 5, agents: 2, dynamicProperties: 2 },
      credentials: { configured: ['anthropicApiKey'], missing: ['twilioAuthToken'] },
      warnings: [],
    })
    const db = t.app.ctx.db
    const org = result.organizationId
    const organization = await db.selectFrom('organizations').selectAll().where('id', '=', org).executeTakeFirstOrThrow()
    assert.deepEqual([organization.name, organization.phone_number, organization.address], [body.orgName, body.orgPhone, body.orgAddress])

    const pipelines = await db.selectFrom('pipelines').selectAll().where('organization_id', '=', org).orderBy('name').execute()
    assert.deepEqual(pipelines.map((p) => [p.name, p.type, p.is_default, p.is_active]), [
      ['Onboarding', 'Application', false, true],
      ['Sales', 'Contact', true, true],
    ])
    assert.ok(!pipelines.some((p) => p.id === source.sales.id))
    const stages = await db.selectFrom('pipeline_stages').selectAll().where('organization_id', '=', org).orderBy('position').execute()
    const salesStages = stages.filter((s) => s.pipeline_id === pipelines[1]!.id)
    assert.deepEqual(
      salesStages.map((s) => [s.name, s.color, s.position]),
      source.sales.stages.map((s) => [s.name, s.color, s.position]),
    )
    assert.ok(salesStages.every((s) => !source.sales.stages.some((x) => x.id === s.id)))

    const user = await db.selectFrom('users').selectAll().where('id', '=', result.userId).executeTakeFirstOrThrow()
    assert.deepEqual([user.organization_id, user.access_role, user.designation], [org, 'ADMIN', 'Ops'])

    const agents = await db.selectFrom('ai_agents').selectAll().where('organization_id', '=', org).orderBy('name').execute()
    const greeterCopy = await db.selectFrom('prompts').select('id').where('user_id', '=', result.userId).where('name', '=', 'Greeter').executeTakeFirstOrThrow()
    assert.deepEqual(agents.map((a) => [a.name, a.prompt_id]), [['Closer', greeterCopy.id], ['Helper', null]])
    assert.notEqual(agents[0]!.id, source.closer)

    const automations = await db.selectFrom('automations').selectAll().where('user_id', '=', result.userId).orderBy('name').execute()
    assert.deepEqual(
      automations.map((a) => [a.name, a.organization_id, a.source_statuses, a.actions]),
      [
        ['Closer on Qualified', org, ['Qualified'], { agentId: agents[0]!.id, targetStage: 'Approved' }],
        ['Move to Contacted', org, ['New'], { targetStage: 'Contacted' }],
        ['Webhook', org, [], { sendToWebhook: true }],
      ],
    )
    const properties = await db.selectFrom('dynamic_properties').select(['type', 'sections']).where('organization_id', '=', org).orderBy('type').execute()
    assert.deepEqual(properties[1], { type: 'Contact', sections: source.contactSections })

    const credentials = await db.selectFrom('organization_credentials').selectAll().where('organization_id', '=', org).execute()
    assert.deepEqual(credentials.map((c) => c.name), ['anthropicApiKey'])
    assert.ok(!credentials[0]!.ciphertext.includes(newKey))
    assert.equal(t.app.ctx.secrets.decrypt(credentials[0]!.ciphertext), newKey)
    const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: firstUser.email, password: firstUser.password } })
    assert.equal(login.status, 200)
  })

  it('applies without a first user: org-level items only, userId and userEmail null', async () => {
    const source = await sourceOrg()
    const response = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, { token: source.root.token, body: applyBody() })
    assert.equal(response.status, 201, response.raw)
    const { result } = response.body
    assert.equal(result.userId, null)
    assert.equal(result.userEmail, null)
    assert.deepEqual(result.cloned, { pipelines: 2, automations: 0, prompts: 0, templates: 0, stages: 5, agents: 2, dynamicProperties: 2 })
    assert.deepEqual(result.credentials.missing, ['anthropicApiKey', 'twilioAuthToken'])
    const db = t.app.ctx.db
    const counts = await sql<{ users: number; automations: number; agents: number }>`
      select (select count(*) from users where organization_id = ${result.organizationId})::int as users,
             (select count(*) from automations where organization_id = ${result.organizationId})::int as automations,
             (select count(*) from ai_agents where organization_id = ${result.organizationId} and prompt_id is null)::int as agents
    `.execute(db)
    assert.deepEqual(counts.rows[0], { users: 0, automations: 0, agents: 2 })
  })

  it('answers 409 for a taken name (any case), phone, email or credential value, creating nothing', async () => {
    const source = await sourceOrg()
    const other = await newTenant(t.app)
    const url = `/api/org-snapshots/${source.snapshot._id}/apply`
    const firstUser = { email: uniqueEmail('x'), password: 'TempPass!2026', fullName: 'X' }
    const cases = [
      applyBody({ orgName: other.organization.name.toUpperCase() }),
      applyBody({ orgPhone: other.organization.phoneNumber }),
      applyBody({ firstUser: { ...firstUser, email: other.admin.email } }),
      applyBody({ credentials: { twilioAuthToken: source.secrets.twilioAuthToken } }),
    ]
    const orgsBefore = await countRows('organizations')
    const usersBefore = await countRows('users')
    for (const body of cases) {
      const r = await api(t.app, 'POST', url, { token: source.root.token, body })
      assert.equal(r.status, 409, JSON.stringify(body))
      expectErrorShape(r)
    }
    assert.equal(await countRows('organizations'), orgsBefore)
    assert.equal(await countRows('users'), usersBefore)
  })

  it('dry run lists the plan and problems, writes nothing, and predicts the apply', async () => {
    const source = await sourceOrg()
    const url = `/api/org-snapshots/${source.snapshot._id}/apply`
    const firstUser = { email: uniqueEmail('dry'), password: 'TempPass!2026', fullName: 'Dry Run' }
    const body = applyBody({ firstUser })
    const orgsBefore = await countRows('organizations')
    const dry = await api(t.app, 'POST', `${url}?dryRun=true`, { token: source.root.token, body })
    assert.equal(dry.status, 200, dry.raw)
    assert.equal(dry.body.plan.wouldSucceed, true)
    assert.equal(dry.body.result.organizationId, null)
    const kinds = dry.body.plan.items.map((i: any) => `${i.kind}:${i.name}:${i.action}`)
    for (const expected of ['pipeline:Sales:clone', 'agent:Closer:clone', 'dynamicProperties:Contact:clone', 'automation:Webhook:clone', 'prompt:Greeter:clone', 'template:Intro:clone']) {
      assert.ok(kinds.includes(expected), expected)
    }
    assert.ok(dry.body.plan.references.every((r: any) => r.resolvedBy === 'name'))
    // An agent the apply creates is named, never given an id the apply will not use (SPEC §7.1).
    assert.deepEqual(
      dry.body.plan.references.filter((r: any) => r.field === 'agentId'),
      [{ automationName: 'Closer on Qualified', field: 'agentId', from: source.closer, to: { newAgent: 'Closer' }, resolvedBy: 'name' }],
    )
    assert.deepEqual(dry.body.plan.warnings, [])
    assert.deepEqual(dry.body.result.warnings, [])
    assert.equal(await countRows('organizations'), orgsBefore)

    const other = await newTenant(t.app)
    const conflicted = await api(t.app, 'POST', `${url}?dryRun=true`, {
      token: source.root.token,
      body: applyBody({ orgName: other.organization.name, orgPhone: other.organization.phoneNumber }),
    })
    assert.deepEqual(conflicted.body.plan.problems.map((p: any) => [p.status, p.error]), [
      [409, 'Organization name already exists'],
      [409, 'Organization phone already exists'],
    ])
    assert.equal(conflicted.body.plan.wouldSucceed, false)

    const real = await api(t.app, 'POST', url, { token: source.root.token, body })
    assert.equal(real.status, 201)
    assert.deepEqual(real.body.result.cloned, dry.body.result.cloned)
    assert.deepEqual(real.body.result.warnings, [])
    // Every id the dry run showed exists (the source's agent); none was invented.
    const shownIds = [...new Set(dry.raw.match(/[0-9a-f]{24}/g) ?? [])]
    const existing = await t.app.ctx.db.selectFrom('ai_agents').select('id').where('id', 'in', shownIds.length ? shownIds : ['']).execute()
    assert.deepEqual(shownIds, [source.closer])
    assert.deepEqual(existing.map((r) => r.id), [source.closer])
  })

  it('answers 422 when a captured reference names a stage the organization never had', async () => {
    const source = await sourceOrg()
    await seedAutomation(t.app, source.tenant.organization.id, source.tenant.salesRep.id, {
      name: 'Dangling',
      sourceStatuses: ['Ghost stage'],
    })
    const snapshot = await api(t.app, 'POST', '/api/org-snapshots', {
      token: source.root.token,
      body: { name: 'With dangling', sourceOrgId: source.tenant.organization.id, sourceUserId: source.tenant.salesRep.id },
    })
    const orgsBefore = await countRows('organizations')
    const body = applyBody({ firstUser: { email: uniqueEmail('d'), password: 'TempPass!2026', fullName: 'D' } })
    const response = await api(t.app, 'POST', `/api/org-snapshots/${snapshot.body.snapshot._id}/apply`, { token: source.root.token, body })
    assert.equal(response.status, 422)
    assert.deepEqual(response.body.details, [{ automationName: 'Dangling', field: 'sourceStatuses', value: 'Ghost stage' }])
    // The org apply takes no mappings (sending one is 400): the message says what this endpoint can do.
    const message: string = response.body.message
    assert.doesNotMatch(message, /pipelineMapping|sourceStatusesMapping|agentMapping/)
    assert.match(message, /without firstUser/)
    assert.match(message, /capture the snapshot again/)
    assert.equal(await countRows('organizations'), orgsBefore)
    // Without a first user no automation is cloned, so the org-level apply works.
    const orgOnly = await api(t.app, 'POST', `/api/org-snapshots/${snapshot.body.snapshot._id}/apply`, { token: source.root.token, body: applyBody() })
    assert.equal(orgOnly.status, 201)
  })

  it('lists, gets and deletes (superadmin only); user snapshot ids are 404 here', async () => {
    const source = await sourceOrg()
    const list = await api(t.app, 'GET', '/api/org-snapshots', { token: source.root.token })
    assert.equal(list.status, 200)
    assert.equal(list.body.snapshots[0]._id, source.snapshot._id)
    assert.equal(list.body.snapshots[0].pipelines, undefined)
    const users = await api(t.app, 'GET', `/api/org-snapshots/orgs/${source.tenant.organization.id}/users`, { token: source.root.token })
    assert.equal(users.status, 200)
    assert.equal(users.body.users.length, 3)
    for (const role of [source.tenant.admin, source.tenant.departmentHead, source.tenant.salesRep]) {
      assert.equal((await api(t.app, 'GET', '/api/org-snapshots', { token: role.token })).status, 403)
    }
    const userSnapshot = await snapshotOf(t.app, await sourceSetup(t.app))
    assert.equal((await api(t.app, 'GET', `/api/org-snapshots/${userSnapshot._id}`, { token: source.root.token })).status, 404)
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${source.snapshot._id}`, { token: source.root.token })).status, 404)
    const deleted = await api(t.app, 'DELETE', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })
    assert.equal(deleted.status, 200)
    assert.equal((await api(t.app, 'GET', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })).status, 404)
  })

  it('never returns a source credential value from any snapshot route', async () => {
    const source = await sourceOrg()
    const token = source.root.token
    const id = source.snapshot._id
    const bodies: string[] = []
    const record = async (method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) => {
      const r = await api(t.app, method, url, { token, body })
      assert.ok(r.status < 500, `${method} ${url}: ${r.status}`)
      bodies.push(r.raw)
      return r
    }
    const userSnapshot = await record('POST', '/api/user-snapshots', {
      name: 'U',
      sourceOrgId: source.tenant.organization.id,
      sourceUserId: source.tenant.salesRep.id,
    })
    await record('GET', '/api/org-snapshots')
    await record('GET', `/api/org-snapshots/${id}`)
    await record('GET', `/api/org-snapshots/orgs/${source.tenant.organization.id}/users`)
    const body = applyBody({ firstUser: { email: uniqueEmail('s'), password: 'TempPass!2026', fullName: 'S' } })
    await record('POST', `/api/org-snapshots/${id}/apply?dryRun=true`, body)
    await record('POST', `/api/org-snapshots/${id}/apply`, body)
    await record('GET', '/api/user-snapshots')
    await record('GET', `/api/user-snapshots/${userSnapshot.body.snapshot._id}`)
    await record('GET', `/api/user-snapshots/${userSnapshot.body.snapshot._id}/apply-refs`)
    await record('DELETE', `/api/org-snapshots/${id}`)
    for (const secret of Object.values(source.secrets)) {
      assert.ok(bodies.every((raw) => !raw.includes(secret)), 'a credential value leaked into a response')
    }
    const stored = await sql<{ payload: string }>`
      select coalesce(string_agg(s::text, ''), '') as payload from snapshots s
    `.execute(t.app.ctx.db)
    for (const secret of Object.values(source.secrets)) assert.ok(!stored.rows[0]!.payload.includes(secret))
  })

  it('rejects malformed apply bodies with 400 and field paths, creating nothing', async () => {
    const source = await sourceOrg()
    const url = `/api/org-snapshots/${source.snapshot._id}/apply`
    const firstUser = { email: uniqueEmail('f'), password: 'TempPass!2026', fullName: 'F' }
    const base = applyBody()
    const cases: [unknown, string][] = [
      [{ orgPhone: base.orgPhone, orgAddress: base.orgAddress }, '/orgName'],
      [{ orgName: base.orgName, orgAddress: base.orgAddress }, '/orgPhone'],
      [{ orgName: base.orgName, orgPhone: base.orgPhone }, '/orgAddress'],
      [{ ...base, orgPhone: '+445555550100' }, '/orgPhone'],
      [{ ...base, extra: true }, '/extra'],
      [{ ...base, firstUser: { ...firstUser, role: 'ADMIN' } }, '/firstUser/role'],
      [{ ...base, firstUser: { ...firstUser, password: 'short' } }, '/firstUser/password'],
      [{ ...base, firstUser: { ...firstUser, email: 'nope' } }, '/firstUser/email'],
      [{ ...base, firstUser: { ...firstUser, phoneNumber: '12' } }, '/firstUser/phoneNumber'],
      [{ ...base, credentials: { stripeKey: 'x' } }, '/credentials/stripeKey'],
      [{ ...base, credentials: { anthropicApiKey: 7 } }, '/credentials/anthropicApiKey'],
    ]
    const orgsBefore = await countRows('organizations')
    for (const [body, path] of cases) {
      const r = await api(t.app, 'POST', url, { token: source.root.token, body })
      assert.equal(r.status, 400, JSON.stringify(body))
      const paths = (expectErrorShape(r).details as { path: string }[]).map((d) => d.path)
      assert.ok(paths.includes(path), `${path} not in ${JSON.stringify(paths)}`)
    }
    assert.equal((await api(t.app, 'POST', '/api/org-snapshots/xyz/apply', { token: source.root.token, body: base })).status, 400)
    assert.equal(await countRows('organizations'), orgsBefore)
  })

  async function countRows(table: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.app.ctx.db)
    return rows[0]!.n
  }
})
