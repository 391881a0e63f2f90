import { Type, type Static } from '@sinclair/typebox'
import { Phone } from '../../shared/schemas.ts'
import { CredentialsInput, orgAddress, orgName } from '../organizations/organizations.schemas.ts'
import { newUserFields } from '../users/users.schemas.ts'

/** A new tenant: the organization and its first ADMIN (seed: POST /api/organizations). */
export const CreateOrganizationBody = Type.Object(
  {
    name: orgName,
    phoneNumber: Phone('Organization phone: +1 or +91 followed by 10 digits; unique'),
    address: orgAddress,
    adminDetails: Type.Object(newUserFields,
      { additionalProperties: false, description: 'The organization\u2019s first ADMIN' },
    ),
    creds: Type.Optional(CredentialsInput),
  },
  { additionalProperties: false },
)
export type CreateOrganizationInput = Static<typeof CreateOrganizationBody>
