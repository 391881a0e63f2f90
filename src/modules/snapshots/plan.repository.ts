import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { SnapshotRef } from './snapshot.schemas.ts'

/** Read-only queries an apply plan needs: small, and independent of item bodies. */

export async function loadReferences(db: Executor, snapshotId: string): Promise<SnapshotRef[]> {
  const rows = await db
    .selectFrom('snapshot_refs')
    .select(['automation_name', 'field', 'value', 'ref_type', 'field_location', 'agent_name'])
    .where('snapshot_id', '=', snapshotId)
    .orderBy('position')
    .execute()
  return rows.map((r) => ({
    automationName: r.automation_name,
    field: r.field,
    value: r.value,
    refType: r.ref_type,
    fieldLocation: r.field_location,
    ...(r.ref_type === 'agent' ? { agentName: r.agent_name } : {}),
  }))
}

export async function stageNamesOfOrganization(db: Executor, organizationId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('pipeline_stages')
    .select('name')
    .distinct()
    .where('organization_id', '=', organizationId)
    .execute()
  return new Set(rows.map((r) => r.name))
}

export function agentsOfOrganization(db: Executor, organizationId: string) {
  return db
    .selectFrom('ai_agents')
    .select(['id', 'name', 'description'])
    .where('organization_id', '=', organizationId)
    .orderBy('name')
    .execute()
}

type ItemTable = 'snapshot_automations' | 'snapshot_prompts' | 'snapshot_templates'

/** Which of `names` are items of the snapshot (to reject mapping keys and selections naming nothing). */
export async function existingItemNames(
  db: Executor,
  table: ItemTable,
  snapshotId: string,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const rows = await db
    .selectFrom(table)
    .select('name')
    .where('snapshot_id', '=', snapshotId)
    .where('name', '=', sql<string>`any(${[...names]}::text[])`)
    .execute()
  return new Set(rows.map((r) => r.name))
}

export async function itemNames(db: Executor, table: ItemTable, snapshotId: string): Promise<string[]> {
  const rows = await db.selectFrom(table).select('name').where('snapshot_id', '=', snapshotId).orderBy('name').execute()
  return rows.map((r) => r.name)
}

/** Snapshot prompts with whether their source prompt still exists in `organizationId`. */
export async function promptsWithSourceState(
  db: Executor,
  snapshotId: string,
  organizationId: string,
): Promise<{ name: string; sourceExists: boolean }[]> {
  const rows = await db
    .selectFrom('snapshot_prompts as p')
    .leftJoin('prompts as src', (join) =>
      join.onRef('src.id', '=', 'p.source_id').on('src.organization_id', '=', organizationId),
    )
    .select(['p.name', sql<boolean>`src.id is not null`.as('source_exists')])
    .where('p.snapshot_id', '=', snapshotId)
    .orderBy('p.name')
    .execute()
  return rows.map((r) => ({ name: r.name, sourceExists: r.source_exists }))
}

export function snapshotPipelines(db: Executor, snapshotId: string) {
  return db
    .selectFrom('snapshot_pipelines')
    .select(['source_id', 'name'])
    .where('snapshot_id', '=', snapshotId)
    .orderBy('name')
    .execute()
}

export async function snapshotStageNames(db: Executor, snapshotId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('snapshot_stages').select('name').distinct().where('snapshot_id', '=', snapshotId).execute()
  return new Set(rows.map((r) => r.name))
}

export function snapshotAgents(db: Executor, snapshotId: string) {
  return db
    .selectFrom('snapshot_agents')
    .select(['source_id', 'name'])
    .where('snapshot_id', '=', snapshotId)
    .orderBy('name')
    .execute()
}

export async function snapshotPropertyTypes(db: Executor, snapshotId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('snapshot_dynamic_properties')
    .select('type')
    .where('snapshot_id', '=', snapshotId)
    .orderBy('type')
    .execute()
  return rows.map((r) => r.type)
}

export async function snapshotStageCount(db: Executor, snapshotId: string): Promise<number> {
  const row = await db
    .selectFrom('snapshot_stages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('snapshot_id', '=', snapshotId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}
