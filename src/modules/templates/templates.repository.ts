import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Executor, TemplatesTable, TemplateType } from '../../db/database.ts'
import { guardUnique } from '../../db/constraints.ts'
import { ownedNameTaken } from '../owned-items/ownership.ts'

export type TemplateRow = Selectable<TemplatesTable>

const nameGuard = (name: string) => ({ templates_user_id_name_key: ownedNameTaken('Template', name) })

export function findTemplate(db: Executor, id: string): Promise<TemplateRow | undefined> {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst()
}

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
  return guardUnique(db.insertInto('templates').values(row).returningAll().executeTakeFirstOrThrow(), nameGuard(row.name))
}

export function updateTemplate(
  db: Executor,
  id: string,
  changes: Updateable<TemplatesTable>,
): Promise<TemplateRow | undefined> {
  return guardUnique(
    db.updateTable('templates').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst(),
    nameGuard(changes.name ?? ''),
  )
}

export async function deleteTemplate(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('templates').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
