import type { App } from '../../src/app.ts'
import { writeCredentials } from '../../src/modules/organizations/credentials.repository.ts'
import { upsertDynamicProperties } from '../../src/modules/organizations/dynamic-properties.repository.ts'
import { newSuperadmin, newTenant, uniqueEmail, uniquePhone, uniqueSuffix, type Tenant } from './fixtures.ts'
import { api } from './http.ts'
import { seedAgent, seedAutomation, seedPipeline, seedPrompt, seedTemplate } from './seed.ts'

/**
 * A source organization whose sales rep has a realistic working setup:
 * a pipeline (New → Contacted → Qualified), an agent "Closer", and automations,
 * prompts and templates that reference them.
 */
export interface SourceSetup {
  tenant: Tenant
  agentId: string
  promptIds: Record<string, string>
  automationIds: Record<string, string>
}

export async function sourceSetup(app: App): Promise<SourceSetup> {
  const tenant = await newTenant(app)
  const org = tenant.organization.id
  const rep = tenant.salesRep.id
  await seedPipeline(app, org, 'Sales', ['New', 'Contacted', 'Qualified'], { isDefault: true })
  const greeterPrompt = await seedPrompt(app, org, rep, 'Greeter')
  const agentId = await seedAgent(app, org, 'Closer', greeterPrompt)
  const promptIds = {
    Greeter: greeterPrompt,
    Objections: await seedPrompt(app, org, rep, 'Objections'),
  }
  const automationIds = {
    'Move to Contacted on first reply': await seedAutomation(app, org, rep, {
      name: 'Move to Contacted on first reply',
      sourceStatuses: ['New'],
      actions: { targetStage: 'Contacted', sendToWebhook: false },
    }),
    'Hand qualified leads to Closer': await seedAutomation(app, org, rep, {
      name: 'Hand qualified leads to Closer',
      sourceStatuses: ['Contacted', 'Qualified'],
      actions: { agentId, targetStage: 'Qualified' },
    }),
    'Ping webhook': await seedAutomation(app, org, rep, {
      name: 'Ping webhook',
      actions: { sendToWebhook: true, webhookUrl: 'https://hooks.example.test/a', webhookMethod: 'POST' },
    }),
  }
  await seedTemplate(app, org, rep, 'Intro - new lead')
  await seedTemplate(app, org, rep, 'Follow-up')
  return { tenant, agentId, promptIds, automationIds }
}

/** Creates a user snapshot of the setup's sales rep through the API. */
export async function snapshotOf(app: App, setup: SourceSetup, token = setup.tenant.admin.token, name = 'Top rep') {
  const response = await api(app, 'POST', '/api/user-snapshots', {
    token,
    body: { name, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
  })
  if (response.status !== 201) throw new Error(`snapshot create failed: ${response.status} ${response.raw}`)
  return response.body.snapshot as { _id: string; [key: string]: unknown }
}

/**
 * A snapshot of a sourceSetup shared by a superadmin with its source organization
 * and a matching target organization (stages and agents as given, else matching).
 */
export async function crossOrgScenario(app: App, stages?: string[], agentNames?: string[]) {
  const setup = await sourceSetup(app)
  const target = await matchingTarget(app, stages, agentNames)
  const snapshot = await snapshotOf(app, setup)
  const root = await newSuperadmin(app)
  const assigned = await api(app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, {
    token: root.token,
    body: { assignedOrgIds: [setup.tenant.organization.id, target.tenant.organization.id] },
  })
  if (assigned.status !== 200) throw new Error(`snapshot assign failed: ${assigned.status} ${assigned.raw}`)
  return { setup, target, snapshot, root }
}

/** A target organization whose pipeline and agents match the source by name. */
export async function matchingTarget(app: App, stages = ['New', 'Contacted', 'Qualified'], agentNames = ['Closer']) {
  const tenant = await newTenant(app)
  const pipeline = await seedPipeline(app, tenant.organization.id, 'Target pipeline', stages)
  const agents: Record<string, string> = {}
  for (const name of agentNames) agents[name] = await seedAgent(app, tenant.organization.id, name)
  return { tenant, pipeline, agents }
}

/**
 * A fully configured source organization for organization snapshots: the
 * sourceSetup working set plus dynamic properties and two credentials, captured
 * by a superadmin.
 */
export async function orgSourceSetup(app: App) {
  const setup = await sourceSetup(app)
  const org = setup.tenant.organization.id
  await upsertDynamicProperties(app.ctx.db, org, 'Contact', [
    { name: 'Basics', isHidden: false, properties: { firstName: { name: 'First Name', dataType: 'string', isHidden: false } } },
  ])
  const secrets = { anthropicApiKey: `sk-ant-${uniqueSuffix()}-source`, twilioAuthToken: `twilio-${uniqueSuffix()}-source` }
  await writeCredentials(app.ctx.db, app.ctx.secrets, org, secrets)
  const root = await newSuperadmin(app)
  const created = await api(app, 'POST', '/api/org-snapshots', {
    token: root.token,
    body: { name: 'Whole tenant', sourceOrgId: org, sourceUserId: setup.tenant.salesRep.id },
  })
  if (created.status !== 201) throw new Error(`org snapshot create failed: ${created.status} ${created.raw}`)
  return { ...setup, root, secrets, snapshot: created.body.snapshot as { _id: string; [key: string]: unknown } }
}

/** A valid org-snapshot apply body with a fresh name and phone. */
export const orgApplyBody = (overrides: Record<string, unknown> = {}) => ({
  orgName: `NewOrg ${uniqueSuffix()}`,
  orgPhone: uniquePhone(),
  orgAddress: '100 King St W, Toronto, ON',
  ...overrides,
})

/** A valid user-snapshot apply `newUser`. */
export const newUserBody = (email = uniqueEmail('casey'), overrides: Record<string, unknown> = {}) => ({
  email,
  password: 'TempPass!2026',
  fullName: 'Casey New',
  accessRole: 'SALES_REP',
  ...overrides,
})
