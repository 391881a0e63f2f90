import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { withHooks, type TransactionHooks } from '../../db/transactions.ts'
import { isSuperadmin, targetOrganization, type Actor } from '../../shared/actor.ts'
import { groupBy } from '../../shared/collections.ts'
import { badRequest, forbidden, notFound } from '../../shared/errors.ts'
import { existingOrganizationIds, findOrganization } from '../organizations/organizations.repository.ts'
import { listPipelines, listStages } from '../pipelines/pipelines.repository.ts'
import { listUsersOfOrganization } from '../users/users.repository.ts'
import { captureSnapshot, inCaptureTransaction } from '../snapshots/capture.service.ts'
import * as reads from '../snapshots/plan.repository.ts'
import { recordSnapshotEvent } from '../snapshots/snapshot-audit.ts'
import type { CreateSnapshotInput } from '../snapshots/snapshot.schemas.ts'
import { mayReadHidden, pageOfSummaries, summaryBase, summaryCounts, type ListFilters } from '../snapshots/snapshot-views.ts'
import { atVersion } from '../snapshots/versions.service.ts'
import { snapshotDetailStream, type DetailStreamInput } from '../snapshots/snapshot-stream.ts'
import * as snapshots from '../snapshots/snapshots.repository.ts'
import { pageOfItems, type ItemsQuery } from '../snapshots/snapshot-items.ts'
import { UserSnapshotSummary, type AssignInput, type UserListScope, type UserSnapshotListInput } from './user-snapshots.schemas.ts'

/** Use cases of user snapshots, with the visibility and rights of SPEC §3. */

export function toUserSnapshotSummary(row: snapshots.SnapshotRow) {
  return {
    ...summaryBase(row),
    counts: summaryCounts(row),
    isGlobal: row.is_global,
    assignedOrgIds: row.assigned_org_ids,
  }
}

const snapshotNotFound = () => notFound('Snapshot', 'No snapshot exists with the given id')

/** SUPERADMIN sees every user snapshot; an ADMIN those assigned to their organization or global. */
export function isVisibleTo(actor: Actor, row: snapshots.SnapshotRow): boolean {
  return isSuperadmin(actor) || row.is_global || row.assigned_org_ids.includes(actor.organizationId)
}

export async function visibleSnapshot(
  db: Executor,
  actor: Actor,
  id: string,
  options: snapshots.FindOptions = {},
): Promise<snapshots.SnapshotRow> {
  const row = await snapshots.findSnapshot(db, 'user', id, options)
  if (!row || !isVisibleTo(actor, row)) throw snapshotNotFound()
  return row
}

/** Deleting and changing access is for the snapshot's creator (any snapshot for a SUPERADMIN). */
export async function ownedSnapshot(db: Executor, actor: Actor, id: string): Promise<snapshots.SnapshotRow> {
  const row = await visibleSnapshot(db, actor, id)
  if (!isSuperadmin(actor) && row.created_by !== actor.id) {
    throw forbidden('Admins may only manage snapshots they created')
  }
  return row
}

export async function createUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  input: CreateSnapshotInput,
  hooks?: TransactionHooks<ReturnType<typeof toUserSnapshotSummary>>,
) {
  if (!isSuperadmin(actor) && input.sourceOrgId !== actor.organizationId) {
    throw forbidden('Admins may only snapshot users of their own organization')
  }
  return inCaptureTransaction(ctx.db, (trx) =>
    withHooks(trx, hooks, async () => {
      const row = await captureSnapshot(trx, actor, 'user', input)
      await recordSnapshotEvent(trx, 'snapshot.created', actor, row, { details: { counts: summaryCounts(row) } })
      return toUserSnapshotSummary(row)
    }),
  )
}

/** What each `scope` of the listing adds to the caller's visibility. */
const scopeFilters: Record<UserListScope, (actor: Actor) => ListFilters> = {
  all: () => ({}),
  global: () => ({ globalOnly: true }),
  assigned: (actor) => ({ assignedTo: actor.organizationId }),
  mine: (actor) => ({ createdBy: actor.id }),
}

export async function listUserSnapshots(db: Executor, actor: Actor, query: UserSnapshotListInput) {
  const { q, scope = 'all', ...page } = query
  const { summaries, nextCursor } = await pageOfSummaries<ReturnType<typeof toUserSnapshotSummary>>(db, {
    kind: 'user',
    visibleToOrganization: isSuperadmin(actor) ? undefined : actor.organizationId,
    filters: { ...scopeFilters[scope](actor), ...(q === undefined ? {} : { nameContains: q }) },
    ...page,
  })
  return { snapshots: summaries, nextCursor }
}

/** GET …/{id}: the summary, then every copy and reference, streamed (see snapshot-stream.ts). */
export async function streamUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  version: number | undefined,
  serializerOf: DetailStreamInput['serializerOf'],
) {
  const row = await atVersion(ctx.db, await visibleSnapshot(ctx.db, actor, id), version)
  return snapshotDetailStream(ctx, {
    redact: !mayReadHidden(actor, row),
    snapshotKind: 'user',
    version: { id: row.version_id, counts: row.counts },
    summary: toUserSnapshotSummary(row),
    summarySchema: UserSnapshotSummary,
    serializerOf,
  })
}

/** One page of a visible snapshot's copies of one kind (GET …/{id}/items). */
export async function userSnapshotItems(db: Executor, actor: Actor, id: string, query: ItemsQuery & { version?: number }) {
  const row = await atVersion(db, await visibleSnapshot(db, actor, id), query.version)
  return pageOfItems(db, row, query, !mayReadHidden(actor, row))
}

export function deleteUserSnapshot(db: Executor, actor: Actor, id: string): Promise<void> {
  return db.transaction().execute(async (trx) => {
    const row = await ownedSnapshot(trx, actor, id)
    if (!(await snapshots.deleteSnapshot(trx, id))) throw snapshotNotFound()
    await recordSnapshotEvent(trx, 'snapshot.deleted', actor, row)
  })
}

/** Changing who sees a snapshot; the change and its audit event commit together. */
export async function assignUserSnapshot(db: Executor, actor: Actor, id: string, input: AssignInput) {
  if (input.assignedOrgIds !== undefined && !isSuperadmin(actor)) {
    throw forbidden('Only a SUPERADMIN may change assignedOrgIds; admins may only toggle isGlobal')
  }
  return db.transaction().execute(async (trx) => {
    const before = await ownedSnapshot(trx, actor, id)
    const assignedOrgIds = input.assignedOrgIds === undefined ? undefined : [...new Set(input.assignedOrgIds)]
    if (assignedOrgIds !== undefined) await requireOrganizations(trx, assignedOrgIds)
    const row = await snapshots.updateSnapshotAccess(trx, id, { assignedOrgIds, isGlobal: input.isGlobal })
    if (!row) throw snapshotNotFound()
    await recordSnapshotEvent(trx, 'snapshot.assigned', actor, row, {
      details: {
        isGlobal: row.is_global,
        assignedOrgIds: row.assigned_org_ids,
        previous: { isGlobal: before.is_global, assignedOrgIds: before.assigned_org_ids },
      },
    })
    return toUserSnapshotSummary(row)
  })
}

/** assignedOrgIds must name existing organizations (400 naming each that does not). */
async function requireOrganizations(db: Executor, assignedOrgIds: string[]): Promise<void> {
  const existing = await existingOrganizationIds(db, assignedOrgIds)
  const unknown = assignedOrgIds.filter((orgId) => !existing.has(orgId))
  if (unknown.length === 0) return
  throw badRequest(
    'Validation error',
    `assignedOrgIds names organizations that do not exist: ${unknown.join(', ')}`,
    unknown.map((orgId) => ({
      location: 'body',
      path: `/assignedOrgIds/${assignedOrgIds.indexOf(orgId)}`,
      message: 'names no organization',
    })),
  )
}

/** Users of a source organization, for picking whom to snapshot (ADMIN: own organization only). */
export async function sourceUsers(db: Executor, actor: Actor, organizationId: string) {
  if (!isSuperadmin(actor) && organizationId !== actor.organizationId) throw notFound('Organization')
  if (!(await findOrganization(db, organizationId))) throw notFound('Organization')
  const rows = await listUsersOfOrganization(db, organizationId)
  return rows.map((u) => ({ _id: u.id, fullName: u.full_name, email: u.email, accessRole: u.access_role }))
}

/** The organization an apply targets: the caller's, or any existing one for a SUPERADMIN. */
export async function applyTarget(db: Executor, actor: Actor, requested: string | undefined): Promise<string> {
  const organizationId = targetOrganization(actor, requested)
  if (organizationId !== actor.organizationId && !(await findOrganization(db, organizationId))) {
    throw notFound('Organization', 'No organization exists with the given organizationId')
  }
  return organizationId
}

/** What a mapping UI needs: the snapshot's references and the target's stages and agents. */
export async function applyRefs(db: Executor, actor: Actor, id: string, query: { organizationId?: string; version?: number }) {
  const organizationId = await applyTarget(db, actor, query.organizationId)
  const snapshot = await atVersion(db, await visibleSnapshot(db, actor, id), query.version)
  const refs = await reads.loadReferences(db, snapshot.version_id)
  const pipelines = await listPipelines(db, organizationId, undefined)
  const stages = groupBy(await listStages(db, pipelines.map((p) => p.id)), (s) => s.pipeline_id)
  const agents = await reads.agentsOfOrganization(db, organizationId)
  return {
    stageRefs: refs.filter((r) => r.refType === 'pipelineStage'),
    agentRefs: refs.filter((r) => r.refType === 'agent'),
    targetPipelines: pipelines.map((p) => ({
      _id: p.id,
      name: p.name,
      stages: (stages.get(p.id) ?? []).map((s) => ({ name: s.name, color: s.color })),
    })),
    targetAgents: agents.map((a) => ({ _id: a.id, name: a.name, description: a.description })),
  }
}
