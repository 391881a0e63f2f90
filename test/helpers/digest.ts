import { sql, type Kysely } from 'kysely'
import type { Database } from '#src/db/database.ts'

/**
 * Row counts and a content hash of every table of the database, so a test can
 * prove that a failed or rejected request changed nothing at all. Tables are read
 * from the catalog, so tables added by later migrations are covered too.
 */
export type DatabaseDigest = Record<string, { rows: number; md5: string }>

/** Bookkeeping of the migration tool; never touched by requests. */
const migrationTables = ['kysely_migration', 'kysely_migration_lock']

export async function tableNames(db: Kysely<Database>): Promise<string[]> {
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
             coalesce(md5(string_agg(t::text, E'\n' order by t::text)), '') as md5
      from ${sql.table(name)} t`,
  )
  const { rows } = await sql<{ name: string; rows: number; md5: string }>`${sql.join(parts, sql` union all `)}`.execute(db)
  return Object.fromEntries(rows.map((r) => [r.name, { rows: r.rows, md5: r.md5 }]))
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
