import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

/**
 * Failed sign-ins per key (email + client address), kept in the database so the
 * limit holds across every server process.
 */
export async function secondsLockedOut(
  db: Executor,
  key: string,
  maxFailures: number,
  windowSeconds: number,
): Promise<number> {
  const row = await db
    .selectFrom('login_failures')
    .select(
      sql<number>`ceil(extract(epoch from (window_started_at + make_interval(secs => ${windowSeconds}) - now())))::int`.as(
        'remaining',
      ),
    )
    .where('key', '=', key)
    .where('failures', '>=', maxFailures)
    .executeTakeFirst()
  return row && row.remaining > 0 ? row.remaining : 0
}

/** Counts one failure; a window older than windowSeconds starts over. */
export async function recordFailure(db: Executor, key: string, windowSeconds: number): Promise<void> {
  const expired = sql<boolean>`login_failures.window_started_at < now() - make_interval(secs => ${windowSeconds})`
  await db
    .insertInto('login_failures')
    .values({ key, failures: 1, window_started_at: sql`now()` })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql`case when ${expired} then 1 else login_failures.failures + 1 end`,
        window_started_at: sql`case when ${expired} then now() else login_failures.window_started_at end`,
      }),
    )
    .execute()
}

export async function clearFailures(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute()
}
