import type { AuditAction, Executor } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { recordAuditEvent, type AuditEventInput } from '../audit/audit.service.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

type EventExtras = Pick<AuditEventInput, 'version' | 'targetOrganizationId' | 'applicationId' | 'jobId' | 'details'>

/**
 * Records an event about a snapshot (SPEC §7.3) in the caller's transaction: its
 * kind, id and version come from the row, and its details start with the
 * snapshot's name (the row may be gone later; the event keeps what it was).
 */
export function recordSnapshotEvent(
  db: Executor,
  action: AuditAction,
  actor: Actor,
  row: SnapshotRow,
  extras: EventExtras = {},
): Promise<string> {
  return recordAuditEvent(db, {
    action,
    actor,
    snapshotKind: row.kind,
    snapshotId: row.id,
    ...extras,
    version: extras.version ?? row.version,
    details: { name: row.name, ...extras.details },
  })
}
