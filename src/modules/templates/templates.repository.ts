import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Executor, TemplatesTable, TemplateType } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { uniqueNamePerOwner, type OwnedKind } from '../owned-items/owned-items.repository.ts'

export type TemplateRow = Selectable<TemplatesTable>
export const templateKind: OwnedKind<'templates'> = { table: 'templates', what: 'Template' }

export function listTemplatesOfUser(db: Executor, userId: string, type: TemplateType | undefined): Promise<TemplateRow[]> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(type !== undefined, (qb) => qb.where('type', '=', type as TemplateType))
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

export function insertTemplate(db: Executor, row: Insertable<TemplatesTable>): Promise<TemplateRow> {
  return guardConstraints(
    db.insertInto('templates').values(row).returningAll().executeTakeFirstOrThrow(),
    uniqueNamePerOwner(templateKind, row.name),
  )
}

export function updateTemplate(
  db: Executor,
  id: string,
  changes: Updateable<TemplatesTable>,
): Promise<TemplateRow | undefined> {
  return guardConstraints(
    db.updateTable('templates').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst(),
    uniqueNamePerOwner(templateKind, changes.name),
  )
}
