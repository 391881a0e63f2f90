import type { ItemKind } from '../snapshots/item-kind.ts'
import { mergeItem, type Content, type FieldChange, type Json, type MergeAction, type MergeOptions } from './merge.ts'
import type { KindWrites, SideRow } from './push.repository.ts'

/**
 * One kind of one target, merged in memory: the rows of loadSides in, the
 * writes of writeKind and the report out. Pure; the same for every kind.
 */

/** One line of a push report (SPEC §7.5). */
export interface PushChange {
  kind: string
  name: string
  action: MergeAction
  fields?: FieldChange[]
  reason?: string
}

export interface ChangeCounts {
  created: number
  updated: number
  deleted: number
  kept: number
  conflicts: number
}

export const noChanges = (): ChangeCounts => ({ created: 0, updated: 0, deleted: 0, kept: 0, conflicts: 0 })

export interface KindMerge {
  writes: KindWrites
  changes: PushChange[]
  counts: ChangeCounts
  /** Items created, by snapshot item (source id): their ids, where the clone plans them. */
  created: Set<string>
  /** The snapshot's names of the items written (their references must resolve; the others' need not). */
  writtenNames: Set<string>
}

const pick = (row: Record<string, Json>, columns: readonly string[]): Content =>
  Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))

const scopeKey = (scope: Json | undefined, name: Json | undefined) => JSON.stringify([scope ?? null, name ?? null])

/** Names are text columns; anything else is shown as JSON. */
const nameOf = (row: Record<string, Json>, column: string) => {
  const value = row[column]
  return typeof value === 'string' ? value : JSON.stringify(value ?? null)
}

/** Field paths as the API names them (`/sourceStatuses/0`, not the column `/source_statuses/0`), as the diff does. */
function apiPaths(kind: ItemKind, fields: readonly FieldChange[]): FieldChange[] {
  const fieldOf = new Map(Object.entries(kind.view?.fields ?? {}).map(([field, column]) => [column, field]))
  return fields.map((change) => {
    const [, first = '', ...rest] = change.path.split('/')
    const field = fieldOf.get(first)
    return field === undefined ? change : { ...change, path: ['', field, ...rest].join('/') }
  })
}

export function mergeKind(kind: ItemKind, rows: readonly SideRow[], options: MergeOptions, ownerColumn: string): KindMerge {
  const scope = kind.nameScope ?? ownerColumn
  const theirs = new Map<string, SideRow>()
  const base = new Map<string, SideRow>()
  const mine = new Map<string, SideRow>()
  /** Live names in their scope → the row holding it. */
  const taken = new Map<string, string>()
  for (const row of rows) {
    if (row.side === 'theirs') theirs.set(row.item!, row)
    else if (row.side === 'base') base.set(row.item!, row)
    else {
      taken.set(scopeKey(row.row[scope], row.row[kind.nameColumn]), row.id!)
      if (row.mine && row.item !== null) mine.set(row.item, row)
    }
  }

  const result: KindMerge = {
    writes: { creates: [], updates: [], rebased: [], deletes: [] },
    changes: [],
    counts: noChanges(),
    created: new Set(),
    writtenNames: new Set(),
  }
  const items = new Set([...theirs.keys(), ...mine.keys(), ...base.keys()])
  for (const item of items) {
    const t = theirs.get(item)
    const m = mine.get(item)
    const b = base.get(item)
    if (!t && !b) {
      // Removed from the snapshot before the version this target stands on: reported by that push already.
      if (m) result.counts.kept++
      continue
    }
    const mineContent = m ? pick(m.row, kind.columns) : null
    // Unchanged since the application (or the last push) wrote it: the base is exactly the live row.
    const baseContent = m && m.hash === m.originHash ? mineContent : b ? pick(b.row, kind.columns) : null
    const theirsContent = t ? pick(t.row, kind.columns) : null
    const nameTaken = !!t && !m && taken.has(scopeKey(t.row[scope], t.row[kind.nameColumn]))
    const merged = mergeItem({ base: baseContent, theirs: theirsContent, mine: mineContent, nameTaken }, options)
    let { action, write, reason } = merged
    const fields = [...merged.fields]

    if (write && m && write[kind.nameColumn] !== m.row[kind.nameColumn]) {
      const holder = taken.get(scopeKey(m.row[scope], write[kind.nameColumn]))
      if (holder !== undefined && holder !== m.id) {
        // The new name is taken in the target by another item: keep the local name, report it.
        write = { ...write, [kind.nameColumn]: m.row[kind.nameColumn]! }
        action = 'conflict'
        reason = 'The snapshot renames it to a name another item of the target has; the local name is kept'
        fields.push({ path: `/${kind.nameColumn}`, side: 'conflict', resolution: 'local' })
        if (Object.keys(write).every((c) => write![c] === mineContent![c])) write = null
      }
    }

    const name = nameOf((t ?? m ?? b)!.row, kind.nameColumn)
    if (action === 'create' && t) {
      result.writes.creates.push({ ...t.row, origin_hash: t.hash })
      result.created.add(item)
      result.writtenNames.add(nameOf(t.row, kind.nameColumn))
    } else if (action === 'delete' && m) {
      result.writes.deletes.push(m.id!)
    } else if (write && m && t) {
      result.writes.updates.push({ id: m.id!, ...write, origin_hash: t.hash })
      result.writtenNames.add(nameOf(t.row, kind.nameColumn))
    } else if (m && t && m.originHash !== t.hash) {
      // Kept as it is; its base is now the pushed version's item, so local edits stay local edits next time.
      result.writes.rebased.push({ id: m.id!, origin_hash: t.hash })
    }

    if (action === 'create') result.counts.created++
    else if (action === 'delete') result.counts.deleted++
    else if (action === 'conflict') result.counts.conflicts++
    else if (action === 'update') result.counts.updated++
    else result.counts.kept++
    if (action === 'keep' && !reason) continue
    result.changes.push({ kind: kind.kind, name, action, ...(fields.length > 0 && { fields: apiPaths(kind, fields) }), ...(reason && { reason }) })
  }
  return result
}

export function addCounts(total: ChangeCounts, more: ChangeCounts): void {
  for (const key of Object.keys(total) as (keyof ChangeCounts)[]) total[key] += more[key]
}
