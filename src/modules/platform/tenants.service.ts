import type { AppContext } from '../../context.ts'
import { writeCredentials } from '../organizations/credentials.repository.ts'
import { insertOrganization } from '../organizations/organizations.repository.ts'
import { insertUser, newUserRow } from '../users/users.repository.ts'
import type { CreateOrganizationInput } from './tenants.schemas.ts'

/** Creates the organization, its first ADMIN and its credentials in one transaction. */
export async function createOrganization(
  ctx: AppContext,
  input: CreateOrganizationInput,
): Promise<{ organizationId: string; adminUserId: string }> {
  const passwordHash = await ctx.passwords.hash(input.adminDetails.password)
  return ctx.db.transaction().execute(async (trx) => {
    const organization = await insertOrganization(trx, {
      name: input.name,
      phone_number: input.phoneNumber,
      address: input.address,
    })
    const admin = await insertUser(trx, newUserRow(organization.id, input.adminDetails, passwordHash, 'ADMIN'))
    if (input.creds) await writeCredentials(trx, ctx.secrets, organization.id, input.creds)
    return { organizationId: organization.id, adminUserId: admin.id }
  })
}
