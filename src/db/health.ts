import type { Executor } from './database.ts'

/** Reads one row of a migrated table: the database is reachable and its schema is in place. */
export async function checkDatabase(db: Executor): Promise<void> {
  await db.selectFrom('organizations').select('id').limit(1).execute()
}
