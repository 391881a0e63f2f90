import type { Executor } from '../../db/database.ts'
import { canSeeOrganization, isAdminOrAbove, type Actor } from '../../shared/actor.ts'
import { forbidden, notFound } from '../../shared/errors.ts'
import { findUserById } from '../users/users.repository.ts'
import { deleteOwnedRow, findOwnedRow, type OwnedKind, type OwnedTable } from './owned-items.repository.ts'

/**
 * Automations, prompts and templates belong to one user. Their rules:
 * - the owner reads and writes;
 * - an ADMIN of the same organization and any SUPERADMIN read, but never write;
 * - prompts are also readable by the users they are granted to;
 * - anyone else gets 404, so a row's existence is never revealed.
 */
export interface OwnedRow {
  readonly user_id: string
  readonly organization_id: string
}

export type Access = 'read' | 'write'

export function canReadOwned(actor: Actor, row: OwnedRow, grantedToActor = false): boolean {
  if (row.user_id === actor.id || grantedToActor) return true
  return isAdminOrAbove(actor) && canSeeOrganization(actor, row.organization_id)
}

/** The row when the caller may access it: 404 if they may not even read it, 403 if they may read but not write. */
export function authorizeOwned<T extends OwnedRow>(
  actor: Actor,
  row: T | undefined,
  access: Access,
  what: string,
  grantedToActor = false,
): T {
  if (!row || !canReadOwned(actor, row, grantedToActor)) throw notFound(what)
  if (access === 'write' && row.user_id !== actor.id) {
    throw forbidden(`Only the owner may change this ${what.toLowerCase()}`)
  }
  return row
}

/**
 * Whose items a list shows: the caller's own, or with `?userId=` another user's,
 * which only an ADMIN (same organization) or SUPERADMIN may ask for. A user the
 * caller cannot see is 404, exactly like one that does not exist.
 */
export async function listOwnerId(db: Executor, actor: Actor, userId: string | undefined): Promise<string> {
  if (userId === undefined || userId === actor.id) return actor.id
  if (!isAdminOrAbove(actor)) throw forbidden('Only an ADMIN or SUPERADMIN may list another user\u2019s items')
  const user = await findUserById(db, userId)
  if (!user || !canSeeOrganization(actor, user.organization_id)) throw notFound('User')
  return user.id
}

/** Loads a row of this kind and checks the caller may access it (404 / 403 as above). */
export async function loadOwned<T extends OwnedTable>(db: Executor, actor: Actor, kind: OwnedKind<T>, id: string, access: Access) {
  return authorizeOwned(actor, await findOwnedRow(db, kind, id), access, kind.what)
}

/** Deletes a row of this kind for its owner (404 / 403 as above). */
export async function deleteOwned(db: Executor, actor: Actor, kind: OwnedKind<OwnedTable>, id: string): Promise<void> {
  await loadOwned(db, actor, kind, id, 'write')
  if (!(await deleteOwnedRow(db, kind, id))) throw notFound(kind.what)
}
