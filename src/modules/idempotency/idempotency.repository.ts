import { sql } from 'kysely'
import type { Executor, Tx } from '../../db/database.ts'

/** A stored answer counts for 24 hours (SPEC §7.4); older ones are ignored, then purged. */
const expired = sql<boolean>`idempotency_keys.created_at <= now() - interval '24 hours'`

export interface StoredResponse {
  fingerprint: string
  statusCode: number
  body: string
}

export async function findStoredResponse(db: Executor, callerId: string, key: string): Promise<StoredResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['fingerprint', 'status_code', 'body'])
    .where('caller_id', '=', callerId)
    .where('key', '=', key)
    .where(sql<boolean>`not ${expired}`)
    .executeTakeFirst()
  return row && { fingerprint: row.fingerprint, statusCode: row.status_code, body: row.body }
}

/**
 * Deletes up to `limit` expired records, oldest first, skipping rows another
 * transaction holds: a bounded piece of the purge, run as requests come in, so
 * the table holds about a day of keys without a scheduler.
 */
export async function purgeExpired(db: Executor, limit = 100): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where (caller_id, key) in (
      select caller_id, key from idempotency_keys where ${expired}
      order by created_at limit ${limit} for update skip locked
    )`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/**
 * Takes the key for the rest of the transaction, or answers false at once when
 * another transaction holds it (a request with this key still running). An
 * advisory lock on a 64-bit hash of caller and key: no row exists before commit.
 */
export async function tryLockKey(trx: Tx, callerId: string, key: string): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_xact_lock(hashtextextended(${`${callerId}\n${key}`}, 0)) as locked`.execute(trx)
  return rows[0]!.locked
}

/**
 * Stores the answer in the request's transaction (replacing an expired record of
 * the same key). False when a live record holds the key: a request that committed
 * in between, whose answer the caller should get instead.
 */
export async function storeResponse(
  trx: Tx,
  record: { callerId: string; key: string; fingerprint: string; statusCode: number; body: string },
): Promise<boolean> {
  const stored = await trx
    .insertInto('idempotency_keys')
    .values({
      caller_id: record.callerId,
      key: record.key,
      fingerprint: record.fingerprint,
      status_code: record.statusCode,
      body: record.body,
    })
    .onConflict((oc) =>
      oc
        .columns(['caller_id', 'key'])
        .doUpdateSet((eb) => ({
          fingerprint: eb.ref('excluded.fingerprint'),
          status_code: eb.ref('excluded.status_code'),
          body: eb.ref('excluded.body'),
          created_at: sql`now()`,
        }))
        .where(expired),
    )
    .returning('caller_id')
    .executeTakeFirst()
  return stored !== undefined
}
