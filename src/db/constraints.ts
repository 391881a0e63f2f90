import type { AppError } from '../shared/errors.ts'
import { uniqueViolation } from './errors.ts'

/**
 * Runs a write and turns a violation of one of the named unique constraints into
 * its domain error (usually a 409). The constraint is the real guard: checking
 * first and writing second would let two concurrent requests both pass the check.
 */
export async function guardUnique<T>(write: Promise<T>, errors: Record<string, () => AppError>): Promise<T> {
  try {
    return await write
  } catch (error) {
    const constraint = uniqueViolation(error)
    const toError = constraint === undefined ? undefined : errors[constraint]
    if (toError) throw toError()
    throw error
  }
}
