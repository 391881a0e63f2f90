import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Catalogue search and filters (issue 11): `?q=` is a case-insensitive substring of
 * the name (`name ILIKE '%q%'`), which only a trigram index can serve, so the list
 * stays an index lookup with thousands of snapshots. pg_trgm ships with PostgreSQL
 * (a trusted extension: a database owner may create it) and with PGlite, whose
 * instances load it (db/connect.ts, pgliteExtensions). `?scope=mine` reads the
 * creator's snapshots newest first from their own index.
 *
 * fastupdate off: a snapshot row is written once per capture, so the index has no
 * bulk inserts to batch, and a pending list would be scanned by every search until
 * a vacuum (PGlite never runs autovacuum) flushed it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create extension if not exists pg_trgm;
    create index snapshots_name_trgm_idx on snapshots using gin (name gin_trgm_ops) with (fastupdate = off);
    create index snapshots_kind_created_by_seq_idx on snapshots (kind, created_by, seq desc);
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(db, `drop index snapshots_kind_created_by_seq_idx; drop index snapshots_name_trgm_idx;`)
}
