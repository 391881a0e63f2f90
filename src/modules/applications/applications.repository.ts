import { sql, type Selectable } from 'kysely'
import type { Executor, ItemCounts, SnapshotApplicationsTable, SnapshotKind, Tx } from '../../db/database.ts'

export type ApplicationRow = Selectable<SnapshotApplicationsTable>

export interface NewApplication {
  id: string
  snapshotId: string
  snapshotKind: SnapshotKind
  snapshotName: string
  version: number
  versionId: string
  targetOrganizationId: string
  userId: string | null
  userEmail: string | null
  appliedBy: string
  appliedByName: string
  counts: ItemCounts
  mappings: Record<string, unknown>
}

/**
 * Records an application in the apply's transaction. The target organization's
 * name is read by the same statement (it may have been created a moment earlier
 * in this transaction).
 */
export async function insertApplication(trx: Tx, application: NewApplication): Promise<void> {
  const a = application
  const result = await sql`
    insert into snapshot_applications
      (id, snapshot_id, snapshot_kind, snapshot_name, version, version_id, target_organization_id,
       target_organization_name, user_id, user_email, applied_by, applied_by_name, counts, mappings)
    select ${a.id}, ${a.snapshotId}, ${a.snapshotKind}, ${a.snapshotName}, ${a.version}, ${a.versionId}, o.id,
           o.name, ${a.userId}, ${a.userEmail}, ${a.appliedBy}, ${a.appliedByName},
           ${JSON.stringify(a.counts)}::jsonb, ${JSON.stringify(a.mappings)}::jsonb
    from organizations o where o.id = ${a.targetOrganizationId}
  `.execute(trx)
  if (Number(result.numAffectedRows ?? 0n) !== 1) throw new Error('the target organization of the application is gone')
}

export interface ApplicationFilter {
  snapshotId?: string
  snapshotKind?: SnapshotKind
  targetOrganizationId?: string
  limit: number
  /** seq of the last row of the previous page. */
  afterSeq?: number
}

/** Newest first, keyset-paged on the insertion sequence (one index range per filter). */
export function listApplications(db: Executor, filter: ApplicationFilter): Promise<ApplicationRow[]> {
  return db
    .selectFrom('snapshot_applications')
    .selectAll()
    .$if(filter.snapshotId !== undefined, (qb) => qb.where('snapshot_id', '=', filter.snapshotId!))
    .$if(filter.snapshotKind !== undefined, (qb) => qb.where('snapshot_kind', '=', filter.snapshotKind!))
    .$if(filter.targetOrganizationId !== undefined, (qb) => qb.where('target_organization_id', '=', filter.targetOrganizationId!))
    .$if(filter.afterSeq !== undefined, (qb) => qb.where('seq', '<', filter.afterSeq!))
    .orderBy('seq', 'desc')
    .limit(filter.limit)
    .execute()
}
