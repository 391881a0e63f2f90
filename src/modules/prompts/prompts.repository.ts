import type { Insertable, Selectable, Updateable } from 'kysely'
import type { Executor, PromptsTable } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { uniqueNamePerOwner, type OwnedKind } from '../owned-items/owned-items.repository.ts'

export type PromptRow = Selectable<PromptsTable>
export const promptKind: OwnedKind<'prompts'> = { table: 'prompts', what: 'Prompt' }

export async function isGranted(db: Executor, userId: string, promptId: string): Promise<boolean> {
  const row = await db
    .selectFrom('prompt_grants')
    .select('prompt_id')
    .where('user_id', '=', userId)
    .where('prompt_id', '=', promptId)
    .executeTakeFirst()
  return row !== undefined
}

/** A user's own prompts, then those granted to them (`mapped`), each group oldest first. */
export function listPromptsOfUser(db: Executor, userId: string): Promise<(PromptRow & { mapped: boolean })[]> {
  return db
    .selectFrom('prompts')
    .selectAll()
    .select((eb) => eb('user_id', '<>', userId).$castTo<boolean>().as('mapped'))
    .where((eb) =>
      eb.or([
        eb('user_id', '=', userId),
        eb.exists(
          eb
            .selectFrom('prompt_grants')
            .select('prompt_grants.prompt_id')
            .whereRef('prompt_grants.prompt_id', '=', 'prompts.id')
            .where('prompt_grants.user_id', '=', userId),
        ),
      ]),
    )
    .orderBy('mapped')
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

export function insertPrompt(db: Executor, row: Insertable<PromptsTable>): Promise<PromptRow> {
  return guardConstraints(
    db.insertInto('prompts').values(row).returningAll().executeTakeFirstOrThrow(),
    uniqueNamePerOwner(promptKind, row.name),
  )
}

export function updatePrompt(db: Executor, id: string, changes: Updateable<PromptsTable>): Promise<PromptRow | undefined> {
  return guardConstraints(
    db.updateTable('prompts').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirst(),
    uniqueNamePerOwner(promptKind, changes.name),
  )
}
