import type { Executor } from '../../db/database.ts'
import { groupBy } from '../../shared/collections.ts'
import { decodeKeyCursor, encodeKeyCursor } from '../../shared/cursor.ts'
import { badRequest } from '../../shared/errors.ts'
import { childCopies, pageOfCopies, type CopyKey, type CopyRow } from './items.repository.ts'
import { childKinds, topLevelKinds, type ShownKind } from './item-views.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

/** A snapshot's copies in the shape its views show them, driven by the item-kind list. */

export type Copy = Record<string, unknown>

/** Whether a reader sees hidden content (SPEC §10); false: hidden fields are shown as null. */
export type Redact = boolean

/** A copy row → its API shape (API field → snapshot column, in the view's field order). */
export function toCopy(row: CopyRow, kind: ShownKind, redact: Redact = false): Copy {
  const copy: Copy = {}
  for (const [field, column] of Object.entries(kind.view.fields)) copy[field] = row[column]
  if (redact && kind.hidden && row[kind.hidden.flagColumn] === true) {
    for (const field of kind.hidden.fields) copy[field] = null
  }
  return copy
}

/**
 * The API shapes of `rows` (copies of `kind`), with their children's copies
 * nested under each (one query per child kind, whatever the number of rows).
 */
export async function withChildren(
  db: Executor,
  kind: ShownKind,
  versionId: string,
  rows: readonly CopyRow[],
  redact: Redact = false,
): Promise<Copy[]> {
  const copies = rows.map((row) => toCopy(row, kind, redact))
  for (const child of childKinds(kind)) {
    const childRows = await childCopies(db, child, versionId, rows.map((row) => String(row.source_id)))
    const nested = await withChildren(db, child, versionId, childRows, redact)
    const byParent = groupBy(childRows.keys(), (i) => childRows[i]![child.view.parent!.column])
    rows.forEach((row, i) => {
      copies[i]![child.view.field] = (byParent.get(row.source_id) ?? []).map((j) => nested[j]!)
    })
  }
  return copies
}

export interface ItemsQuery {
  kind: string
  limit?: number
  cursor?: string
}

export const defaultItemsPageSize = 50

const invalidCursor = () =>
  badRequest('Validation error', 'cursor is not a cursor this server issued for this kind', [
    { location: 'querystring', path: '/cursor', message: 'is invalid' },
  ])

/**
 * One page of a snapshot's copies of one kind (keyset-paged in the kind's view
 * order), in the shape GET …/{id} shows them. Two queries per page at most: the
 * copies, then (pipelines) their stages.
 */
export async function pageOfItems(
  db: Executor,
  snapshot: SnapshotRow,
  query: ItemsQuery,
  redact: Redact = false,
): Promise<{ kind: string; items: Copy[]; nextCursor: string | null }> {
  const kind = topLevelKinds(snapshot.kind).find((k) => k.kind === query.kind)
  if (!kind) {
    throw badRequest('Validation error', `kind must be one of ${topLevelKinds(snapshot.kind).map((k) => k.kind).join(', ')}`, [
      { location: 'querystring', path: '/kind', message: 'is not an item kind of this snapshot' },
    ])
  }
  let after: CopyKey | undefined
  if (query.cursor !== undefined) {
    const key = decodeKeyCursor(query.cursor, kind.kind, 2)
    if (!key) throw invalidCursor()
    after = { order: key[0]!, sourceId: key[1]! }
  }
  const limit = query.limit ?? defaultItemsPageSize
  const rows = await pageOfCopies(db, kind, snapshot.version_id, { limit: limit + 1, after })
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  const nextCursor =
    rows.length > limit && last ? encodeKeyCursor(kind.kind, [String(last[kind.view.orderBy]), String(last.source_id)]) : null
  return { kind: kind.kind, items: await withChildren(db, kind, snapshot.version_id, page, redact), nextCursor }
}
