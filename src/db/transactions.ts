import type { Executor, Tx } from './database.ts'

/**
 * Runs several reads against one consistent moment of the database (a read-only
 * REPEATABLE READ transaction), so a plan or report never mixes states that were
 * never true together.
 */
export function readConsistently<T>(db: Executor, read: (trx: Tx) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read)
}

/**
 * What a caller adds to a use case's transaction, such as the record that makes a
 * request idempotent: `begin` runs first inside it, `beforeCommit` last, with the
 * use case's result, so the caller's writes commit or roll back with the use
 * case's. The use case still opens the transaction (and picks its isolation).
 */
export interface TransactionHooks<R> {
  begin(trx: Tx): Promise<void>
  beforeCommit(trx: Tx, result: R): Promise<void>
}

/** Inside the use case's transaction: the caller's `begin`, the use case's work, the caller's `beforeCommit`. */
export async function withHooks<R>(trx: Tx, hooks: TransactionHooks<R> | undefined, work: () => Promise<R>): Promise<R> {
  await hooks?.begin(trx)
  const result = await work()
  await hooks?.beforeCommit(trx, result)
  return result
}

/** SQLSTATEs after which the same transaction, run again from the start, may well succeed. */
const transientStates = new Set(['40001', '40P01'])

/**
 * Runs `transaction` again when PostgreSQL aborted it for a concurrent change
 * (serialization failure, deadlock), as its documentation prescribes for
 * REPEATABLE READ: nothing of the aborted attempt remains. After `attempts` it
 * gives up, and the caller's error mapping answers 409.
 */
export async function retryTransient<T>(transaction: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction()
    } catch (error) {
      const sqlState = (error as { code?: unknown } | null)?.code
      if (attempt >= attempts || typeof sqlState !== 'string' || !transientStates.has(sqlState)) throw error
      // A little jitter, so the losers of one race do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))
    }
  }
}
