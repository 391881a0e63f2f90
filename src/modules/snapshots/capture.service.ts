import type { Executor, SnapshotKind, Tx } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { newId } from '../../shared/ids.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import { findUserById } from '../users/users.repository.ts'
import { captureItems, captureReferences } from './capture.repository.ts'
import { kindsOf } from './item-kinds.ts'
import type { CreateSnapshotInput } from './snapshot.schemas.ts'
import { findSnapshot, insertSnapshot, setVersionCounts, type SnapshotRow } from './snapshots.repository.ts'

/**
 * The transaction of a use case that captures. Repeatable read: every statement of
 * the capture sees the same moment, so a copy taken while the source changes (or
 * its user is deleted) is still consistent.
 */
export function inCaptureTransaction<T>(db: Executor, work: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').execute(work)
}

/**
 * Captures a snapshot inside the caller's transaction (see inCaptureTransaction):
 * the summary row and its first version, then full copies of every item kind the
 * snapshot kind holds (one INSERT ... SELECT each), the references, then the counts.
 */
export async function captureSnapshot(trx: Tx, actor: Actor, kind: SnapshotKind, input: CreateSnapshotInput): Promise<SnapshotRow> {
  const organization = await findOrganization(trx, input.sourceOrgId)
  if (!organization) throw notFound('Organization', 'No organization exists with the given sourceOrgId')
  const user = await findUserById(trx, input.sourceUserId)
  if (!user || user.organization_id !== organization.id) {
    throw notFound('User', 'The source user does not exist in the source organization')
  }
  // The first version's id is the snapshot's own.
  const snapshotId = newId()
  const source = {
    source_org_name: organization.name,
    source_user_email: user.email,
    source_user_name: user.full_name,
  }
  await insertSnapshot(
    trx,
    {
      id: snapshotId,
      version_id: snapshotId,
      kind,
      name: input.name,
      description: input.description ?? null,
      source_org_id: organization.id,
      source_user_id: user.id,
      ...source,
      created_by: actor.id,
      created_by_name: actor.fullName,
      created_by_role: actor.role,
      assigned_org_ids: kind === 'user' ? [organization.id] : [],
    },
    { ...source, description: input.description ?? null, created_by: actor.id, created_by_name: actor.fullName },
  )
  const counts = await captureItems(trx, snapshotId, kindsOf(kind), { userId: user.id, organizationId: organization.id })
  await captureReferences(trx, snapshotId, organization.id)
  await setVersionCounts(trx, snapshotId, snapshotId, counts)
  const row = await findSnapshot(trx, kind, snapshotId)
  if (!row) throw new Error('the snapshot just captured is gone')
  return row
}
