import { sql } from 'kysely'
import type { Tx } from '../../db/database.ts'
import type { AutomationRewrite } from './reference-resolution.ts'

/**
 * The set-based statements of an apply: each clones every item of one kind from
 * the snapshot's item tables with a single INSERT ... SELECT, new ids generated
 * by the database. The statement count never depends on the number of items.
 */

const affected = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n)

export interface CloneTarget {
  snapshotId: string
  organizationId: string
  userId: string
}

/**
 * Automations, enabled for their new owner. Reference rewrites arrive as one JSON
 * parameter (only automations whose references change) and are joined by name.
 */
export async function cloneAutomations(trx: Tx, target: CloneTarget, rewrites: AutomationRewrite[]): Promise<number> {
  const rewriteJson = JSON.stringify(
    rewrites.map((r) => ({ name: r.name, source_statuses: r.sourceStatuses, actions_patch: r.actionsPatch })),
  )
  const result = await sql`
    insert into automations
      (organization_id, user_id, name, description, event, trigger_type, source_statuses, actions, conditions,
       max_transitions, enabled)
    select ${target.organizationId}, ${target.userId}, a.name, a.description, a.event, a.trigger_type,
           coalesce(r.source_statuses, a.source_statuses),
           a.actions || coalesce(r.actions_patch, '{}'::jsonb),
           a.conditions, a.max_transitions, true
    from snapshot_automations a
    left join jsonb_to_recordset(${rewriteJson}::jsonb) as r(name text, source_statuses jsonb, actions_patch jsonb)
      on r.name = a.name
    where a.snapshot_id = ${target.snapshotId}
  `.execute(trx)
  return affected(result)
}

/**
 * Prompts, recording where each copy came from. `onlyNames` restricts the copy
 * to the named prompts (same-organization apply with selectedPromptNames).
 */
export async function clonePrompts(
  trx: Tx,
  target: CloneTarget,
  sourceOrgId: string,
  onlyNames: readonly string[] | null,
): Promise<number> {
  const result = await sql`
    insert into prompts
      (organization_id, user_id, name, prompt, description, temperature, response_time, is_hidden, tools,
       tool_configs, copied_from, copied_from_name, copied_from_org)
    select ${target.organizationId}, ${target.userId}, p.name, p.prompt, p.description, p.temperature,
           p.response_time, p.is_hidden, p.tools, p.tool_configs, p.source_id, p.name, ${sourceOrgId}
    from snapshot_prompts p
    where p.snapshot_id = ${target.snapshotId}
      ${onlyNames === null ? sql`` : sql`and p.name = any(${[...onlyNames]}::text[])`}
  `.execute(trx)
  return affected(result)
}

/**
 * Same-organization apply: instead of copying, grant the new user use of each
 * snapshot prompt (outside `clonedNames`) whose source prompt still exists.
 */
export async function grantSourcePrompts(trx: Tx, target: CloneTarget, clonedNames: readonly string[]): Promise<number> {
  const result = await sql`
    insert into prompt_grants (user_id, prompt_id, organization_id)
    select ${target.userId}, src.id, ${target.organizationId}
    from snapshot_prompts p
    join prompts src on src.id = p.source_id and src.organization_id = ${target.organizationId}
    where p.snapshot_id = ${target.snapshotId} and not (p.name = any(${[...clonedNames]}::text[]))
  `.execute(trx)
  return affected(result)
}

export async function cloneTemplates(trx: Tx, target: CloneTarget): Promise<number> {
  const result = await sql`
    insert into templates (organization_id, user_id, name, template, type, category)
    select ${target.organizationId}, ${target.userId}, t.name, t.template, t.type, t.category
    from snapshot_templates t
    where t.snapshot_id = ${target.snapshotId}
  `.execute(trx)
  return affected(result)
}

/** Pipelines under the ids planned for them (source id → new id, one JSON parameter). */
export async function clonePipelines(
  trx: Tx,
  snapshotId: string,
  organizationId: string,
  idMap: Record<string, string>,
): Promise<number> {
  const result = await sql`
    insert into pipelines (id, organization_id, name, description, type, is_default, is_active)
    select m.value, ${organizationId}, p.name, p.description, p.type, p.is_default, p.is_active
    from snapshot_pipelines p
    join jsonb_each_text(${JSON.stringify(idMap)}::jsonb) as m on m.key = p.source_id
    where p.snapshot_id = ${snapshotId}
  `.execute(trx)
  return affected(result)
}

/** Stages with new ids, attached to the new pipelines through the same id map. */
export async function cloneStages(
  trx: Tx,
  snapshotId: string,
  organizationId: string,
  pipelineIdMap: Record<string, string>,
): Promise<number> {
  const result = await sql`
    insert into pipeline_stages (pipeline_id, organization_id, name, color, position, is_active)
    select m.value, ${organizationId}, s.name, s.color, s.position, s.is_active
    from snapshot_stages s
    join jsonb_each_text(${JSON.stringify(pipelineIdMap)}::jsonb) as m on m.key = s.source_pipeline_id
    where s.snapshot_id = ${snapshotId}
  `.execute(trx)
  return affected(result)
}

/**
 * Agents under their planned ids. An agent's prompt points at the first user's
 * copy of that prompt when there is one; never at the source organization's row.
 */
export async function cloneAgents(
  trx: Tx,
  snapshotId: string,
  organizationId: string,
  idMap: Record<string, string>,
  promptOwnerId: string | null,
): Promise<number> {
  const result = await sql`
    insert into ai_agents (id, organization_id, name, description, prompt_id)
    select m.value, ${organizationId}, a.name, a.description, copy.id
    from snapshot_agents a
    join jsonb_each_text(${JSON.stringify(idMap)}::jsonb) as m on m.key = a.source_id
    left join prompts copy on copy.user_id = ${promptOwnerId} and copy.copied_from = a.prompt_id
    where a.snapshot_id = ${snapshotId}
  `.execute(trx)
  return affected(result)
}

export async function cloneDynamicProperties(trx: Tx, snapshotId: string, organizationId: string): Promise<number> {
  const result = await sql`
    insert into dynamic_properties (organization_id, type, sections)
    select ${organizationId}, d.type, d.sections
    from snapshot_dynamic_properties d
    where d.snapshot_id = ${snapshotId}
  `.execute(trx)
  return affected(result)
}
