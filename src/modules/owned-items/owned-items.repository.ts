import type { Selectable } from 'kysely'
import type { AutomationsTable, Executor, PromptsTable, TemplatesTable } from '../../db/database.ts'
import { conflict } from '../../shared/errors.ts'

/** The tables of user-owned items (same id, owner and name-per-owner layout) and their rows. */
interface OwnedRows {
  automations: Selectable<AutomationsTable>
  prompts: Selectable<PromptsTable>
  templates: Selectable<TemplatesTable>
}
export type OwnedTable = keyof OwnedRows

/** One kind of owned item: its table and its name in error titles ("Automation not found"). */
export interface OwnedKind<T extends OwnedTable> {
  readonly table: T
  readonly what: string
}

export function findOwnedRow<T extends OwnedTable>(
  db: Executor,
  kind: OwnedKind<T>,
  id: string,
): Promise<OwnedRows[T] | undefined> {
  // Kysely cannot type a query on a generic table name, so it runs on the union and
  // the row is cast back: it comes from kind.table by construction.
  const table: OwnedTable = kind.table
  return db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst() as Promise<
    OwnedRows[T] | undefined
  >
}

export async function deleteOwnedRow(db: Executor, kind: OwnedKind<OwnedTable>, id: string): Promise<boolean> {
  const result = await db.deleteFrom(kind.table).where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/**
 * For guardConstraints: names are unique per owner (two users may both have an "Intro"
 * template), enforced by each table's unique (user_id, name) constraint.
 */
export const uniqueNamePerOwner = (kind: OwnedKind<OwnedTable>, name: string | undefined) => ({
  [`${kind.table}_user_id_name_key`]: () =>
    conflict(`${kind.what} name already exists`, `You already have a ${kind.what.toLowerCase()} named "${name ?? ''}"`, {
      field: 'name',
    }),
})
