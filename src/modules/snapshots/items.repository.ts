import { sql, type RawBuilder } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ShownKind } from './item-views.ts'
import { referenceColumns } from './plan.repository.ts'

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

/** The rows of a kind's view in a version: its columns, in view order (source id breaks ties). */
const viewSource = (kind: ShownKind, versionId: string, filter?: RawBuilder<unknown>): RowSource => ({
  table: kind.snapshotTable,
  columns: viewColumns(kind),
  versionId,
  filter,
  order: [kind.view.orderBy, 'source_id'],
})

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
  const result = await sourceQuery(viewSource(kind, versionId), after ? [after.order, after.sourceId] : null, options.limit).execute(db)
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
  const inParents = sql`${sql.ref(parent.column)} = any(${[...parentSourceIds]}::text[])`
  const result = await sourceQuery(viewSource(child, versionId, inParents), null, null).execute(db)
  return result.rows
}

/**
 * How a whole view is read without holding it in memory:
 * - `cursor` (PostgreSQL): one statement per list, its rows fetched `chunk` at a
 *   time through a server-side cursor (pg-cursor), on the caller's connection;
 * - `pages` (PGlite): keyset pages of `chunk` rows, each its own short statement,
 *   because PGlite has one connection and a cursor held open while a slow client
 *   reads would stop every other request.
 */
export type ReadMode = 'cursor' | 'pages'

export interface RowSource {
  table: string
  columns: readonly string[]
  versionId: string
  /** Further condition on the rows. */
  filter?: RawBuilder<unknown>
  /** The order, unique within the version (the keyset of `pages`). */
  order: readonly string[]
}

function sourceQuery(source: RowSource, after: readonly unknown[] | null, limit: number | null) {
  const order = source.order.map((column) => sql.ref(column))
  return sql<CopyRow>`
    select ${sql.join(source.columns.map((column) => sql.ref(column)))} from ${sql.table(source.table)}
    where version_id = ${source.versionId}
      ${source.filter ? sql`and ${source.filter}` : sql``}
      ${after ? sql`and (${sql.join(order)}) > (${sql.join(after.map((value) => sql`${value}`))})` : sql``}
    order by ${sql.join(order)}
    ${limit === null ? sql`` : sql`limit ${limit}`}
  `
}

/** Every row of `source`, `chunk` rows at a time, in its order. */
export async function* readRows(db: Executor, source: RowSource, mode: ReadMode, chunk: number): AsyncGenerator<CopyRow[]> {
  if (mode === 'cursor') {
    const compiled = sourceQuery(source, null, null).compile(db)
    for await (const result of db.getExecutor().stream(compiled, chunk)) yield result.rows
    return
  }
  let after: unknown[] | null = null
  for (;;) {
    const { rows }: { rows: CopyRow[] } = await sourceQuery(source, after, chunk).execute(db)
    if (rows.length > 0) yield rows
    if (rows.length < chunk) return
    const last: CopyRow = rows[rows.length - 1]!
    after = source.order.map((column): unknown => last[column])
  }
}

/** Every copy of one kind in a version, in view order, `chunk` rows at a time. */
export function readCopies(db: Executor, kind: ShownKind, versionId: string, mode: ReadMode, chunk: number): AsyncGenerator<CopyRow[]> {
  return readRows(db, viewSource(kind, versionId), mode, chunk)
}

/** Every copy of a child kind (stages) in a version, in view order: few, so read at once. */
export async function allChildCopies(db: Executor, child: ShownKind, versionId: string): Promise<CopyRow[]> {
  const result = await sourceQuery(viewSource(child, versionId), null, null).execute(db)
  return result.rows
}

/** The references of a version of one type (pipelineStage or agent), in capture order. */
export function readReferences(
  db: Executor,
  versionId: string,
  refType: 'pipelineStage' | 'agent',
  mode: ReadMode,
  chunk: number,
): AsyncGenerator<CopyRow[]> {
  return readRows(
    db,
    {
      table: 'snapshot_refs',
      columns: ['position', ...referenceColumns],
      versionId,
      filter: sql`ref_type = ${refType}`,
      order: ['position'],
    },
    mode,
    chunk,
  )
}
