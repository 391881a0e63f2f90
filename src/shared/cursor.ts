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
