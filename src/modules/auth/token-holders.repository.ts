import type { Executor } from '../../db/database.ts'

/**
 * The user a request's token names, as they are now (deleted, disabled, or with a
 * newer token generation means the token is dead). One indexed read per
 * authenticated request; the app hands this function to the auth plugin.
 */
export function findTokenHolder(db: Executor, userId: string) {
  return db
    .selectFrom('users')
    .select(['id', 'organization_id', 'access_role', 'email', 'full_name', 'login_disabled', 'token_generation'])
    .where('id', '=', userId)
    .executeTakeFirst()
}
