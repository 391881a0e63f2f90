import type { Insertable, Selectable, Updateable } from 'kysely'
import type { AutomationsTable, Executor } from '../../db/database.ts'
import { guardUnique } from '../../db/constraints.ts'
import { ownedNameTaken } from '../owned-items/ownership.ts'

export type AutomationRow = Selectable<AutomationsTable>

const nameGuard = (name: string) => ({ automations_user_id_name_key: ownedNameTaken('Automation', name) })

export function findAutomation(db: Executor, id: string): Promise<AutomationRow | undefined> {
  return db.selectFrom('automations').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listAutomationsOfUser(db: Executor, userId: string): Promise<AutomationRow[]> {
  return db.selectFrom('automations').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
}

export function insertAutomation(db: Executor, row: Insertable<AutomationsTable>): Promise<AutomationRow> {
  return guardUnique(db.insertInto('automations').values(row).returningAll().executeTakeFirstOrThrow(), nameGuard(row.name))
}

export function updateAutomation(
  db: Executor,
  id: string,
  changes: Updateable<AutomationsTable>,
): Promise<AutomationRow | undefined> {
  return guardUnique(
    db.updateTable('automations').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst(),
    nameGuard(changes.name ?? ''),
  )
}

export async function deleteAutomation(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('automations').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
