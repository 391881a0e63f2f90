import { setTimeout as sleep } from 'node:timers/promises'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../src/db/database.ts'

/**
 * For crash tests on PostgreSQL: what the sessions of a process (tagged by
 * application_name) are doing, and what an open transaction has written, so a
 * test kills the process at a known point.
 */

/** Sessions of one process (tagged by application_name) in this database. */
export async function sessionsOf(db: Kysely<Database>, applicationName: string) {
  const { rows } = await sql<{ pid: number; state: string; wait_event_type: string | null; query: string }>`
    select pid, state, wait_event_type, query from pg_stat_activity
    where datname = current_database() and application_name = ${applicationName}
  `.execute(db)
  return rows
}

/** Polls `probe` until it returns a value (bounded). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Tables the session has written to (granted ROW EXCLUSIVE locks) in its open transaction. */
export async function tablesWrittenBy(db: Kysely<Database>, pid: number): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select distinct c.relname as name from pg_locks l join pg_class c on c.oid = l.relation
    where l.pid = ${pid} and l.mode = 'RowExclusiveLock' and l.granted and c.relkind = 'r'
    order by 1
  `.execute(db)
  return rows.map((r) => r.name)
}
