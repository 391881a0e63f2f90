import type { AppError } from '../shared/errors.ts'

/**
 * The one way repositories turn a violated constraint into a domain error. The
 * constraint is the real guard (checking first and writing second would let two
 * concurrent requests both pass the check); this names what a violation means.
 * Keys are constraint or unique-index names: unique violations (23505) and foreign
 * key violations (23503) alike, since PostgreSQL names are unique per table set.
 * A violation not listed here reaches the error handler, which maps its SQLSTATE
 * through `databaseErrors` in shared/errors.ts.
 */
export async function guardConstraints<T>(write: Promise<T>, errors: Record<string, () => AppError>): Promise<T> {
  try {
    return await write
  } catch (error) {
    const constraint = violatedConstraint(error)
    const toError = constraint === undefined ? undefined : errors[constraint]
    if (toError) throw toError()
    throw error
  }
}

/** pg and PGlite both expose `code` and `constraint` on their errors. */
interface PostgresError {
  code?: unknown
  constraint?: unknown
}

const constraintCodes = new Set(['23505', '23503'])

/** The name of the unique or foreign-key constraint `error` violates, if it is such a violation. */
export function violatedConstraint(error: unknown): string | undefined {
  const e = error as PostgresError | null
  if (!e || typeof e !== 'object' || !constraintCodes.has(e.code as string)) return undefined
  return typeof e.constraint === 'string' ? e.constraint : ''
}
