import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Idempotent requests (SPEC §7.4): the stored answer of each creating POST sent
 * with an Idempotency-Key, per caller and key, written in the transaction of the
 * request's effects. `fingerprint` is a keyed hash of the method, URL and body (a
 * retry must match it); `body` is the response exactly as it was sent. Records
 * older than 24 hours no longer count and are purged as requests come in
 * (created_at index).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table idempotency_keys (
      caller_id text not null,
      key text not null,
      fingerprint text not null,
      status_code integer not null,
      body text not null,
      created_at timestamptz not null default now(),
      primary key (caller_id, key)
    );
    create index idempotency_keys_created_at_idx on idempotency_keys (created_at);
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(db, `drop table idempotency_keys;`)
}
