import type { Insertable, Selectable } from 'kysely'
import type { Executor, OrganizationsTable } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { conflict } from '../../shared/errors.ts'

export type OrganizationRow = Selectable<OrganizationsTable>

export const organizationNameTaken = (name: string) =>
  conflict('Organization name already exists', `An organization named "${name}" already exists`, { field: 'name' })
export const organizationPhoneTaken = (phone: string) =>
  conflict('Organization phone already exists', `An organization with the phone number ${phone} already exists`, {
    field: 'phoneNumber',
  })

export function insertOrganization(db: Executor, row: Insertable<OrganizationsTable>): Promise<OrganizationRow> {
  return guardConstraints(db.insertInto('organizations').values(row).returningAll().executeTakeFirstOrThrow(), {
    organizations_name_key: () => organizationNameTaken(row.name),
    organizations_phone_number_key: () => organizationPhoneTaken(row.phone_number),
  })
}

export function findOrganization(db: Executor, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** Names are unique case-insensitively. */
export function findOrganizationByName(db: Executor, name: string): Promise<OrganizationRow | undefined> {
  return db
    .selectFrom('organizations')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()))
    .executeTakeFirst()
}

/** Which of the given name / phone are already used (for dry runs and friendly 409s). */
export async function findOrganizationConflicts(
  db: Executor,
  name: string,
  phoneNumber: string,
): Promise<{ name: boolean; phoneNumber: boolean }> {
  const rows = await db
    .selectFrom('organizations')
    .select(['name', 'phone_number'])
    .where((eb) => eb.or([eb(eb.fn('lower', ['name']), '=', name.toLowerCase()), eb('phone_number', '=', phoneNumber)]))
    .execute()
  return {
    name: rows.some((r) => r.name.toLowerCase() === name.toLowerCase()),
    phoneNumber: rows.some((r) => r.phone_number === phoneNumber),
  }
}

export function listOrganizations(db: Executor): Promise<OrganizationRow[]> {
  return db.selectFrom('organizations').selectAll().orderBy('created_at').orderBy('id').execute()
}

/** The subset of ids that name existing organizations. */
export async function existingOrganizationIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db.selectFrom('organizations').select('id').where('id', 'in', ids).execute()
  return new Set(rows.map((r) => r.id))
}
