import type { Executor, SnapshotKind } from '../../db/database.ts'
import { isSuperadmin, type Actor } from '../../shared/actor.ts'
import { encodeCursor, positionOf } from '../../shared/cursor.ts'
import { groupBy } from '../../shared/collections.ts'
import type { ItemKind } from './item-kind.ts'
import { kindsOf } from './item-kinds.ts'
import * as reads from './plan.repository.ts'
import { toCopy } from './snapshot-items.ts'
import { copiesOfVersion, listSummaries, type ListOptions, type SnapshotRow } from './snapshots.repository.ts'

/** Row → API shapes shared by both snapshot kinds, driven by the item-kind list. */

export function summaryBase(row: SnapshotRow) {
  return {
    _id: row.id,
    name: row.name,
    description: row.description,
    sourceOrgId: row.source_org_id,
    sourceOrgName: row.source_org_name,
    sourceUserId: row.source_user_id,
    sourceUserEmail: row.source_user_email,
    sourceUserName: row.source_user_name,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    createdByRole: row.created_by_role,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    importedFrom:
      row.imported_from_instance === null
        ? null
        : { instanceId: row.imported_from_instance, snapshotId: row.imported_from_snapshot!, version: row.imported_from_version! },
  }
}

/** The counts a summary shows: the kinds its snapshot kind captures that summaries count. */
export function summaryCounts(row: SnapshotRow): Record<string, number> {
  return Object.fromEntries(
    kindsOf(row.kind)
      .filter((kind) => kind.counted.summary)
      .map((kind) => [kind.countKey, row.counts[kind.countKey] ?? 0]),
  )
}

/** Catalogue filters of a listing (`q`, `scope`), and-ed with the caller's visibility. */
export type ListFilters = Pick<ListOptions, 'nameContains' | 'globalOnly' | 'assignedTo' | 'createdBy'>

/**
 * One page of snapshot summaries, newest first, as the API shows them (built by the
 * database, see listSummaries). Without a limit every visible snapshot is returned
 * (the seed behaviour); with one, `nextCursor` leads to the next page.
 */
export async function pageOfSummaries<Summary>(
  db: Executor,
  options: { kind: SnapshotKind; visibleToOrganization?: string; limit?: number; cursor?: string; filters?: ListFilters },
): Promise<{ summaries: Summary[]; nextCursor: string | null }> {
  const afterSeq = positionOf(options.cursor)
  const { limit } = options
  const rows = await listSummaries<Summary>(db, {
    ...options.filters,
    kind: options.kind,
    visibleToOrganization: options.visibleToOrganization,
    limit: limit === undefined ? undefined : limit + 1,
    afterSeq,
  })
  const page = limit === undefined || rows.length <= limit ? rows : rows.slice(0, limit)
  const more = page.length < rows.length
  return { summaries: page.map((row) => row.summary), nextCursor: more ? encodeCursor(page[page.length - 1]!.seq) : null }
}

type Copy = Record<string, unknown>


/**
 * The copies a version holds, as GET /{kind}-snapshots/{id} shows them: one list
 * per kind with a view, kinds with a parent nested inside their parent's copies,
 * and the references.
 */
export async function loadCopies(db: Executor, row: SnapshotRow, redact = false): Promise<Record<string, unknown>> {
  const shown = kindsOf(row.kind).filter((kind): kind is ItemKind & { view: NonNullable<ItemKind['view']> } => !!kind.view)
  const loaded = new Map<string, { rows: Record<string, unknown>[]; copies: Copy[] }>()
  // Sequential on purpose: inside a transaction every query shares one connection.
  for (const kind of shown) {
    const rows = await copiesOfVersion(db, kind, row.version_id)
    loaded.set(kind.kind, { rows, copies: rows.map((r) => toCopy(r, kind, redact)) })
  }
  const result: Record<string, unknown> = {}
  for (const kind of shown) {
    const { rows, copies } = loaded.get(kind.kind)!
    const { parent } = kind.view
    if (!parent) {
      result[kind.view.field] = copies
      continue
    }
    const byParent = groupBy(rows.keys(), (i) => rows[i]![parent.column])
    const parents = loaded.get(parent.kind)!
    parents.rows.forEach((r, i) => {
      parents.copies[i]![kind.view.field] = (byParent.get(r.source_id) ?? []).map((j) => copies[j]!)
    })
  }
  const refs = await reads.loadReferences(db, row.version_id)
  result.sourcePipelineStageRefs = refs.filter((r) => r.refType === 'pipelineStage')
  result.sourceAgentRefs = refs.filter((r) => r.refType === 'agent')
  return result
}

/**
 * Whether the caller reads a snapshot's hidden content (SPEC §10): a SUPERADMIN, or a
 * member of the organization the snapshot was captured from.
 */
export function mayReadHidden(actor: Actor, row: SnapshotRow): boolean {
  return isSuperadmin(actor) || (row.source_org_id !== null && row.source_org_id === actor.organizationId)
}
