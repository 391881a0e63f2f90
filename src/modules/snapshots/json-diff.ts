import { isDeepStrictEqual } from 'node:util'

/** One changed field: a JSON Pointer (RFC 6901) into the item, and its values on each side (absent: no such field). */
export interface FieldChange {
  path: string
  from?: unknown
  to?: unknown
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const escapeToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

/**
 * The fields that differ between two JSON values, as deep as both sides are objects
 * (or arrays of the same length), so a change inside `actions` is reported at
 * `/actions/targetStage`, not as the whole object. Arrays whose length changed are
 * reported whole: index-by-index pairs would misreport an insertion as many changes.
 */
export function diffFields(from: unknown, to: unknown, path = ''): FieldChange[] {
  if (isDeepStrictEqual(from, to)) return []
  if (isObject(from) && isObject(to)) {
    const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort()
    return keys.flatMap((key) => {
      const at = `${path}/${escapeToken(key)}`
      if (!(key in to)) return [{ path: at, from: from[key] }]
      if (!(key in from)) return [{ path: at, to: to[key] }]
      return diffFields(from[key], to[key], at)
    })
  }
  if (Array.isArray(from) && Array.isArray(to) && from.length === to.length) {
    return from.flatMap((item, i) => diffFields(item, to[i], `${path}/${i}`))
  }
  return [{ path, from, to }]
}
