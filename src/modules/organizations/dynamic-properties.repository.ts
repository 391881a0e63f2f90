import type { Selectable } from 'kysely'
import type { DynamicPropertiesTable, Executor } from '../../db/database.ts'

export type DynamicPropertiesRow = Selectable<DynamicPropertiesTable>

export function findDynamicProperties(
  db: Executor,
  organizationId: string,
  type: string,
): Promise<DynamicPropertiesRow | undefined> {
  return db
    .selectFrom('dynamic_properties')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('type', '=', type)
    .executeTakeFirst()
}

/** One document per (organization, type); PUT replaces its sections. */
export function upsertDynamicProperties(
  db: Executor,
  organizationId: string,
  type: string,
  sections: unknown[],
): Promise<DynamicPropertiesRow> {
  return db
    .insertInto('dynamic_properties')
    .values({ organization_id: organizationId, type, sections: JSON.stringify(sections) })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'type']).doUpdateSet((eb) => ({
        sections: eb.ref('excluded.sections'),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow()
}
