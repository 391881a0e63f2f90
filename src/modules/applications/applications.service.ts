import type { Executor, SnapshotKind } from '../../db/database.ts'
import { isSuperadmin, type Actor } from '../../shared/actor.ts'
import { encodeCursor, positionOf } from '../../shared/cursor.ts'
import { forbidden, notFound } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import { listApplications, type ApplicationFilter, type ApplicationRow } from './applications.repository.ts'
import type { ApplicationPageInput } from './applications.schemas.ts'

/**
 * Where snapshots run (SPEC §7.3). A SUPERADMIN sees every application; an ADMIN
 * only those into their own organization; other roles none (the routes say 403).
 * Applications outlive their snapshot: they are read without it.
 */

export function toApplication(row: ApplicationRow) {
  return {
    _id: row.id,
    snapshotId: row.snapshot_id,
    snapshotName: row.snapshot_name,
    kind: row.snapshot_kind,
    version: row.version,
    targetOrganizationId: row.target_organization_id,
    targetOrganizationName: row.target_organization_name,
    userId: row.user_id,
    userEmail: row.user_email,
    appliedBy: row.applied_by,
    appliedByName: row.applied_by_name,
    appliedAt: row.applied_at.toISOString(),
    counts: row.counts,
    mappings: row.mappings,
  }
}

async function pageOf(db: Executor, filter: Omit<ApplicationFilter, 'limit' | 'afterSeq'>, page: ApplicationPageInput) {
  const afterSeq = positionOf(page.cursor)
  const limit = page.limit ?? 50
  const rows = await listApplications(db, { ...filter, limit: limit + 1, afterSeq })
  const shown = rows.slice(0, limit)
  const last = shown[shown.length - 1]
  return { applications: shown.map(toApplication), nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null }
}

/** Applications of one snapshot the caller may read (the caller's right to the snapshot is checked by its module). */
export function applicationsOfSnapshot(db: Executor, actor: Actor, snapshotKind: SnapshotKind, snapshotId: string, page: ApplicationPageInput) {
  return pageOf(
    db,
    { snapshotId, snapshotKind, ...(isSuperadmin(actor) ? {} : { targetOrganizationId: actor.organizationId }) },
    page,
  )
}

/** "Which snapshots run here": the applications into one organization. */
export async function applicationsIntoOrganization(db: Executor, actor: Actor, organizationId: string, page: ApplicationPageInput) {
  if (!isSuperadmin(actor) && organizationId !== actor.organizationId) {
    throw forbidden('Admins may only see the applications into their own organization')
  }
  if (!(await findOrganization(db, organizationId))) throw notFound('Organization')
  return pageOf(db, { targetOrganizationId: organizationId }, page)
}
