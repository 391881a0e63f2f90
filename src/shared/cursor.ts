import { badRequest } from './errors.ts'

/**
 * Opaque keyset cursors: a position in a newest-first listing (an insertion
 * sequence) wrapped so clients treat it as a token, not a number to compute with.
 */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url')
}

/** The position a cursor stands for, or null for anything this server did not issue. */
export function decodeCursor(cursor: string): number | null {
  const match = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return match ? Number(match[1]) : null
}

/** The position of a listing's `cursor` query parameter: undefined without one, 400 for one this server did not issue. */
export function positionOf(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined
  const decoded = decodeCursor(cursor)
  if (decoded === null) {
    throw badRequest('Validation error', 'cursor is not a cursor this server issued', [
      { location: 'querystring', path: '/cursor', message: 'is invalid' },
    ])
  }
  return decoded
}

/**
 * Opaque keyset cursors over text keys (an item's sort value and id, tagged with
 * what is being paged so a cursor of one listing is refused by another).
 */
export function encodeKeyCursor(scope: string, key: readonly string[]): string {
  return Buffer.from(JSON.stringify(['k', scope, ...key])).toString('base64url')
}

/** The key a cursor stands for, or null when it is not a cursor of `scope` with `arity` parts. */
export function decodeKeyCursor(cursor: string, scope: string, arity: number): string[] | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (!Array.isArray(parsed) || parsed.length !== arity + 2 || parsed[0] !== 'k' || parsed[1] !== scope) return null
  const key = parsed.slice(2)
  return key.every((part): part is string => typeof part === 'string') ? key : null
}
