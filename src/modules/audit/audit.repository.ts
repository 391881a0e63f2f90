import type { Insertable, Selectable } from 'kysely'
import type { AuditAction, AuditEventsTable, Executor } from '../../db/database.ts'

export type AuditEventRow = Selectable<AuditEventsTable>

export async function insertAuditEvent(db: Executor, row: Insertable<AuditEventsTable>): Promise<string> {
  const { id } = await db.insertInto('audit_events').values(row).returning('id').executeTakeFirstOrThrow()
  return id
}

export interface AuditListOptions {
  /** Only events whose actor's organization or target organization is this one. */
  involvingOrganization?: string
  snapshotId?: string
  action?: AuditAction
  /** seq of the last row of the previous page. */
  afterSeq?: number
  limit: number
}

/** Newest first, keyset-paged on the insertion sequence. */
export function listAuditEvents(db: Executor, options: AuditListOptions): Promise<AuditEventRow[]> {
  const { involvingOrganization: org, snapshotId, action, afterSeq } = options
  return db
    .selectFrom('audit_events')
    .selectAll()
    .$if(org !== undefined, (qb) =>
      qb.where((eb) => eb.or([eb('organization_id', '=', org!), eb('target_organization_id', '=', org!)])),
    )
    .$if(snapshotId !== undefined, (qb) => qb.where('snapshot_id', '=', snapshotId!))
    .$if(action !== undefined, (qb) => qb.where('action', '=', action!))
    .$if(afterSeq !== undefined, (qb) => qb.where('seq', '<', afterSeq!))
    .orderBy('seq', 'desc')
    .limit(options.limit)
    .execute()
}
