import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ShownKind } from './item-views.ts'

/**
 * Reads of a version's copies for the views (GET of a snapshot, its items pages):
 * only the columns a view shows, in the view's order with the source id as the
 * tie-breaker, so pages and streams are stable whatever the names.
 */

export type CopyRow = Record<string, unknown>

/** The columns a kind's view needs: its fields, its order, its source id and its parent link. */
function viewColumns(kind: ShownKind): string[] {
  const columns = new Set(['source_id', kind.view.orderBy, ...Object.values(kind.view.fields)])
  if (kind.view.parent) columns.add(kind.view.parent.column)
  return [...columns]
}

const selectView = (kind: ShownKind) => sql.join(viewColumns(kind).map((column) => sql.ref(column)))
const viewOrder = (kind: ShownKind) => sql`${sql.ref(kind.view.orderBy)}, source_id`

/** Where a page starts: after the copy with this view-order value and source id. */
export interface CopyKey {
  order: string
  sourceId: string
}

/** Up to `limit` copies of one kind in a version, after `after` in view order. */
export async function pageOfCopies(
  db: Executor,
  kind: ShownKind,
  versionId: string,
  options: { limit: number; after?: CopyKey },
): Promise<CopyRow[]> {
  const { after } = options
  const result = await sql<CopyRow>`
    select ${selectView(kind)} from ${sql.table(kind.snapshotTable)}
    where version_id = ${versionId}
      ${after ? sql`and (${sql.ref(kind.view.orderBy)}, source_id) > (${after.order}, ${after.sourceId})` : sql``}
    order by ${viewOrder(kind)}
    limit ${options.limit}
  `.execute(db)
  return result.rows
}

/** The copies of a child kind (stages) whose parents (pipelines) are among `parentSourceIds`, in view order. */
export async function childCopies(
  db: Executor,
  child: ShownKind,
  versionId: string,
  parentSourceIds: readonly string[],
): Promise<CopyRow[]> {
  const { parent } = child.view
  if (!parent) throw new Error(`item kind ${child.kind} has no parent`)
  if (parentSourceIds.length === 0) return []
  const result = await sql<CopyRow>`
    select ${selectView(child)} from ${sql.table(child.snapshotTable)}
    where version_id = ${versionId} and ${sql.ref(parent.column)} = any(${[...parentSourceIds]}::text[])
    order by ${viewOrder(child)}
  `.execute(db)
  return result.rows
}
