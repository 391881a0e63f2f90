import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { withHooks, type TransactionHooks } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import { listUsersOfOrganization } from '../users/users.repository.ts'
import { captureSnapshot, inCaptureTransaction } from '../snapshots/capture.service.ts'
import { recordSnapshotEvent } from '../snapshots/snapshot-audit.ts'
import type { CreateSnapshotInput } from '../snapshots/snapshot.schemas.ts'
import { pageOfSummaries, summaryBase, summaryCounts } from '../snapshots/snapshot-views.ts'
import { snapshotDetailStream, type DetailStreamInput } from '../snapshots/snapshot-stream.ts'
import * as snapshots from '../snapshots/snapshots.repository.ts'
import { atVersion } from '../snapshots/versions.service.ts'
import { OrgSnapshotSummary, type OrgSnapshotListInput } from './org-snapshots.schemas.ts'
import { pageOfItems, type ItemsQuery } from '../snapshots/snapshot-items.ts'

/** Organization snapshots (SPEC §6): SUPERADMIN only, enforced on every route. */

export function toOrgSnapshotSummary(row: snapshots.SnapshotRow) {
  return {
    ...summaryBase(row),
    counts: summaryCounts(row),
    credentialNames: row.credential_names,
  }
}

export async function findOrgSnapshot(
  db: Executor,
  id: string,
  options: snapshots.FindOptions = {},
): Promise<snapshots.SnapshotRow> {
  const row = await snapshots.findSnapshot(db, 'org', id, options)
  if (!row) throw notFound('Snapshot', 'No snapshot exists with the given id')
  return row
}

export async function createOrgSnapshot(
  ctx: AppContext,
  actor: Actor,
  input: CreateSnapshotInput,
  hooks?: TransactionHooks<ReturnType<typeof toOrgSnapshotSummary>>,
) {
  return inCaptureTransaction(ctx.db, (trx) =>
    withHooks(trx, hooks, async () => {
      const row = await captureSnapshot(trx, actor, 'org', input)
      await recordSnapshotEvent(trx, 'snapshot.created', actor, row, { details: { counts: summaryCounts(row) } })
      return toOrgSnapshotSummary(row)
    }),
  )
}

export async function listOrgSnapshots(db: Executor, actor: Actor, query: OrgSnapshotListInput) {
  const { q, scope = 'all', ...page } = query
  const filters = {
    ...(scope === 'mine' ? { createdBy: actor.id } : {}),
    ...(q === undefined ? {} : { nameContains: q }),
  }
  const { summaries, nextCursor } = await pageOfSummaries<ReturnType<typeof toOrgSnapshotSummary>>(db, { kind: 'org', filters, ...page })
  return { snapshots: summaries, nextCursor }
}

/** GET …/{id}: the summary, then every copy and reference, streamed (see snapshot-stream.ts). */
export async function streamOrgSnapshot(
  ctx: AppContext,
  id: string,
  version: number | undefined,
  serializerOf: DetailStreamInput['serializerOf'],
) {
  const row = await atVersion(ctx.db, await findOrgSnapshot(ctx.db, id), version)
  return snapshotDetailStream(ctx, {
    // Organization snapshots are for SUPERADMINs only, who read hidden content.
    redact: false,
    snapshotKind: 'org',
    version: { id: row.version_id, counts: row.counts },
    summary: toOrgSnapshotSummary(row),
    summarySchema: OrgSnapshotSummary,
    serializerOf,
  })
}

/** One page of a snapshot's copies of one kind (GET …/{id}/items). */
export async function orgSnapshotItems(db: Executor, id: string, query: ItemsQuery & { version?: number }) {
  return pageOfItems(db, await atVersion(db, await findOrgSnapshot(db, id), query.version), query)
}

export function deleteOrgSnapshot(db: Executor, actor: Actor, id: string): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const row = await findOrgSnapshot(trx, id)
    if (!(await snapshots.deleteSnapshot(trx, id))) throw notFound('Snapshot')
    await recordSnapshotEvent(trx, 'snapshot.deleted', actor, row)
  })
}

export async function organizationUsers(db: Executor, organizationId: string) {
  if (!(await findOrganization(db, organizationId))) throw notFound('Organization')
  const rows = await listUsersOfOrganization(db, organizationId)
  return rows.map((u) => ({ _id: u.id, fullName: u.full_name, email: u.email, accessRole: u.access_role }))
}
