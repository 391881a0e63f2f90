import type { Executor, SnapshotKind } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import { findUserById } from '../users/users.repository.ts'
import { captureOrganizationItems, captureUserItems } from './capture.repository.ts'
import type { CreateSnapshotInput } from './snapshot.schemas.ts'
import { insertSnapshot, setSnapshotCounts, type SnapshotRow } from './snapshots.repository.ts'

/**
 * Captures a snapshot in one transaction: the summary row, then full copies of
 * the source user's items (and, for an organization snapshot, the organization's
 * configuration) with one INSERT ... SELECT per kind, then the counts.
 */
export async function captureSnapshot(
  db: Executor,
  actor: Actor,
  kind: SnapshotKind,
  input: CreateSnapshotInput,
): Promise<SnapshotRow> {
  // Repeatable read: every statement of the capture sees the same moment, so a copy
  // taken while the source changes (or its user is deleted) is still consistent.
  return db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const organization = await findOrganization(trx, input.sourceOrgId)
    if (!organization) throw notFound('Organization', 'No organization exists with the given sourceOrgId')
    const user = await findUserById(trx, input.sourceUserId)
    if (!user || user.organization_id !== organization.id) {
      throw notFound('User', 'The source user does not exist in the source organization')
    }
    const snapshotId = await insertSnapshot(trx, {
      kind,
      name: input.name,
      description: input.description ?? null,
      source_org_id: organization.id,
      source_org_name: organization.name,
      source_user_id: user.id,
      source_user_email: user.email,
      source_user_name: user.full_name,
      created_by: actor.id,
      created_by_name: actor.fullName,
      created_by_role: actor.role,
      assigned_org_ids: kind === 'user' ? [organization.id] : [],
    })
    const items = await captureUserItems(trx, snapshotId, user.id, organization.id)
    const pipelines = kind === 'org' ? (await captureOrganizationItems(trx, snapshotId, organization.id)).pipelines : 0
    return setSnapshotCounts(trx, snapshotId, { ...items, pipelines })
  })
}
