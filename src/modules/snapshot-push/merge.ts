/**
 * The three-way merge of a push (SPEC §7.5), pure: per item and per field, with
 * base = the item as the application last wrote it, theirs = the item in the new
 * version, mine = the item in the target now (found through its origin, never its
 * name). JSON fields (automation actions and conditions, dynamic-property sections)
 * merge by JSON path, so two edits to different keys of `actions` both survive.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type Content = Readonly<Record<string, Json>>

export type ConflictPolicy = 'keep-local' | 'take-snapshot'
export type MergeAction = 'create' | 'update' | 'delete' | 'keep' | 'conflict'

export interface MergeInput {
  /** The item as the application wrote it; null when the applied version did not have it. */
  base: Content | null
  /** The item in the version being pushed; null when that version no longer has it. */
  theirs: Content | null
  /** The target's item that came from it; null when there is none (deleted locally, or never created). */
  mine: Content | null
  /** New items only: the target already has an item of that name that did not come from the snapshot. */
  nameTaken?: boolean
}

export interface MergeOptions {
  conflictPolicy: ConflictPolicy
  removeDeleted: boolean
}

/** A field the merge touches: who changed it, and for conflicts which side won. */
export interface FieldChange {
  /** JSON Pointer into the item (`/description`, `/actions/targetStage`, `/conditions/0/value`). */
  path: string
  side: 'snapshot' | 'local' | 'conflict'
  /** Conflicts only: the side whose value is kept. */
  resolution?: 'local' | 'snapshot'
}

export interface MergeResult {
  action: MergeAction
  /** What the target's item becomes (create, update, and a conflict whose settlement changes it); null: nothing to write. */
  write: Content | null
  fields: FieldChange[]
  /** Why an item is kept or in conflict, in words (plans and job reports). */
  reason?: string
  conflicts: number
}

const isObject = (value: unknown): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Structural equality of JSON values (object key order does not matter, as in jsonb). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined || a === null || b === null) return false
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
  if (isObject(a)) {
    if (!isObject(b)) return false
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]))
  }
  return false
}

const pointer = (segments: readonly (string | number)[]) =>
  segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')

/** Arrays whose elements are all objects with distinct string names merge element by element, matched by name. */
function namedElements(value: Json | undefined): Map<string, Json> | null {
  if (!Array.isArray(value)) return null
  const byName = new Map<string, Json>()
  for (const element of value) {
    if (!isObject(element) || typeof element.name !== 'string' || byName.has(element.name)) return null
    byName.set(element.name, element)
  }
  return byName
}

/** The JSON Pointers of the leaves where two values differ (objects key by key, same-length arrays index by index). */
function diffPaths(a: Json | undefined, b: Json | undefined, path: (string | number)[]): string[] {
  if (jsonEqual(a, b)) return []
  if (isObject(a) && isObject(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => diffPaths(a[k], b[k], [...path, k]))
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) return a.flatMap((v, i) => diffPaths(v, b[i], [...path, i]))
  return [pointer(path)]
}

interface FieldMerge {
  value: Json | undefined
  fields: FieldChange[]
  conflicts: number
}

/**
 * One value, three ways. Objects merge key by key; arrays of named objects element by
 * name; other arrays of the same length on all three sides index by index; anything
 * else is one value: taken from the side that changed it, or a conflict when both
 * changed it differently (the same change on both sides is no conflict).
 */
function mergeValue(
  base: Json | undefined,
  theirs: Json | undefined,
  mine: Json | undefined,
  path: (string | number)[],
  policy: ConflictPolicy,
): FieldMerge {
  if (jsonEqual(theirs, base)) return { value: mine, fields: [], conflicts: 0 }
  if (jsonEqual(mine, base)) {
    return { value: theirs, fields: diffPaths(base, theirs, path).map((p) => ({ path: p, side: 'snapshot' })), conflicts: 0 }
  }
  if (jsonEqual(mine, theirs)) return { value: mine, fields: [], conflicts: 0 }

  if (isObject(base) && isObject(theirs) && isObject(mine)) {
    const value: { [key: string]: Json } = {}
    const fields: FieldChange[] = []
    let conflicts = 0
    const keys = [...new Set([...Object.keys(theirs), ...Object.keys(mine), ...Object.keys(base)])]
    for (const key of keys) {
      const merged = mergeValue(base[key], theirs[key], mine[key], [...path, key], policy)
      if (merged.value !== undefined) value[key] = merged.value
      fields.push(...merged.fields)
      conflicts += merged.conflicts
    }
    return { value, fields, conflicts }
  }

  const named = [namedElements(base), namedElements(theirs), namedElements(mine)] as const
  if (named[0] && named[1] && named[2]) {
    const [b, t, m] = named
    // Order: the snapshot's, then the elements only the target has, in its order.
    const names = [...new Set([...t.keys(), ...m.keys()])]
    const value: Json[] = []
    const fields: FieldChange[] = []
    let conflicts = 0
    for (const name of names) {
      const merged = mergeValue(b.get(name), t.get(name), m.get(name), [...path, value.length], policy)
      fields.push(...merged.fields)
      conflicts += merged.conflicts
      if (merged.value !== undefined) value.push(merged.value)
    }
    return { value, fields, conflicts }
  }

  if (Array.isArray(base) && Array.isArray(theirs) && Array.isArray(mine) && base.length === theirs.length && base.length === mine.length) {
    const value: Json[] = []
    const fields: FieldChange[] = []
    let conflicts = 0
    base.forEach((element, i) => {
      const merged = mergeValue(element, theirs[i], mine[i], [...path, i], policy)
      value.push(merged.value ?? null)
      fields.push(...merged.fields)
      conflicts += merged.conflicts
    })
    return { value, fields, conflicts }
  }

  const resolution = policy === 'keep-local' ? 'local' : 'snapshot'
  return { value: resolution === 'local' ? mine : theirs, fields: [{ path: pointer(path), side: 'conflict', resolution }], conflicts: 1 }
}

/** The fields changed locally, for reports of items kept because of them. */
function localChanges(base: Content, mine: Content): FieldChange[] {
  return diffPaths(base as Json, mine as Json, []).map((path) => ({ path, side: 'local' as const }))
}

export function mergeItem(input: MergeInput, options: MergeOptions): MergeResult {
  const { base, theirs, mine } = input
  if (theirs && !base) {
    if (mine) return mergeChanged({}, theirs, mine, options)
    if (input.nameTaken) {
      return { action: 'conflict', write: null, fields: [], conflicts: 1, reason: 'The target has an item of this name that did not come from the snapshot; it is kept and nothing is created' }
    }
    return { action: 'create', write: theirs, fields: [], conflicts: 0 }
  }
  if (!theirs) {
    if (!base || !mine) return { action: 'keep', write: null, fields: [], conflicts: 0, reason: 'Removed from the snapshot and deleted locally' }
    const changedLocally = localChanges(base, mine)
    if (!options.removeDeleted) {
      return { action: 'keep', write: null, fields: changedLocally, conflicts: 0, reason: 'Removed from the snapshot; kept (removeDeleted is false)' }
    }
    if (changedLocally.length > 0) {
      return { action: 'keep', write: null, fields: changedLocally, conflicts: 0, reason: 'Removed from the snapshot but changed locally; kept' }
    }
    return { action: 'delete', write: null, fields: [], conflicts: 0 }
  }
  if (!mine) return { action: 'keep', write: null, fields: [], conflicts: 0, reason: 'Deleted locally; stays deleted' }
  return mergeChanged(base!, theirs, mine, options)
}

function mergeChanged(base: Content, theirs: Content, mine: Content, options: MergeOptions): MergeResult {
  const merged = mergeValue(base, theirs, mine, [], options.conflictPolicy)
  const value = (merged.value ?? {}) as Content
  const changesTarget = !jsonEqual(value, mine)
  if (merged.conflicts > 0) {
    return { action: 'conflict', write: changesTarget ? value : null, fields: merged.fields, conflicts: merged.conflicts, reason: 'Changed in the snapshot and locally' }
  }
  if (!changesTarget) return { action: 'keep', write: null, fields: [], conflicts: 0 }
  return { action: 'update', write: value, fields: merged.fields, conflicts: 0 }
}
