import type { Executor, ItemCounts, SnapshotKind, Tx } from '../../db/database.ts'
import { retryTransient } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound, unprocessable } from '../../shared/errors.ts'
import { newId } from '../../shared/ids.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import { findUserById } from '../users/users.repository.ts'
import { captureItems, captureReferences, type CaptureSource } from './capture.repository.ts'
import { kindsOf } from './item-kinds.ts'
import type { CreateSnapshotInput } from './snapshot.schemas.ts'
import {
  findSnapshot,
  findVersion,
  insertSnapshot,
  insertVersion,
  lockSnapshot,
  setLatestVersion,
  setVersionCounts,
  type SnapshotRow,
  type VersionRow,
} from './snapshots.repository.ts'

/**
 * The transaction of a use case that captures. Repeatable read: every statement of
 * the capture sees the same moment, so a copy taken while the source changes (or
 * its user is deleted) is still consistent. New versions of one snapshot lock its
 * row, which a repeatable-read transaction can only do if nobody changed the row
 * since its moment began; the loser of such a race is run again, so concurrent new
 * versions all succeed, numbered one after another.
 */
export function inCaptureTransaction<T>(db: Executor, work: (trx: Tx) => Promise<T>): Promise<T> {
  // Each waiter on the row fails once per version committed before it, so the budget is generous; a failed
  // attempt costs one statement (the lock comes first).
  return retryTransient(() => db.transaction().setIsolationLevel('repeatable read').execute(work), 30)
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
  const counts = await captureInto(trx, snapshotId, kind, { userId: user.id, organizationId: organization.id })
  await setVersionCounts(trx, snapshotId, snapshotId, counts)
  const row = await findSnapshot(trx, kind, snapshotId)
  if (!row) throw new Error('the snapshot just captured is gone')
  return row
}

/** Every item kind of the snapshot kind, then the references: one statement each. */
async function captureInto(trx: Tx, versionId: string, kind: SnapshotKind, source: CaptureSource): Promise<ItemCounts> {
  const counts = await captureItems(trx, versionId, kindsOf(kind), source)
  await captureReferences(trx, versionId, source.organizationId)
  return counts
}

/**
 * POST …/{id}/versions (SPEC §7.2): captures the snapshot's source again as its next
 * version, inside the caller's transaction (see inCaptureTransaction), and makes it the latest. The snapshot row is locked
 * first, so versions created at once get consecutive numbers, never the same one.
 */
export async function captureVersion(
  trx: Tx,
  actor: Actor,
  snapshot: SnapshotRow,
  description: string | undefined,
): Promise<{ row: SnapshotRow; previous: VersionRow; created: VersionRow }> {
  if (!(await lockSnapshot(trx, snapshot.kind, snapshot.id))) throw notFound('Snapshot', 'No snapshot exists with the given id')
  const current = await findSnapshot(trx, snapshot.kind, snapshot.id)
  const previous = current && (await findVersion(trx, current.id, current.version))
  if (!current || !previous) throw notFound('Snapshot', 'No snapshot exists with the given id')
  const organization = current.source_org_id ? await findOrganization(trx, current.source_org_id) : undefined
  const user = current.source_user_id ? await findUserById(trx, current.source_user_id) : undefined
  if (!organization || !user || user.organization_id !== organization.id) {
    throw unprocessable(
      'Source no longer exists',
      'The organization or user this snapshot was captured from no longer exists, so it cannot be captured again',
    )
  }
  const versionId = newId()
  await insertVersion(trx, {
    id: versionId,
    snapshot_id: current.id,
    version: current.version + 1,
    description: description ?? null,
    source_org_name: organization.name,
    source_user_email: user.email,
    source_user_name: user.full_name,
    created_by: actor.id,
    created_by_name: actor.fullName,
  })
  const counts = await captureInto(trx, versionId, current.kind, { userId: user.id, organizationId: organization.id })
  const created = await findVersion(trx, current.id, current.version + 1)
  if (!created) throw new Error('the version just captured is gone')
  created.counts = counts
  await setVersionCounts(trx, current.id, versionId, counts)
  await setLatestVersion(trx, current.id, created)
  const row = await findSnapshot(trx, current.kind, current.id)
  if (!row) throw new Error('the snapshot just versioned is gone')
  return { row, previous, created }
}
