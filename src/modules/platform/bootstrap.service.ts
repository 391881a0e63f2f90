import type { Executor } from '../../db/database.ts'
import { AppError } from '../../shared/errors.ts'
import type { PasswordHasher } from '../../shared/passwords.ts'
import { findOrganizationByName, insertOrganization } from '../organizations/organizations.repository.ts'
import { findUserByEmail, insertUser } from '../users/users.repository.ts'

export interface SuperadminRequest {
  email: string
  password: string
  /** The platform organization: found by name (case-insensitive), created when missing. */
  orgName: string
  orgPhone: string
}

export interface SuperadminResult {
  created: boolean
  userId: string
  organizationId: string
}

/**
 * Creates the platform organization (if needed) and a SUPERADMIN in it, unless a
 * user with that email exists. Safe to run on every start and from several
 * processes at once: the unique indexes decide, and a lost race counts as "exists".
 */
export async function ensureSuperadmin(
  db: Executor,
  passwords: PasswordHasher,
  request: SuperadminRequest,
): Promise<SuperadminResult> {
  const existing = await findUserByEmail(db, request.email)
  if (existing) return { created: false, userId: existing.id, organizationId: existing.organization_id }
  const passwordHash = await passwords.hash(request.password)
  try {
    return await db.transaction().execute(async (trx) => {
      const organization =
        (await findOrganizationByName(trx, request.orgName)) ??
        (await insertOrganization(trx, { name: request.orgName, phone_number: request.orgPhone, address: '' }))
      const user = await insertUser(trx, {
        organization_id: organization.id,
        email: request.email,
        password_hash: passwordHash,
        full_name: 'Platform Superadmin',
        phone_number: null,
        designation: null,
        access_role: 'SUPERADMIN',
        department_id: null,
      })
      return { created: true, userId: user.id, organizationId: organization.id }
    })
  } catch (error) {
    const raced = error instanceof AppError && error.code === 'CONFLICT' ? await findUserByEmail(db, request.email) : undefined
    if (raced) return { created: false, userId: raced.id, organizationId: raced.organization_id }
    throw error
  }
}
