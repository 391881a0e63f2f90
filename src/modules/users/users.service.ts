import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { canSeeOrganization, targetOrganization, type Actor } from '../../shared/actor.ts'
import { forbidden, notFound, unprocessable } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import type { CreateUserInput, UpdateUserInput, UserDto } from './users.schemas.ts'
import * as users from './users.repository.ts'

export function toUserDto(row: users.UserRow): UserDto {
  return {
    _id: row.id,
    email: row.email,
    fullName: row.full_name,
    phoneNumber: row.phone_number,
    designation: row.designation,
    accessRole: row.access_role,
    departmentId: row.department_id,
    organizationId: row.organization_id,
    loginDisabled: row.login_disabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

export async function createUser(ctx: AppContext, actor: Actor, input: CreateUserInput): Promise<UserDto> {
  const organizationId = targetOrganization(actor, input.organizationId)
  if (input.accessRole === 'SUPERADMIN' && actor.role !== 'SUPERADMIN') {
    throw forbidden('Only a SUPERADMIN may create a SUPERADMIN')
  }
  if (organizationId !== actor.organizationId && !(await findOrganization(ctx.db, organizationId))) {
    throw notFound('Organization')
  }
  const passwordHash = await ctx.passwords.hash(input.password)
  const row = await users.insertUser(ctx.db, {
    ...users.newUserRow(organizationId, input, passwordHash, input.accessRole),
    department_id: input.departmentId ?? null,
    login_disabled: input.loginDisabled ?? false,
  })
  return toUserDto(row)
}

export async function listUsers(db: Executor, actor: Actor, organizationId?: string): Promise<UserDto[]> {
  const rows = await users.listUsersOfOrganization(db, targetOrganization(actor, organizationId))
  return rows.map(toUserDto)
}

export async function getProfile(db: Executor, actor: Actor): Promise<UserDto> {
  const row = await users.findUserById(db, actor.id)
  if (!row) throw notFound('User')
  return toUserDto(row)
}

/** A user the caller may manage: visible (same org, or SUPERADMIN) and not above the caller. */
async function manageableUser(db: Executor, actor: Actor, id: string): Promise<users.UserRow> {
  const row = await users.findUserById(db, id)
  if (!row || !canSeeOrganization(actor, row.organization_id)) throw notFound('User')
  if (row.access_role === 'SUPERADMIN' && actor.role !== 'SUPERADMIN') {
    throw forbidden('Only a SUPERADMIN may change a SUPERADMIN')
  }
  return row
}

export async function updateUser(db: Executor, actor: Actor, id: string, input: UpdateUserInput): Promise<UserDto> {
  await manageableUser(db, actor, id)
  if (id === actor.id && (input.loginDisabled === true || (input.accessRole && input.accessRole !== actor.role))) {
    throw unprocessable('Cannot change own access', 'You cannot disable your own account or change your own role')
  }
  const row = await users.updateUser(db, id, {
    ...(input.fullName !== undefined && { full_name: input.fullName }),
    ...(input.phoneNumber !== undefined && { phone_number: input.phoneNumber }),
    ...(input.designation !== undefined && { designation: input.designation }),
    ...(input.accessRole !== undefined && { access_role: input.accessRole }),
    ...(input.departmentId !== undefined && { department_id: input.departmentId }),
    ...(input.loginDisabled !== undefined && { login_disabled: input.loginDisabled }),
  }, { revokeTokens: input.loginDisabled === true })
  if (!row) throw notFound('User')
  return toUserDto(row)
}

export async function deleteUser(db: Executor, actor: Actor, id: string): Promise<void> {
  await manageableUser(db, actor, id)
  if (id === actor.id) throw unprocessable('Cannot delete own account', 'You cannot delete your own account')
  if (!(await users.deleteUser(db, id))) throw notFound('User')
}
