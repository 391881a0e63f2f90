import { sql } from 'kysely'
import type { Tx } from '../../db/database.ts'

/**
 * Capture copies the source rows into the snapshot's item tables with one
 * INSERT ... SELECT per item kind: the rows never travel through the application,
 * and the copy is taken inside the caller's transaction so counts and copies agree.
 */

const count = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n)

export interface CapturedCounts {
  automations: number
  prompts: number
  templates: number
}

/** The source user's automations, prompts and templates, and every stage/agent reference. */
export async function captureUserItems(
  trx: Tx,
  snapshotId: string,
  sourceUserId: string,
  sourceOrgId: string,
): Promise<CapturedCounts> {
  const automations = await sql`
    insert into snapshot_automations
      (snapshot_id, source_id, name, description, event, trigger_type, source_statuses, actions, conditions,
       max_transitions, enabled)
    select ${snapshotId}, id, name, description, event, trigger_type, source_statuses, actions, conditions,
           max_transitions, enabled
    from automations where user_id = ${sourceUserId}
  `.execute(trx)
  const prompts = await sql`
    insert into snapshot_prompts
      (snapshot_id, source_id, name, prompt, description, temperature, response_time, is_hidden, tools, tool_configs)
    select ${snapshotId}, id, name, prompt, description, temperature, response_time, is_hidden, tools, tool_configs
    from prompts where user_id = ${sourceUserId}
  `.execute(trx)
  const templates = await sql`
    insert into snapshot_templates (snapshot_id, source_id, name, template, type, category)
    select ${snapshotId}, id, name, template, type, category
    from templates where user_id = ${sourceUserId}
  `.execute(trx)
  await captureReferences(trx, snapshotId, sourceOrgId)
  return { automations: count(automations), prompts: count(prompts), templates: count(templates) }
}

/**
 * Extracts the references of the captured automations in one statement:
 * every sourceStatuses entry and actions.targetStage (pipeline stages, by name),
 * and actions.agentId (an AI agent, by id, with the agent's name at capture time).
 */
async function captureReferences(trx: Tx, snapshotId: string, sourceOrgId: string): Promise<void> {
  await sql`
    insert into snapshot_refs
      (snapshot_id, position, automation_name, ref_type, field, field_location, value, agent_name)
    select ${snapshotId}, row_number() over (order by r.automation_name, r.field_order, r.idx),
           r.automation_name, r.ref_type, r.field, r.field_location, r.value, r.agent_name
    from (
      select a.name as automation_name, 1 as field_order, s.idx, 'pipelineStage' as ref_type,
             'sourceStatuses' as field, 'root' as field_location, s.value, null::text as agent_name
      from snapshot_automations a
      cross join lateral jsonb_array_elements_text(a.source_statuses) with ordinality as s(value, idx)
      where a.snapshot_id = ${snapshotId}
      union all
      select a.name, 2, 0, 'pipelineStage', 'targetStage', 'actions', a.actions ->> 'targetStage', null
      from snapshot_automations a
      where a.snapshot_id = ${snapshotId} and jsonb_typeof(a.actions -> 'targetStage') = 'string'
      union all
      select a.name, 3, 0, 'agent', 'agentId', 'actions', a.actions ->> 'agentId', g.name
      from snapshot_automations a
      left join ai_agents g on g.id = a.actions ->> 'agentId' and g.organization_id = ${sourceOrgId}
      where a.snapshot_id = ${snapshotId} and jsonb_typeof(a.actions -> 'agentId') = 'string'
    ) r
  `.execute(trx)
}

export interface CapturedOrgCounts {
  pipelines: number
  credentialNames: string[]
}

/**
 * Organization-level configuration: pipelines with their stages, AI agents,
 * dynamic properties of every type, and the names (never the values) of the
 * configured credentials.
 */
export async function captureOrganizationItems(trx: Tx, snapshotId: string, sourceOrgId: string): Promise<CapturedOrgCounts> {
  const pipelines = await sql`
    insert into snapshot_pipelines (snapshot_id, source_id, name, description, type, is_default, is_active)
    select ${snapshotId}, id, name, description, type, is_default, is_active
    from pipelines where organization_id = ${sourceOrgId}
  `.execute(trx)
  await sql`
    insert into snapshot_stages (snapshot_id, source_id, source_pipeline_id, name, color, position, is_active)
    select ${snapshotId}, id, pipeline_id, name, color, position, is_active
    from pipeline_stages where organization_id = ${sourceOrgId}
  `.execute(trx)
  await sql`
    insert into snapshot_agents (snapshot_id, source_id, name, description, prompt_id)
    select ${snapshotId}, id, name, description, prompt_id
    from ai_agents where organization_id = ${sourceOrgId}
  `.execute(trx)
  await sql`
    insert into snapshot_dynamic_properties (snapshot_id, type, sections)
    select ${snapshotId}, type, sections
    from dynamic_properties where organization_id = ${sourceOrgId}
  `.execute(trx)
  const credentials = await sql<{ names: string[] }>`
    update snapshots set credential_names = coalesce(
      (select array_agg(name order by name) from organization_credentials where organization_id = ${sourceOrgId}),
      '{}')
    where id = ${snapshotId}
    returning credential_names as names
  `.execute(trx)
  return { pipelines: count(pipelines), credentialNames: credentials.rows[0]?.names ?? [] }
}
