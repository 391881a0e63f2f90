import { sql } from 'kysely'
import type { App } from '../../src/app.ts'
import type { WithContext } from './fixtures.ts'

/**
 * Source data for snapshot tests, written straight into the tables (the tenant
 * core API has its own tests). Bulk variants generate N rows in one statement.
 */

export async function seedPipeline(
  app: WithContext,
  organizationId: string,
  name: string,
  stages: string[],
  options: { type?: 'Contact' | 'Application'; isDefault?: boolean } = {},
) {
  const pipeline = await app.ctx.db
    .insertInto('pipelines')
    .values({
      organization_id: organizationId,
      name,
      description: `${name} description`,
      type: options.type ?? 'Contact',
      is_default: options.isDefault ?? false,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow()
  const stageRows =
    stages.length === 0
      ? []
      : await app.ctx.db
          .insertInto('pipeline_stages')
          .values(
            stages.map((stage, position) => ({
              pipeline_id: pipeline.id,
              organization_id: organizationId,
              name: stage,
              color: `#${String(100000 + position * 1111).slice(0, 6)}`,
              position,
            })),
          )
          .returning(['id', 'name', 'color', 'position'])
          .execute()
  return { id: pipeline.id, stages: stageRows }
}

export async function seedAgent(app: WithContext, organizationId: string, name: string, promptId: string | null = null) {
  const row = await app.ctx.db
    .insertInto('ai_agents')
    .values({ organization_id: organizationId, name, description: `${name} agent`, prompt_id: promptId })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export interface AutomationSeed {
  name: string
  sourceStatuses?: string[]
  actions?: Record<string, unknown>
  conditions?: Record<string, unknown>[]
  description?: string
  enabled?: boolean
}

export async function seedAutomation(app: App, organizationId: string, userId: string, a: AutomationSeed) {
  const row = await app.ctx.db
    .insertInto('automations')
    .values({
      organization_id: organizationId,
      user_id: userId,
      name: a.name,
      description: a.description ?? `${a.name} does things`,
      event: 'message.received',
      trigger_type: 'inbound',
      source_statuses: JSON.stringify(a.sourceStatuses ?? []),
      actions: JSON.stringify(a.actions ?? { sendToWebhook: false }),
      conditions: JSON.stringify(
        a.conditions ?? [{ source: 'conversation', field: 'channelType', operator: 'equals', value: 'sms' }],
      ),
      max_transitions: 3,
      enabled: a.enabled ?? false,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function seedPrompt(app: App, organizationId: string, userId: string, name: string, text = `<prompt>${name}</prompt>`) {
  const row = await app.ctx.db
    .insertInto('prompts')
    .values({
      organization_id: organizationId,
      user_id: userId,
      name,
      prompt: text,
      description: `${name} description`,
      temperature: 0.7,
      response_time: 45,
      tools: JSON.stringify([{ name: 'lookup' }]),
      tool_configs: JSON.stringify({ lookup: { enabled: true } }),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export async function seedTemplate(app: App, organizationId: string, userId: string, name: string) {
  const row = await app.ctx.db
    .insertInto('templates')
    .values({
      organization_id: organizationId,
      user_id: userId,
      name,
      template: `Hi {{firstName}}, this is ${name}`,
      type: 'sms',
      category: 'introduction',
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export interface BulkSeed {
  automations: number
  prompts: number
  templates: number
  /** Every `referenceEvery`-th automation references `stages` and `agentId` (0: none). */
  referenceEvery?: number
  stages?: [string, string]
  agentId?: string
  /** Approximate payload sizes in bytes (defaults: tiny). */
  actionBytes?: number
  promptBytes?: number
  templateBytes?: number
}

const fillerWords = [
  'lead', 'call', 'follow', 'up', 'customer', 'price', 'quote', 'meeting', 'schedule', 'thanks', 'please', 'reply',
  'offer', 'discount', 'today', 'tomorrow', 'week', 'team', 'product', 'demo', 'question', 'answer', 'contract',
  'sign', 'review', 'update', 'status', 'new', 'qualified', 'contacted', 'closed', 'won', 'you', 'we', 'our', 'the',
  'a', 'to', 'and', 'for', 'with', 'about', 'your', 'order', 'delivery', 'invoice', 'payment', 'account', 'support',
  'agent', 'stage', 'pipeline', 'message', 'email', 'phone', 'number', 'address', 'city', 'company', 'budget',
  'decision', 'timeline', 'next', 'step',
]

/**
 * About `bytes` of text for generated row `i`, made of words picked by hashing
 * (i, position): it compresses like prose under TOAST, unlike a repeated string,
 * so copying it costs what copying real prompts and templates costs.
 */
function fillerText(bytes: number | undefined) {
  const words = Math.max(0, Math.ceil((bytes ?? 0) / 7))
  return sql<string>`coalesce((
    select string_agg((${fillerWords}::text[])[1 + abs(hashtext(i || ':' || k)) % ${fillerWords.length}], ' ')
    from generate_series(1, ${words}) as k), '')`
}

/**
 * N items for one user in three statements (generate_series). Names are
 * "Automation 00001" etc.; with referenceEvery, those automations reference the
 * given stages (sourceStatuses[0] and actions.targetStage) and agent.
 */
export async function seedBulkItems(app: WithContext, organizationId: string, userId: string, seed: BulkSeed): Promise<void> {
  const db = app.ctx.db
  const every = seed.referenceEvery ?? 0
  const [fromStage, toStage] = seed.stages ?? ['New', 'Contacted']
  await sql`
    insert into automations (organization_id, user_id, name, description, event, trigger_type, source_statuses,
                             actions, conditions, max_transitions, enabled)
    select ${organizationId}, ${userId}, 'Automation ' || lpad(i::text, 6, '0'), 'Generated automation ' || i,
           'message.received', 'inbound',
           case when ${every} > 0 and i % ${every} = 0 then jsonb_build_array(${fromStage}::text) else '[]'::jsonb end,
           jsonb_build_object('sendToWebhook', true, 'webhookUrl', 'https://hooks.example.test/' || i,
                              'webhookPayload', jsonb_build_object('notes', ${fillerText(seed.actionBytes)}))
             || case when ${every} > 0 and i % ${every} = 0
                     then jsonb_build_object('targetStage', ${toStage}::text)
                          || case when ${seed.agentId ?? null}::text is null then '{}'::jsonb
                                  else jsonb_build_object('agentId', ${seed.agentId ?? null}::text) end
                     else '{}'::jsonb end,
           jsonb_build_array(jsonb_build_object('source', 'conversation', 'field', 'channelType',
                                                'operator', 'equals', 'value', 'sms')),
           5, true
    from generate_series(1, ${seed.automations}) as i
  `.execute(db)
  await sql`
    insert into prompts (organization_id, user_id, name, prompt, description, temperature, response_time, tools, tool_configs)
    select ${organizationId}, ${userId}, 'Prompt ' || lpad(i::text, 6, '0'),
           '<prompt>' || ${fillerText(seed.promptBytes)} || '</prompt>',
           'Generated prompt ' || i, 0.5, 30, '[]'::jsonb, '{}'::jsonb
    from generate_series(1, ${seed.prompts}) as i
  `.execute(db)
  await sql`
    insert into templates (organization_id, user_id, name, template, type, category)
    select ${organizationId}, ${userId}, 'Template ' || lpad(i::text, 6, '0'),
           'Hi {{firstName}} ' || ${fillerText(seed.templateBytes)}, 'sms', 'generated'
    from generate_series(1, ${seed.templates}) as i
  `.execute(db)
}

export interface Footprint {
  users: number
  automations: number
  prompts: number
  prompt_grants: number
  templates: number
  pipelines: number
  stages: number
  agents: number
  dynamic_properties: number
  credentials: number
}

/** Row counts of every tenant table for one organization (to prove nothing changed). */
export async function tenantFootprint(app: App, organizationId: string): Promise<Footprint> {
  const { rows } = await sql<Footprint>`
    select
      (select count(*) from users where organization_id = ${organizationId})::int as users,
      (select count(*) from automations where organization_id = ${organizationId})::int as automations,
      (select count(*) from prompts where organization_id = ${organizationId})::int as prompts,
      (select count(*) from prompt_grants where organization_id = ${organizationId})::int as prompt_grants,
      (select count(*) from templates where organization_id = ${organizationId})::int as templates,
      (select count(*) from pipelines where organization_id = ${organizationId})::int as pipelines,
      (select count(*) from pipeline_stages where organization_id = ${organizationId})::int as stages,
      (select count(*) from ai_agents where organization_id = ${organizationId})::int as agents,
      (select count(*) from dynamic_properties where organization_id = ${organizationId})::int as dynamic_properties,
      (select count(*) from organization_credentials where organization_id = ${organizationId})::int as credentials
  `.execute(app.ctx.db)
  const footprint = rows[0]
  if (!footprint) throw new Error("footprint query returned no row")
  return footprint
}
