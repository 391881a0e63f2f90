import type { AccessRole } from './roles.ts'
import { forbidden } from './errors.ts'

/** The authenticated caller, loaded from the database on every request. */
export interface Actor {
  readonly id: string
  readonly organizationId: string
  readonly role: AccessRole
  readonly email: string
  readonly fullName: string
}

export const isSuperadmin = (actor: Actor) => actor.role === 'SUPERADMIN'
export const isAdminOrAbove = (actor: Actor) => actor.role === 'SUPERADMIN' || actor.role === 'ADMIN'

/**
 * The organization a request acts on: the caller's own, or for a SUPERADMIN any
 * organization named explicitly. Anyone else naming another organization gets 403.
 */
export function targetOrganization(actor: Actor, requested: string | undefined): string {
  if (requested === undefined || requested === actor.organizationId) return actor.organizationId
  if (isSuperadmin(actor)) return requested
  throw forbidden('You may only act on your own organization')
}

/** Row-level tenancy: a SUPERADMIN sees every organization, everyone else only their own. */
export const canSeeOrganization = (actor: Actor, organizationId: string) =>
  isSuperadmin(actor) || actor.organizationId === organizationId
