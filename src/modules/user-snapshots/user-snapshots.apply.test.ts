import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant, testPassword, uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedPipeline, tenantFootprint } from '../../../test/helpers/seed.ts'
import { crossOrgScenario, matchingTarget, snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'

const newUserBody = (email = uniqueEmail('casey')) => ({
  email,
  password: 'TempPass!2026',
  fullName: 'Casey New',
  phoneNumber: '+14155550177',
  designation: 'Account Executive',
  accessRole: 'SALES_REP',
})

describe('user snapshots: apply', () => {
  const t = useTestApp()

  it('cross-org: creates the user and clones everything they own, references resolved by name', async () => {
    const { setup, target, snapshot } = await crossOrgScenario(t.app)
    const newUser = newUserBody()
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser },
    })
    assert.equal(response.status, 201, response.raw)
    const { result } = response.body
    assert.equal(response.body.message, 'Snapshot applied')
    assert.match(result.userId, /^[0-9a-f]{24}$/)
    assert.match(result.applicationId, /^[0-9a-f]{24}$/)
    assert.deepEqual(result, {
      applicationId: result.applicationId,
      userId: result.userId,
      userEmail: newUser.email,
      cloned: { automations: 3, prompts: 2, templates: 2 },
      mapped: { prompts: 0 },
      skipped: { automations: 0, templates: 0, prompts: 0 },
      warnings: [],
    })

    const db = t.app.ctx.db
    const targetOrg = target.tenant.organization.id
    const user = await db.selectFrom('users').selectAll().where('id', '=', result.userId).executeTakeFirstOrThrow()
    assert.deepEqual(
      [user.organization_id, user.email, user.full_name, user.access_role, user.phone_number, user.designation],
      [targetOrg, newUser.email, 'Casey New', 'SALES_REP', '+14155550177', 'Account Executive'],
    )
    // The new user can sign in with the password from the body.
    const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: newUser.email, password: newUser.password } })
    assert.equal(login.status, 200)

    const automations = await db.selectFrom('automations').selectAll().where('user_id', '=', result.userId).orderBy('name').execute()
    assert.deepEqual(
      automations.map((a) => [a.name, a.organization_id, a.enabled, a.source_statuses, a.actions]),
      [
        [
          'Hand qualified leads to Closer',
          targetOrg,
          true,
          ['Contacted', 'Qualified'],
          { agentId: target.agents.Closer, targetStage: 'Qualified' },
        ],
        ['Move to Contacted on first reply', targetOrg, true, ['New'], { targetStage: 'Contacted', sendToWebhook: false }],
        ['Ping webhook', targetOrg, true, [], { sendToWebhook: true, webhookUrl: 'https://hooks.example.test/a', webhookMethod: 'POST' }],
      ],
    )
    assert.ok(automations.every((a) => !Object.values(setup.automationIds).includes(a.id)), 'clones get new ids')

    const prompts = await db.selectFrom('prompts').selectAll().where('user_id', '=', result.userId).orderBy('name').execute()
    assert.deepEqual(
      prompts.map((p) => [p.name, p.organization_id, p.prompt, p.copied_from, p.copied_from_name, p.copied_from_org]),
      [
        ['Greeter', targetOrg, '<prompt>Greeter</prompt>', setup.promptIds.Greeter, 'Greeter', setup.tenant.organization.id],
        ['Objections', targetOrg, '<prompt>Objections</prompt>', setup.promptIds.Objections, 'Objections', setup.tenant.organization.id],
      ],
    )
    const templates = await db.selectFrom('templates').select(['name', 'organization_id', 'type']).where('user_id', '=', result.userId).orderBy('name').execute()
    assert.deepEqual(templates, [
      { name: 'Follow-up', organization_id: targetOrg, type: 'sms' },
      { name: 'Intro - new lead', organization_id: targetOrg, type: 'sms' },
    ])
    // The source is untouched.
    const sourceAutomations = await db.selectFrom('automations').select('id').where('user_id', '=', setup.tenant.salesRep.id).execute()
    assert.equal(sourceAutomations.length, 3)
  })

  it('applies explicit pipelineMapping, sourceStatusesMapping and agentMapping (by agent id and by name)', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app, ['Fresh', 'Reached Out', 'Hot', 'Qualified'], ['Finisher', 'Backup'])
    const byId = {
      newUser: newUserBody(),
      pipelineMapping: {
        'Move to Contacted on first reply': { New: 'Fresh', Contacted: 'Reached Out' },
        'Hand qualified leads to Closer': { Qualified: 'Hot' },
      },
      sourceStatusesMapping: { 'Hand qualified leads to Closer': ['Reached Out', 'Hot'] },
      agentMapping: { 'Hand qualified leads to Closer': { [setup.agentId]: target.agents.Finisher } },
    }
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, body: byId })
    assert.equal(response.status, 201, response.raw)
    const rows = await t.app.ctx.db
      .selectFrom('automations')
      .select(['name', 'source_statuses', 'actions'])
      .where('user_id', '=', response.body.result.userId)
      .orderBy('name')
      .execute()
    assert.deepEqual(rows.slice(0, 2), [
      {
        name: 'Hand qualified leads to Closer',
        source_statuses: ['Reached Out', 'Hot'],
        actions: { agentId: target.agents.Finisher, targetStage: 'Hot' },
      },
      { name: 'Move to Contacted on first reply', source_statuses: ['Fresh'], actions: { targetStage: 'Reached Out', sendToWebhook: false } },
    ])

    // The agent may also be named by its source name.
    const byName = {
      ...byId,
      newUser: newUserBody(),
      agentMapping: { 'Hand qualified leads to Closer': { Closer: target.agents.Backup } },
    }
    const second = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, body: byName })
    assert.equal(second.status, 201, second.raw)
    const row = await t.app.ctx.db
      .selectFrom('automations')
      .select('actions')
      .where('user_id', '=', second.body.result.userId)
      .where('name', '=', 'Hand qualified leads to Closer')
      .executeTakeFirstOrThrow()
    assert.equal(row.actions.agentId, target.agents.Backup)
  })

  it('answers 422 listing every unresolved reference, and writes nothing', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app, ['New'], [])
    const before = await tenantFootprint(t.app, target.tenant.organization.id)
    const newUser = newUserBody()
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser },
    })
    assert.equal(response.status, 422)
    const error = expectErrorShape(response)
    assert.equal(error.error, 'Unresolved references')
    assert.deepEqual(error.details, [
      { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', value: 'Contacted' },
      { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', value: 'Qualified' },
      { automationName: 'Hand qualified leads to Closer', field: 'targetStage', value: 'Qualified' },
      // The agent's name beside its source id: the id alone tells a person nothing.
      { automationName: 'Hand qualified leads to Closer', field: 'agentId', value: setup.agentId, agentName: 'Closer' },
      { automationName: 'Move to Contacted on first reply', field: 'targetStage', value: 'Contacted' },
    ])
    assert.deepEqual(await tenantFootprint(t.app, target.tenant.organization.id), before)
    const user = await t.app.ctx.db.selectFrom('users').select('id').where('email', '=', newUser.email).executeTakeFirst()
    assert.equal(user, undefined)
  })

  it('answers 422 for a mapping to a stage or agent missing in the target, and 400 for mapping keys naming no automation', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app)
    const before = await tenantFootprint(t.app, target.tenant.organization.id)
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const token = target.tenant.admin.token
    const badStage = await api(t.app, 'POST', url, {
      token,
      body: { newUser: newUserBody(), pipelineMapping: { 'Move to Contacted on first reply': { New: 'Nowhere' } } },
    })
    assert.equal(badStage.status, 422)
    assert.equal(expectErrorShape(badStage).error, 'Invalid mapping target')
    assert.deepEqual(badStage.body.details, [
      { automationName: 'Move to Contacted on first reply', field: 'sourceStatuses', value: 'New', target: 'Nowhere' },
    ])
    const foreignAgent = await api(t.app, 'POST', url, {
      token,
      body: { newUser: newUserBody(), agentMapping: { 'Hand qualified leads to Closer': { Closer: 'ffffffffffffffffffffffff' } } },
    })
    assert.equal(foreignAgent.status, 422)
    assert.deepEqual(foreignAgent.body.details, [
      {
        automationName: 'Hand qualified leads to Closer',
        field: 'agentId',
        value: setup.agentId,
        agentName: 'Closer',
        target: 'ffffffffffffffffffffffff',
      },
    ])
    const badStatuses = await api(t.app, 'POST', url, {
      token,
      body: { newUser: newUserBody(), sourceStatusesMapping: { 'Hand qualified leads to Closer': ['New', 'Imaginary'] } },
    })
    assert.equal(badStatuses.status, 422)

    const unknownKey = await api(t.app, 'POST', url, {
      token,
      body: {
        newUser: newUserBody(),
        pipelineMapping: { 'No such automation': { New: 'New' } },
        agentMapping: { 'Also missing': {} },
      },
    })
    assert.equal(unknownKey.status, 400)
    assert.deepEqual(
      (expectErrorShape(unknownKey).details as any[]).map((d) => d.path),
      ['/pipelineMapping/No such automation', '/agentMapping/Also missing'],
    )
    assert.deepEqual(await tenantFootprint(t.app, target.tenant.organization.id), before)
  })

  it('cross-org: ignores selectedPromptNames (even names of no prompt) and says so in the plan and the result', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const body = { newUser: newUserBody(), selectedPromptNames: ['Objections', 'No such prompt'] }
    const warning = {
      code: 'SELECTION_IGNORED',
      path: '/selectedPromptNames',
      message:
        'selectedPromptNames is ignored: it chooses prompts only when applying into the snapshot\u2019s own organization; ' +
        'this apply clones every prompt (applyPrompts: false clones none)',
    }
    const dry = await api(t.app, 'POST', `${url}?dryRun=true`, { token: target.tenant.admin.token, body })
    assert.equal(dry.status, 200, dry.raw)
    assert.equal(dry.body.plan.wouldSucceed, true)
    assert.deepEqual(dry.body.plan.warnings, [warning])
    assert.deepEqual(dry.body.result.warnings, [warning])
    assert.deepEqual(
      dry.body.plan.items.filter((i: any) => i.kind === 'prompt').map((i: any) => [i.name, i.action]),
      [['Greeter', 'clone'], ['Objections', 'clone']],
    )
    const applied = await api(t.app, 'POST', url, { token: target.tenant.admin.token, body })
    assert.equal(applied.status, 201, applied.raw)
    assert.deepEqual(applied.body.result.cloned, { automations: 3, prompts: 2, templates: 2 })
    assert.deepEqual(applied.body.result.warnings, [warning])
    const prompts = await t.app.ctx.db.selectFrom('prompts').select('name').where('user_id', '=', applied.body.result.userId).orderBy('name').execute()
    assert.deepEqual(prompts.map((p) => p.name), ['Greeter', 'Objections'])
  })

  it('lists mapping entries that change nothing as warnings of the plan and the result, and applies anyway', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app, ['New', 'Contacted', 'Qualified', 'Hot'], ['Closer', 'Backup'])
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const body = {
      newUser: newUserBody(),
      pipelineMapping: {
        // Used: rewrites targetStage (its sourceStatuses are replaced below, so that use is overridden).
        'Hand qualified leads to Closer': { Qualified: 'Hot', Contacted: 'Hot' },
        // Wrong case and made up: the automation references "New" and "Contacted".
        'Move to Contacted on first reply': { new: 'Hot', 'Made/up': 'Hot', Contacted: 'Contacted' },
      },
      sourceStatusesMapping: { 'Hand qualified leads to Closer': ['Hot'] },
      agentMapping: {
        // The id wins over the name; the webhook automation references no agent at all.
        'Hand qualified leads to Closer': { [setup.agentId]: target.agents.Backup, Closer: target.agents.Closer },
        'Ping webhook': { Closer: target.agents.Closer },
      },
    }
    const warnings = [
      {
        code: 'MAPPING_UNUSED',
        path: '/pipelineMapping/Hand qualified leads to Closer/Contacted',
        message:
          'pipelineMapping entry for stage "Contacted" of "Hand qualified leads to Closer" changes nothing: the automation ' +
          'has that stage only in sourceStatuses, which its sourceStatusesMapping replaces',
      },
      {
        code: 'MAPPING_UNUSED',
        path: '/pipelineMapping/Move to Contacted on first reply/new',
        message:
          'pipelineMapping entry for stage "new" of "Move to Contacted on first reply" changes nothing: the automation ' +
          'does not reference that stage (names are case-sensitive)',
      },
      {
        code: 'MAPPING_UNUSED',
        path: '/pipelineMapping/Move to Contacted on first reply/Made~1up',
        message:
          'pipelineMapping entry for stage "Made/up" of "Move to Contacted on first reply" changes nothing: the automation ' +
          'does not reference that stage (names are case-sensitive)',
      },
      {
        code: 'MAPPING_UNUSED',
        path: '/agentMapping/Hand qualified leads to Closer/Closer',
        message:
          'agentMapping entry for agent "Closer" of "Hand qualified leads to Closer" changes nothing: the entry for the ' +
          'same agent\u2019s source id wins',
      },
      {
        code: 'MAPPING_UNUSED',
        path: '/agentMapping/Ping webhook/Closer',
        message:
          'agentMapping entry for agent "Closer" of "Ping webhook" changes nothing: the automation does not reference ' +
          'that agent (by source id or name)',
      },
    ]
    const dry = await api(t.app, 'POST', `${url}?dryRun=true`, { token: target.tenant.admin.token, body })
    assert.equal(dry.status, 200, dry.raw)
    assert.equal(dry.body.plan.wouldSucceed, true)
    assert.deepEqual(dry.body.plan.problems, [])
    assert.deepEqual(dry.body.plan.warnings, warnings)
    assert.deepEqual(dry.body.result.warnings, warnings)
    const applied = await api(t.app, 'POST', url, { token: target.tenant.admin.token, body })
    assert.equal(applied.status, 201, applied.raw)
    assert.deepEqual(applied.body.result.warnings, warnings)
    const rows = await t.app.ctx.db.selectFrom('automations').select(['name', 'source_statuses', 'actions'])
      .where('user_id', '=', applied.body.result.userId).orderBy('name').execute()
    assert.deepEqual(rows.slice(0, 2), [
      { name: 'Hand qualified leads to Closer', source_statuses: ['Hot'], actions: { agentId: target.agents.Backup, targetStage: 'Hot' } },
      { name: 'Move to Contacted on first reply', source_statuses: ['New'], actions: { targetStage: 'Contacted', sendToWebhook: false } },
    ])
  })

  it('warns that mappings change nothing when no automation is cloned (applyAutomations false, same organization)', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app)
    const mappings = {
      pipelineMapping: { 'Move to Contacted on first reply': { New: 'Contacted' } },
      agentMapping: { 'Hand qualified leads to Closer': { Closer: target.agents.Closer } },
    }
    const off = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody(), applyAutomations: false, ...mappings },
    })
    assert.equal(off.status, 201, off.raw)
    assert.deepEqual(off.body.result.warnings.map((w: any) => [w.code, w.path, w.message]), [
      ['MAPPING_UNUSED', '/pipelineMapping', 'pipelineMapping changes nothing: this apply clones no automation (applyAutomations is false)'],
      ['MAPPING_UNUSED', '/agentMapping', 'agentMapping changes nothing: this apply clones no automation (applyAutomations is false)'],
    ])
    const same = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?dryRun=true`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody(), pipelineMapping: mappings.pipelineMapping },
    })
    assert.equal(same.status, 200, same.raw)
    assert.deepEqual(same.body.plan.warnings.map((w: any) => w.message), [
      'pipelineMapping changes nothing: this apply clones no automation (automations are not cloned into the snapshot\u2019s own organization)',
    ])
  })

  it('honours applyAutomations / applyPrompts / applyTemplates = false, counting what it skips', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app, [], [])
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody(), applyAutomations: false, applyTemplates: false },
    })
    // With automations off, their unresolvable references do not matter.
    assert.equal(response.status, 201, response.raw)
    assert.deepEqual(response.body.result.cloned, { automations: 0, prompts: 2, templates: 0 })
    assert.deepEqual(response.body.result.skipped, { automations: 3, templates: 2, prompts: 0 })
    const onlyPrompts = await tenantFootprint(t.app, target.tenant.organization.id)
    assert.deepEqual([onlyPrompts.automations, onlyPrompts.prompts, onlyPrompts.templates], [0, 2, 0])
  })

  it('same-org: skips automations and templates, clones selected prompts and maps the rest', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const org = setup.tenant.organization.id
    const before = await tenantFootprint(t.app, org)
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody(), selectedPromptNames: ['Objections'] },
    })
    assert.equal(response.status, 201, response.raw)
    const { result } = response.body
    assert.deepEqual(
      { cloned: result.cloned, mapped: result.mapped, skipped: result.skipped },
      {
        cloned: { automations: 0, prompts: 1, templates: 0 },
        mapped: { prompts: 1 },
        skipped: { automations: 3, templates: 2, prompts: 0 },
      },
    )
    const after = await tenantFootprint(t.app, org)
    assert.deepEqual(after, { ...before, users: before.users + 1, prompts: before.prompts + 1, prompt_grants: 1 })
    const grant = await t.app.ctx.db.selectFrom('prompt_grants').selectAll().where('user_id', '=', result.userId).execute()
    assert.deepEqual(grant.map((g) => g.prompt_id), [setup.promptIds.Greeter])
    const cloned = await t.app.ctx.db.selectFrom('prompts').select(['name', 'copied_from']).where('user_id', '=', result.userId).execute()
    assert.deepEqual(cloned, [{ name: 'Objections', copied_from: setup.promptIds.Objections }])

    // The new user sees both in their prompt list: their copy, and the mapped original.
    const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: result.userEmail, password: 'TempPass!2026' } })
    const prompts = await api(t.app, 'GET', '/api/prompts/user', { token: login.body.token })
    assert.equal(prompts.status, 200)
    assert.deepEqual(
      prompts.body.prompts.map((p: any) => [p.name, p.mapped, p._id === setup.promptIds.Greeter]),
      [
        ['Objections', false, false],
        ['Greeter', true, true],
      ],
    )
  })

  it('same-org without selectedPromptNames clones every prompt; a deleted source prompt is skipped, not mapped', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const all = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(all.status, 201)
    assert.deepEqual(all.body.result.cloned, { automations: 0, prompts: 2, templates: 0 })
    assert.deepEqual(all.body.result.mapped, { prompts: 0 })

    await t.app.ctx.db.deleteFrom('prompts').where('id', '=', setup.promptIds.Greeter!).execute()
    const partial = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody(), selectedPromptNames: [] },
    })
    assert.equal(partial.status, 201)
    assert.deepEqual(partial.body.result.mapped, { prompts: 1 })
    assert.deepEqual(partial.body.result.skipped.prompts, 1)
    const unknown = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody(), selectedPromptNames: ['Nope'] },
    })
    assert.equal(unknown.status, 400)
  })

  it('answers 409 for a taken email (any case) and writes nothing', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const before = await tenantFootprint(t.app, target.tenant.organization.id)
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody(target.tenant.salesRep.email.toUpperCase()) },
    })
    assert.equal(response.status, 409)
    assert.equal(expectErrorShape(response).error, 'Email already exists')
    assert.deepEqual(await tenantFootprint(t.app, target.tenant.organization.id), before)
  })

  it('lets a SUPERADMIN apply into another organization with ?organizationId=, and refuses that to an ADMIN', async () => {
    const { target, snapshot, root, setup } = await crossOrgScenario(t.app)
    const byRoot = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?organizationId=${target.tenant.organization.id}`, {
      token: root.token,
      body: { newUser: { ...newUserBody(), accessRole: 'ADMIN' } },
    })
    assert.equal(byRoot.status, 201, byRoot.raw)
    const user = await t.app.ctx.db.selectFrom('users').select(['organization_id', 'access_role']).where('id', '=', byRoot.body.result.userId).executeTakeFirstOrThrow()
    assert.deepEqual(user, { organization_id: target.tenant.organization.id, access_role: 'ADMIN' })

    const other = await newTenant(t.app)
    const byAdmin = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?organizationId=${other.organization.id}`, {
      token: setup.tenant.admin.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(byAdmin.status, 403)
    const missing = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?organizationId=ffffffffffffffffffffffff`, {
      token: root.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(missing.status, 404)
    for (const user of [target.tenant.departmentHead, target.tenant.salesRep]) {
      const r = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: user.token, body: { newUser: newUserBody() } })
      assert.equal(r.status, 403)
    }
  })

  it('rejects malformed bodies with 400 and field paths, writing nothing', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const before = await tenantFootprint(t.app, target.tenant.organization.id)
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const base = newUserBody()
    const cases: [unknown, string][] = [
      [{}, '/newUser'],
      [{ newUser: { ...base, extra: 1 } }, '/newUser/extra'],
      [{ newUser: base, extra: 1 }, '/extra'],
      [{ newUser: { ...base, password: 'short' } }, '/newUser/password'],
      [{ newUser: { ...base, email: 'not-an-email' } }, '/newUser/email'],
      [{ newUser: { ...base, accessRole: 'SUPERADMIN' } }, '/newUser/accessRole'],
      [{ newUser: { ...base, accessRole: 'OWNER' } }, '/newUser/accessRole'],
      [{ newUser: { ...base, phoneNumber: '+4415555501770' } }, '/newUser/phoneNumber'],
      [{ newUser: { ...base, fullName: 7 } }, '/newUser/fullName'],
      [{ newUser: base, pipelineMapping: { a: 'b' } }, '/pipelineMapping/a'],
      [{ newUser: base, pipelineMapping: { a: { b: 1 } } }, '/pipelineMapping/a/b'],
      [{ newUser: base, sourceStatusesMapping: { a: 'b' } }, '/sourceStatusesMapping/a'],
      [{ newUser: base, agentMapping: { a: { b: 'not-an-id' } } }, '/agentMapping/a/b'],
      [{ newUser: base, selectedPromptNames: 'Greeter' }, '/selectedPromptNames'],
      [{ newUser: base, applyPrompts: 'yes' }, '/applyPrompts'],
      [{ newUser: [] }, '/newUser'],
    ]
    for (const [body, path] of cases) {
      const r = await api(t.app, 'POST', url, { token: target.tenant.admin.token, body })
      assert.equal(r.status, 400, JSON.stringify(body))
      const paths = (expectErrorShape(r).details as { path: string }[]).map((d) => d.path)
      assert.ok(paths.includes(path), `${path} not in ${JSON.stringify(paths)}`)
    }
    assert.equal((await api(t.app, 'POST', '/api/user-snapshots/not-an-id/apply', { token: target.tenant.admin.token, body: { newUser: base } })).status, 400)
    assert.equal((await api(t.app, 'POST', `${url}?dryRun=maybe`, { token: target.tenant.admin.token, body: { newUser: base } })).status, 400)
    assert.deepEqual(await tenantFootprint(t.app, target.tenant.organization.id), before)
  })

  it('dry run returns the result counts and the plan, writes nothing, and predicts the apply', async () => {
    const { target, snapshot, setup } = await crossOrgScenario(t.app, ['New', 'Contacted', 'Hot'])
    const before = await tenantFootprint(t.app, target.tenant.organization.id)
    const url = `/api/user-snapshots/${snapshot._id}/apply`
    const body = {
      newUser: newUserBody(),
      pipelineMapping: { 'Hand qualified leads to Closer': { Qualified: 'Hot' } },
    }
    const failing = await api(t.app, 'POST', `${url}?dryRun=true`, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
    assert.equal(failing.status, 200)
    assert.equal(failing.body.plan.wouldSucceed, false)
    assert.deepEqual(failing.body.plan.problems.map((p: any) => [p.status, p.error]), [[422, 'Unresolved references']])
    assert.deepEqual(failing.body.plan.problems[0].details, [
      { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', value: 'Qualified' },
      { automationName: 'Hand qualified leads to Closer', field: 'targetStage', value: 'Qualified' },
    ])

    const taken = await api(t.app, 'POST', `${url}?dryRun=true`, {
      token: target.tenant.admin.token,
      body: { ...body, newUser: newUserBody(setup.tenant.admin.email) },
    })
    assert.deepEqual(taken.body.plan.problems.map((p: any) => p.status), [409])

    const dry = await api(t.app, 'POST', `${url}?dryRun=true`, { token: target.tenant.admin.token, body })
    assert.equal(dry.status, 200)
    assert.equal(dry.body.message, 'Dry run')
    assert.equal(dry.body.plan.wouldSucceed, true)
    assert.deepEqual(dry.body.plan.problems, [])
    assert.equal(dry.body.result.userId, null)
    assert.deepEqual(
      dry.body.plan.items.filter((i: any) => i.kind === 'automation'),
      [
        { kind: 'automation', name: 'Hand qualified leads to Closer', action: 'clone' },
        { kind: 'automation', name: 'Move to Contacted on first reply', action: 'clone' },
        { kind: 'automation', name: 'Ping webhook', action: 'clone' },
      ],
    )
    assert.equal(dry.body.plan.items.length, 7)
    assert.deepEqual(
      dry.body.plan.references.filter((r: any) => r.automationName === 'Hand qualified leads to Closer'),
      [
        { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', from: 'Contacted', to: 'Contacted', resolvedBy: 'name' },
        { automationName: 'Hand qualified leads to Closer', field: 'sourceStatuses', from: 'Qualified', to: 'Hot', resolvedBy: 'mapping' },
        { automationName: 'Hand qualified leads to Closer', field: 'targetStage', from: 'Qualified', to: 'Hot', resolvedBy: 'mapping' },
        { automationName: 'Hand qualified leads to Closer', field: 'agentId', from: setup.agentId, to: target.agents.Closer, resolvedBy: 'name' },
      ],
    )
    assert.deepEqual(await tenantFootprint(t.app, target.tenant.organization.id), before)

    const real = await api(t.app, 'POST', url, { token: target.tenant.admin.token, body })
    assert.equal(real.status, 201)
    const { userId, applicationId: _id, ...counts } = real.body.result
    const { userId: _none, ...predicted } = dry.body.result
    assert.deepEqual(counts, predicted)
    assert.ok(userId)
  })

  it('keeps the new user\u2019s login working with the password given (argon2id hash stored, never the password)', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const newUser = newUserBody()
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, body: { newUser } })
    assert.equal(response.status, 201)
    const row = await t.app.ctx.db.selectFrom('users').select('password_hash').where('id', '=', response.body.result.userId).executeTakeFirstOrThrow()
    assert.match(row.password_hash, /^\$argon2id\$/)
    assert.ok(!row.password_hash.includes(newUser.password))
    assert.ok(!response.raw.includes(newUser.password))
    const wrong = await api(t.app, 'POST', '/api/auth/login', { body: { email: newUser.email, password: testPassword } })
    assert.equal(wrong.status, 401)
  })

  it('lets the target org\u2019s ADMIN apply a global snapshot it was never assigned', async () => {
    const setup = await sourceSetup(t.app)
    const target = await matchingTarget(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    await api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, { token: setup.tenant.admin.token, body: { isGlobal: true } })
    await seedPipeline(t.app, target.tenant.organization.id, 'Extra', ['Unused'])
    const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
    assert.equal(response.status, 201, response.raw)
  })
})
