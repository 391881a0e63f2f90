import { sql, type Insertable, type Selectable } from 'kysely'
import type { Executor, SnapshotKind, SnapshotsTable } from '../../db/database.ts'

export type SnapshotRow = Selectable<SnapshotsTable>

/** Summary columns only: listing never touches item bodies. */
const summaryColumns = [
  'id',
  'seq',
  'kind',
  'name',
  'description',
  'source_org_id',
  'source_org_name',
  'source_user_id',
  'source_user_email',
  'source_user_name',
  'automation_count',
  'prompt_count',
  'template_count',
  'pipeline_count',
  'created_by',
  'created_by_name',
  'created_by_role',
  'is_global',
  'assigned_org_ids',
  'credential_names',
  'created_at',
  'updated_at',
] as const

export async function insertSnapshot(db: Executor, row: Insertable<SnapshotsTable>): Promise<string> {
  const { id } = await db.insertInto('snapshots').values(row).returning('id').executeTakeFirstOrThrow()
  return id
}

export function setSnapshotCounts(
  db: Executor,
  id: string,
  counts: { automations: number; prompts: number; templates: number; pipelines: number },
): Promise<SnapshotRow> {
  return db
    .updateTable('snapshots')
    .set({
      automation_count: counts.automations,
      prompt_count: counts.prompts,
      template_count: counts.templates,
      pipeline_count: counts.pipelines,
    })
    .where('id', '=', id)
    .returning(summaryColumns)
    .executeTakeFirstOrThrow()
}

export interface FindOptions {
  /**
   * Inside an apply transaction: hold a KEY SHARE lock on the snapshot row until
   * commit. Each statement of a READ COMMITTED transaction sees the latest commits,
   * so without it a concurrent delete could empty the item tables between the
   * apply's statements and the apply would create a user or organization with only
   * some of the items. The lock makes a delete wait for the apply (and an apply
   * that comes second see the snapshot gone: 404); changing access does not wait.
   */
  lockForApply?: boolean
}

export function findSnapshot(
  db: Executor,
  kind: SnapshotKind,
  id: string,
  options: FindOptions = {},
): Promise<SnapshotRow | undefined> {
  return db
    .selectFrom('snapshots')
    .select(summaryColumns)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .$if(options.lockForApply === true, (qb) => qb.forKeyShare())
    .executeTakeFirst()
}

export interface ListOptions {
  kind: SnapshotKind
  /** Only snapshots assigned to this organization or global; undefined = all (SUPERADMIN). */
  visibleToOrganization?: string
  limit?: number
  /** seq of the last row of the previous page. */
  afterSeq?: number
}

/** Newest first, keyset-paged on the insertion sequence. */
export function listSnapshots(db: Executor, options: ListOptions): Promise<SnapshotRow[]> {
  const org = options.visibleToOrganization
  return db
    .selectFrom('snapshots')
    .select(summaryColumns)
    .where('kind', '=', options.kind)
    .$if(org !== undefined, (qb) =>
      qb.where((eb) => eb.or([eb('is_global', '=', true), eb('assigned_org_ids', '@>', sql<string[]>`array[${org}]::text[]`)])),
    )
    .$if(options.afterSeq !== undefined, (qb) => qb.where('seq', '<', options.afterSeq as number))
    .orderBy('seq', 'desc')
    .$if(options.limit !== undefined, (qb) => qb.limit(options.limit as number))
    .execute()
}

export function updateSnapshotAccess(
  db: Executor,
  id: string,
  changes: { assignedOrgIds?: string[]; isGlobal?: boolean },
): Promise<SnapshotRow | undefined> {
  return db
    .updateTable('snapshots')
    .set({
      ...(changes.assignedOrgIds !== undefined && { assigned_org_ids: changes.assignedOrgIds }),
      ...(changes.isGlobal !== undefined && { is_global: changes.isGlobal }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(summaryColumns)
    .executeTakeFirst()
}

export async function deleteSnapshot(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('snapshots').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
