import { sql } from 'kysely'
import type { ItemCounts, Tx } from '../../db/database.ts'
import type { ItemKind } from './item-kind.ts'

/**
 * Capture copies the source rows into a version's item tables with one
 * INSERT ... SELECT per item kind: the rows never travel through the application,
 * and the copy is taken inside the caller's transaction so counts and copies agree.
 */

const affected = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n)

export interface CaptureSource {
  userId: string
  organizationId: string
}

/** Copies every kind's source rows into the version; returns how many of each were copied. */
export async function captureItems(
  trx: Tx,
  versionId: string,
  kinds: readonly ItemKind[],
  source: CaptureSource,
): Promise<ItemCounts> {
  const counts: ItemCounts = {}
  for (const kind of kinds) {
    const also = Object.entries(kind.captureAlso ?? {})
    const into = ['version_id', 'source_id', ...kind.columns, ...also.map(([column]) => column)]
    const from = [kind.sourceIdColumn, ...kind.columns, ...also.map(([, live]) => live)]
    const owner = kind.owner === 'user' ? sql`user_id = ${source.userId}` : sql`organization_id = ${source.organizationId}`
    const result = await sql`
      insert into ${sql.table(kind.snapshotTable)} (${sql.join(into.map((c) => sql.ref(c)))})
      select ${versionId}, ${sql.join(from.map((c) => sql.ref(c)))}
      from ${sql.table(kind.liveTable)} where ${owner}
    `.execute(trx)
    counts[kind.countKey] = affected(result)
  }
  return counts
}

/**
 * Extracts the references of the captured automations in one statement:
 * every sourceStatuses entry and actions.targetStage (pipeline stages, by name),
 * and actions.agentId (an AI agent, by id, with the agent's name at capture time).
 */
export async function captureReferences(trx: Tx, versionId: string, sourceOrgId: string): Promise<void> {
  await sql`
    insert into snapshot_refs
      (version_id, position, automation_name, ref_type, field, field_location, value, agent_name)
    select ${versionId}, row_number() over (order by r.automation_name, r.field_order, r.idx),
           r.automation_name, r.ref_type, r.field, r.field_location, r.value, r.agent_name
    from (
      select a.name as automation_name, 1 as field_order, s.idx, 'pipelineStage' as ref_type,
             'sourceStatuses' as field, 'root' as field_location, s.value, null::text as agent_name
      from snapshot_automations a
      cross join lateral jsonb_array_elements_text(a.source_statuses) with ordinality as s(value, idx)
      where a.version_id = ${versionId}
      union all
      select a.name, 2, 0, 'pipelineStage', 'targetStage', 'actions', a.actions ->> 'targetStage', null
      from snapshot_automations a
      where a.version_id = ${versionId} and jsonb_typeof(a.actions -> 'targetStage') = 'string'
      union all
      select a.name, 3, 0, 'agent', 'agentId', 'actions', a.actions ->> 'agentId', g.name
      from snapshot_automations a
      left join ai_agents g on g.id = a.actions ->> 'agentId' and g.organization_id = ${sourceOrgId}
      where a.version_id = ${versionId} and jsonb_typeof(a.actions -> 'agentId') = 'string'
    ) r
  `.execute(trx)
}
