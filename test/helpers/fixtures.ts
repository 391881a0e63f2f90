import { randomBytes, randomInt } from 'node:crypto'
import type { App } from '../../src/app.ts'
import type { AccessRole } from '../../src/shared/roles.ts'
import { insertOrganization } from '../../src/modules/organizations/organizations.repository.ts'
import { insertUser } from '../../src/modules/users/users.repository.ts'

/**
 * Fresh tenants for every test: created directly through the repositories (fast),
 * with tokens signed by the app's own token service.
 */
export const testPassword = 'Password!2026'

/** What the helpers need: an app, or just its context (the benchmark builds no HTTP server). */
export type WithContext = Pick<App, 'ctx'>

export interface TestUser {
  id: string
  email: string
  fullName: string
  role: AccessRole
  organizationId: string
  token: string
}

export interface Tenant {
  organization: { id: string; name: string; phoneNumber: string }
  admin: TestUser
  departmentHead: TestUser
  salesRep: TestUser
}

const hashes = new WeakMap<WithContext, Promise<string>>()
function passwordHash(app: WithContext): Promise<string> {
  let hash = hashes.get(app)
  if (!hash) {
    hash = app.ctx.passwords.hash(testPassword)
    hashes.set(app, hash)
  }
  return hash
}

export const uniqueSuffix = () => randomBytes(4).toString('hex')
export const uniquePhone = () => `+1${String(randomInt(2_000_000_000, 9_999_999_999))}`
export const uniqueEmail = (prefix = 'user') => `${prefix}-${uniqueSuffix()}@example.test`

export async function newOrganization(app: WithContext, name = `Org ${uniqueSuffix()}`) {
  const row = await insertOrganization(app.ctx.db, { name, phone_number: uniquePhone(), address: '1 Test Street' })
  return { id: row.id, name: row.name, phoneNumber: row.phone_number }
}

export async function newUser(
  app: WithContext,
  organizationId: string,
  role: AccessRole,
  fields: { email?: string; fullName?: string; loginDisabled?: boolean } = {},
): Promise<TestUser> {
  const email = fields.email ?? uniqueEmail(role.toLowerCase())
  const row = await insertUser(app.ctx.db, {
    organization_id: organizationId,
    email,
    password_hash: await passwordHash(app),
    full_name: fields.fullName ?? `${role} ${uniqueSuffix()}`,
    phone_number: null,
    designation: null,
    access_role: role,
    department_id: null,
    login_disabled: fields.loginDisabled ?? false,
  })
  const token = await app.ctx.tokens.sign({ userId: row.id, organizationId, accessRole: role })
  return { id: row.id, email: row.email, fullName: row.full_name, role, organizationId, token }
}

/** An organization with one user of each tenant role. */
export async function newTenant(app: App, name?: string): Promise<Tenant> {
  const organization = await newOrganization(app, name)
  const [admin, departmentHead, salesRep] = await Promise.all([
    newUser(app, organization.id, 'ADMIN'),
    newUser(app, organization.id, 'DEPARTMENT_HEAD'),
    newUser(app, organization.id, 'SALES_REP'),
  ])
  return { organization, admin, departmentHead, salesRep }
}

/** A SUPERADMIN in a platform organization of its own. */
export async function newSuperadmin(app: WithContext): Promise<TestUser> {
  const platform = await newOrganization(app, `Platform ${uniqueSuffix()}`)
  return newUser(app, platform.id, 'SUPERADMIN')
}
