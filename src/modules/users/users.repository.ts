import type { Selectable } from 'kysely'
import type { Executor, NewUserRow, UsersTable } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { conflict } from '../../shared/errors.ts'

export type UserRow = Selectable<UsersTable>

/** The row of a user created from a profile (a request body) with an already hashed password. */
export function newUserRow(
  organizationId: string,
  profile: { email: string; fullName: string; phoneNumber?: string; designation?: string },
  passwordHash: string,
  accessRole: NewUserRow['access_role'],
): NewUserRow {
  return {
    organization_id: organizationId,
    email: profile.email,
    password_hash: passwordHash,
    full_name: profile.fullName,
    phone_number: profile.phoneNumber ?? null,
    designation: profile.designation ?? null,
    access_role: accessRole,
    department_id: null,
  }
}

export const emailTaken = (email: string) =>
  conflict('Email already exists', `A user with the email ${email} already exists`, { field: 'email' })

/** Inserts one user; the unique index on lower(email) turns a race into a 409, never a duplicate. */
export function insertUser(db: Executor, row: NewUserRow): Promise<UserRow> {
  return guardConstraints(db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow(), {
    users_email_key: () => emailTaken(row.email),
  })
}

export function findUserById(db: Executor, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export function findUserByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
    .executeTakeFirst()
}

export async function emailExists(db: Executor, email: string): Promise<boolean> {
  return (await findUserByEmail(db, email)) !== undefined
}

export function listUsersOfOrganization(db: Executor, organizationId: string): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** `revokeTokens` moves the user's token generation on: every token issued so far stops working for good. */
export function updateUser(
  db: Executor,
  id: string,
  changes: Partial<NewUserRow>,
  options: { revokeTokens?: boolean } = {},
): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ ...changes, updated_at: new Date() })
    .$if(options.revokeTokens === true, (qb) => qb.set((eb) => ({ token_generation: eb('token_generation', '+', 1) })))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

export async function deleteUser(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

/** Whether any SUPERADMIN exists (the first start says how to create one while none does). */
export async function superadminExists(db: Executor): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('access_role', '=', 'SUPERADMIN').limit(1).executeTakeFirst()
  return row !== undefined
}
