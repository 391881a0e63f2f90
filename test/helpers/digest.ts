import { sql, type Kysely } from 'kysely'
import type { Database } from '../../src/db/database.ts'

/**
 * Row counts and a content hash (the sum of a hash of every row's text, which
 * no insert, update or delete leaves unchanged) of every table, so a test can
 * prove that a failed or rejected request changed nothing at all. Tables are read
 * from the catalog, so tables added by later migrations are covered too.
 */
export type DatabaseDigest = Record<string, { rows: number; hash: string }>

/** Bookkeeping of the migration tool; never touched by requests. */
const migrationTables = ['kysely_migration', 'kysely_migration_lock']

/** Table lists per database handle (the catalog query costs more than a digest). */
const tableCache = new WeakMap<Kysely<Database>, Promise<string[]>>()

export function tableNames(db: Kysely<Database>): Promise<string[]> {
  let tables = tableCache.get(db)
  if (!tables) {
    tables = readTableNames(db)
    tableCache.set(db, tables)
  }
  return tables
}

async function readTableNames(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'
    order by table_name
  `.execute(db)
  return rows.map((r) => r.name).filter((name) => !migrationTables.includes(name))
}

export async function databaseDigest(db: Kysely<Database>, options: { exclude?: readonly string[] } = {}): Promise<DatabaseDigest> {
  const tables = (await tableNames(db)).filter((name) => !options.exclude?.includes(name))
  const parts = tables.map(
    (name) => sql`
      select ${name}::text as name, count(*)::int as rows,
             coalesce(sum(hashtext(t::text)::bigint), 0)::text as hash
      from ${sql.table(name)} t`,
  )
  const { rows } = await sql<{ name: string; rows: number; hash: string }>`${sql.join(parts, sql` union all `)}`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.name, { rows: r.rows, hash: r.hash }]))
}

/** Every row of every table as text (to search the whole database for a value). */
export async function databaseText(db: Kysely<Database>): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const name of await tableNames(db)) {
    const { rows } = await sql<{ text: string | null }>`
      select string_agg(t::text, E'\n') as text from ${sql.table(name)} t
    `.execute(db)
    out[name] = rows[0]?.text ?? ''
  }
  return out
}
