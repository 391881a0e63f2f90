import type { App } from '#src/app.ts'
import { newTenant, type Tenant } from './fixtures.ts'
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

/** A target organization whose pipeline and agents match the source by name. */
export async function matchingTarget(app: App, stages = ['New', 'Contacted', 'Qualified'], agentNames = ['Closer']) {
  const tenant = await newTenant(app)
  const pipeline = await seedPipeline(app, tenant.organization.id, 'Target pipeline', stages)
  const agents: Record<string, string> = {}
  for (const name of agentNames) agents[name] = await seedAgent(app, tenant.organization.id, name)
  return { tenant, pipeline, agents }
}
