/** Helpers to recognise PostgreSQL errors (pg and PGlite both expose `code` and `constraint`). */
interface PostgresError {
  code?: unknown
  constraint?: unknown
}

/** The name of the violated unique index or constraint, when `error` is a unique violation. */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as PostgresError | null
  if (e && typeof e === 'object' && e.code === '23505') return typeof e.constraint === 'string' ? e.constraint : ''
  return undefined
}

export function isForeignKeyViolation(error: unknown): boolean {
  return (error as PostgresError | null)?.code === '23503'
}
