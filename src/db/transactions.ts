import type { Executor, Tx } from './database.ts'

/**
 * Runs several reads against one consistent moment of the database (a read-only
 * REPEATABLE READ transaction), so a plan or report never mixes states that were
 * never true together.
 */
export function readConsistently<T>(db: Executor, read: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read)
}
