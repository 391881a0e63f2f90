import type { AuditAction, Executor, SnapshotKind } from '../../db/database.ts'
import { isSuperadmin, targetOrganization, type Actor } from '../../shared/actor.ts'
import { encodeCursor, positionOf } from '../../shared/cursor.ts'
import { insertAuditEvent, listAuditEvents, type AuditEventRow } from './audit.repository.ts'
import type { AuditEventListInput } from './audit.schemas.ts'

/** The audit log of snapshots (SPEC §7.3). */

export interface AuditEventInput {
  action: AuditAction
  actor: Actor
  snapshotKind: SnapshotKind
  snapshotId: string
  version?: number | null
  /** The organization the action wrote into (apply, push). */
  targetOrganizationId?: string | null
  applicationId?: string | null
  jobId?: string | null
  details?: Record<string, unknown>
}

/**
 * Records one event. Call it with the transaction of the change it describes, so
 * the event exists exactly when the change does (a failed request leaves none).
 * Returns the event's id.
 */
export function recordAuditEvent(db: Executor, event: AuditEventInput): Promise<string> {
  const { actor } = event
  return insertAuditEvent(db, {
    action: event.action,
    snapshot_kind: event.snapshotKind,
    snapshot_id: event.snapshotId,
    version: event.version ?? null,
    actor_id: actor.id,
    actor_name: actor.fullName,
    actor_role: actor.role,
    organization_id: actor.organizationId,
    target_organization_id: event.targetOrganizationId ?? null,
    application_id: event.applicationId ?? null,
    job_id: event.jobId ?? null,
    details: JSON.stringify(event.details ?? {}),
  })
}

function toAuditEvent(row: AuditEventRow) {
  return {
    _id: row.id,
    action: row.action,
    snapshotKind: row.snapshot_kind,
    snapshotId: row.snapshot_id,
    ...(row.version !== null && { version: row.version }),
    actorId: row.actor_id,
    actorName: row.actor_name,
    actorRole: row.actor_role,
    organizationId: row.organization_id,
    ...(row.target_organization_id !== null && { targetOrganizationId: row.target_organization_id }),
    ...(row.application_id !== null && { applicationId: row.application_id }),
    ...(row.job_id !== null && { jobId: row.job_id }),
    details: row.details,
    at: row.at.toISOString(),
  }
}

const defaultLimit = 50

/**
 * One page of the log, newest first. A SUPERADMIN reads every event (or, naming an
 * organization, those involving it); an ADMIN only those whose actor or target is
 * their organization, and naming another organization is 403.
 */
export async function auditEventPage(db: Executor, actor: Actor, query: AuditEventListInput) {
  const involvingOrganization = isSuperadmin(actor)
    ? query.organizationId
    : targetOrganization(actor, query.organizationId)
  const afterSeq = positionOf(query.cursor)
  const limit = query.limit ?? defaultLimit
  const rows = await listAuditEvents(db, {
    involvingOrganization,
    snapshotId: query.snapshotId,
    action: query.action,
    afterSeq,
    limit: limit + 1,
  })
  const page = rows.slice(0, limit)
  return {
    events: page.map(toAuditEvent),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.seq) : null,
  }
}
