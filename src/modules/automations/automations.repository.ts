import type { Insertable, Selectable, Updateable } from 'kysely'
import type { AutomationsTable, Executor } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { uniqueNamePerOwner, type OwnedKind } from '../owned-items/owned-items.repository.ts'

export type AutomationRow = Selectable<AutomationsTable>
export const automationKind: OwnedKind<'automations'> = { table: 'automations', what: 'Automation' }

export function listAutomationsOfUser(db: Executor, userId: string): Promise<AutomationRow[]> {
  return db.selectFrom('automations').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()
}

export function insertAutomation(db: Executor, row: Insertable<AutomationsTable>): Promise<AutomationRow> {
  return guardConstraints(
    db.insertInto('automations').values(row).returningAll().executeTakeFirstOrThrow(),
    uniqueNamePerOwner(automationKind, row.name),
  )
}

export function updateAutomation(
  db: Executor,
  id: string,
  changes: Updateable<AutomationsTable>,
): Promise<AutomationRow | undefined> {
  return guardConstraints(
    db.updateTable('automations').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst(),
    uniqueNamePerOwner(automationKind, changes.name),
  )
}
