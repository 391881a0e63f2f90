import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ItemKind } from './item-kind.ts'
import type { SnapshotRef } from './snapshot.schemas.ts'

/** Read-only queries an apply plan needs: small, and independent of item bodies. */

/** The columns of snapshot_refs that make a reference's API shape. */
export const referenceColumns = ['automation_name', 'field', 'value', 'ref_type', 'field_location', 'agent_name'] as const

type ReferenceRow = Record<(typeof referenceColumns)[number], string | null>

/** A snapshot_refs row → the API shape (agentName on agent references only). */
export function toReference(r: ReferenceRow): SnapshotRef {
  return {
    automationName: r.automation_name!,
    field: r.field!,
    value: r.value!,
    refType: r.ref_type as SnapshotRef['refType'],
    fieldLocation: r.field_location!,
    ...(r.ref_type === 'agent' ? { agentName: r.agent_name } : {}),
  }
}

export async function loadReferences(db: Executor, versionId: string): Promise<SnapshotRef[]> {
  const rows = await db
    .selectFrom('snapshot_refs')
    .select(referenceColumns)
    .where('version_id', '=', versionId)
    .orderBy('position')
    .execute()
  return rows.map(toReference)
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

/** The source id and name of every copy of one kind in a version, by name. */
export async function copiesOf(db: Executor, kind: ItemKind, versionId: string): Promise<{ sourceId: string; name: string }[]> {
  const result = await sql<{ source_id: string; name: string }>`
    select source_id, ${sql.ref(kind.nameColumn)} as name from ${sql.table(kind.snapshotTable)}
    where version_id = ${versionId} order by 2, 1
  `.execute(db)
  return result.rows.map((r) => ({ sourceId: r.source_id, name: r.name }))
}

/** Which of `names` name copies of the kind (to reject mapping keys and selections that name nothing). */
export async function existingNames(
  db: Executor,
  kind: ItemKind,
  versionId: string,
  names: readonly string[],
): Promise<Set<string>> {
  if (names.length === 0) return new Set()
  const result = await sql<{ name: string }>`
    select ${sql.ref(kind.nameColumn)} as name from ${sql.table(kind.snapshotTable)}
    where version_id = ${versionId} and ${sql.ref(kind.nameColumn)} = any(${[...names]}::text[])
  `.execute(db)
  return new Set(result.rows.map((r) => r.name))
}

/** Snapshot prompts with whether their source prompt still exists in `organizationId`. */
export async function promptsWithSourceState(
  db: Executor,
  versionId: string,
  organizationId: string,
): Promise<{ name: string; sourceExists: boolean }[]> {
  const rows = await db
    .selectFrom('snapshot_prompts as p')
    .leftJoin('prompts as src', (join) =>
      join.onRef('src.id', '=', 'p.source_id').on('src.organization_id', '=', organizationId),
    )
    .select(['p.name', sql<boolean>`src.id is not null`.as('source_exists')])
    .where('p.version_id', '=', versionId)
    .orderBy('p.name')
    .execute()
  return rows.map((r) => ({ name: r.name, sourceExists: r.source_exists }))
}
