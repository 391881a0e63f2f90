import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

/**
 * Password checks per key (email + client address), counted in the database so the
 * limit holds across every server process. A check is reserved before the password
 * is verified, in one atomic statement: concurrent guesses queue on the row and each
 * sees its own count, so no more than the limit reach the (slow) hash comparison in
 * a window, however the guesses arrive.
 */

/** Reserves one password check; answers the seconds to wait when the window's checks are used up (0: go ahead). */
export async function reserveCheck(db: Executor, key: string, maxChecks: number, windowSeconds: number): Promise<number> {
  const expired = sql<boolean>`login_failures.window_started_at < now() - make_interval(secs => ${windowSeconds})`
  const row = await db
    .insertInto('login_failures')
    .values({ key, failures: 1, window_started_at: sql`now()` })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        // Past the limit the count stops growing: the row only has to say "used up".
        failures: sql`case when ${expired} then 1 else least(login_failures.failures + 1, ${maxChecks + 1}) end`,
        window_started_at: sql`case when ${expired} then now() else login_failures.window_started_at end`,
      }),
    )
    .returning([
      'failures',
      sql<number>`ceil(extract(epoch from (window_started_at + make_interval(secs => ${windowSeconds}) - now())))::int`.as(
        'remaining',
      ),
    ])
    .executeTakeFirstOrThrow()
  return row.failures > maxChecks ? Math.max(row.remaining, 1) : 0
}

/**
 * A check that found the right password gives its reservation back, so signing in
 * often is never locked out, while failed checks still count: at most the limit of
 * them per window, even if a successful sign-in happens in between.
 */
export async function releaseCheck(db: Executor, key: string): Promise<void> {
  await db
    .updateTable('login_failures')
    .set({ failures: sql`login_failures.failures - 1` })
    .where('key', '=', key)
    .where('failures', '>', 0)
    .execute()
}

/** Deletes the rows of windows that have ended (one per email and address tried, known or not). */
export async function purgeEndedWindows(db: Executor, windowSeconds: number): Promise<number> {
  const result = await db
    .deleteFrom('login_failures')
    .where('window_started_at', '<', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
