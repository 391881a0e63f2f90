import { Type, type Static, type TBoolean, type TNull, type TOptional, type TString, type TUnion } from '@sinclair/typebox'
import { MapOf, ObjectId, Timestamp } from '../../shared/schemas.ts'

export const credentialNames = [
  'anthropicApiKey',
  'sinchServicePlanId',
  'sinchApiToken',
  'sinchMmsApiKey',
  'sinchMmsServiceId',
  'twilioAccountSid',
  'twilioAuthToken',
] as const
export type CredentialName = (typeof credentialNames)[number]

const credentialValue = Type.String({ minLength: 1, maxLength: 1000 })

/** Credential values for an organization; each value must be unused by any other organization. */
export const CredentialsInput = Type.Object(
  Object.fromEntries(credentialNames.map((name) => [name, Type.Optional(credentialValue)])) as Record<CredentialName, TOptional<TString>>,
  {
    additionalProperties: false,
    description: 'Secret values, encrypted at rest and never returned; each must be unused by any other organization',
  },
)
export type CredentialValues = Partial<Record<CredentialName, string>>

const nullableCredentialValue = Type.Union([credentialValue, Type.Null()])
export const UpdateCredentialsBody = Type.Object(
  Object.fromEntries(credentialNames.map((name) => [name, Type.Optional(nullableCredentialValue)])) as Record<CredentialName, TOptional<TUnion<[TString, TNull]>>>,
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'A string sets the credential, null removes it, an absent field leaves it unchanged',
  },
)

/** Which credentials are configured: never the values. */
export const CredentialStatusSchema = Type.Object(
  Object.fromEntries(credentialNames.map((name) => [name, Type.Boolean()])) as Record<CredentialName, TBoolean>,
  { description: 'true where a value is set; values are never returned' },
)

export const orgName = Type.String({ minLength: 1, maxLength: 200, description: 'Unique (case-insensitive)' })
export const orgAddress = Type.String({ minLength: 1, maxLength: 500 })

export const OrganizationSchema = Type.Object({
  _id: ObjectId('Organization id'),
  name: Type.String(),
  phoneNumber: Type.String(),
  address: Type.String(),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
})

export const OrganizationDetailSchema = Type.Composite([
  OrganizationSchema,
  Type.Object({ credentials: CredentialStatusSchema }),
])


const sectionPropertyKey = '^[A-Za-z_][A-Za-z0-9_]{0,63}$'

export const SectionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    isHidden: Type.Optional(Type.Boolean({ default: false })),
    properties: Type.Optional(
      MapOf(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200 }),
          dataType: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. string, number, date, boolean' }),
          isHidden: Type.Optional(Type.Boolean({ default: false })),
        },
        { additionalProperties: false },
      ),
      {
        keys: { pattern: sectionPropertyKey, maxLength: 64 },
        maxProperties: 500,
        default: {},
        description: 'Keyed by property key: a letter or _, then letters, digits or _ (at most 64 characters)',
      },
    ),
    ),
  },
  { additionalProperties: false },
)
export type Section = Static<typeof SectionSchema>

export const SectionType = Type.String({
  minLength: 1,
  maxLength: 60,
  pattern: '^[A-Za-z][A-Za-z0-9_ -]*$',
  default: 'Contact',
  description: 'Contact, Application, Conversation or a custom type',
})

export const SectionsQuery = Type.Object({ type: Type.Optional(SectionType) }, { additionalProperties: false })

export const UpdateSectionsBody = Type.Object(
  { sections: Type.Array(SectionSchema, { maxItems: 200 }) },
  { additionalProperties: false },
)

export const DynamicPropertiesSchema = Type.Object({
  _id: ObjectId(),
  organizationId: ObjectId(),
  type: Type.String(),
  sections: Type.Array(SectionSchema),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
})
