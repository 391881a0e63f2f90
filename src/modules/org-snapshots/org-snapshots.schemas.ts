import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, Phone, StringEnum } from '../../shared/schemas.ts'
import { CredentialsInput, orgAddress, orgName } from '../organizations/organizations.schemas.ts'
import { newUserFields, UserSummarySchema } from '../users/users.schemas.ts'
import {
  applicationIdField,
  versionQueryField,
  nameQueryField,
  nextCursorField,
  PageQueryFields,
  PlanSchema,
  resultWarningsField,
  summaryFields,
} from '../snapshots/snapshot.schemas.ts'
import { copyFieldsSchema, countsSchema } from '../snapshots/item-kind.schemas.ts'

/** Seed contract: seed 004 (ApplyOrgSnapshot*) and the org-snapshot summary of the docs. */

const orgSummaryFields = {
  ...summaryFields,
  counts: countsSchema('org', 'summary'),
  credentialNames: Type.Array(Type.String(), {
    description: 'Names of the credentials the source organization had configured (never their values)',
  }),
}

export const OrgSnapshotSummary = Type.Object(orgSummaryFields, {
  $id: 'OrgSnapshotSummary',
  description: 'An organization snapshot without its copies',
  additionalProperties: true,
})

export const OrgSnapshotDetail = Type.Object(
  { ...orgSummaryFields, ...copyFieldsSchema('org') },
  { $id: 'OrgSnapshotDetail', description: 'An organization snapshot with its copies and references', additionalProperties: true },
)

export const CreateOrgSnapshotResponse = Type.Object(
  { message: Type.String(), snapshot: OrgSnapshotSummary },
  { $id: 'CreateOrgSnapshotResponse', description: 'Snapshot created: the full copies are taken', additionalProperties: true },
)

export const OrgSnapshotListQuery = Type.Object(
  {
    ...PageQueryFields,
    q: nameQueryField,
    scope: Type.Optional(
      StringEnum(['all', 'mine'], {
        description:
          'all (default): every organization snapshot; mine: those the caller created. Organization snapshots are ' +
          'never shared (superadmins see them all), so the global and assigned scopes of user snapshots do not apply.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type OrgSnapshotListInput = Static<typeof OrgSnapshotListQuery>
export const OrgSnapshotListResponse = Type.Object(
  { snapshots: Type.Array(OrgSnapshotSummary), nextCursor: Type.Optional(nextCursorField) },
  {
    $id: 'OrgSnapshotListResponse',
    description: 'The organization snapshots, newest first (a page of them with limit)',
    additionalProperties: true,
  },
)

export const ApplyOrgSnapshotFirstUser = Type.Object(newUserFields, {
  $id: 'ApplyOrgSnapshotFirstUser',
  additionalProperties: false,
  description: 'Created as ADMIN of the new organization',
  examples: [
    {
      email: 'admin@neworg.example',
      password: 'TempPass!2026',
      fullName: 'Morgan Admin',
      phoneNumber: '+14155550111',
      designation: 'Operations Lead',
    },
  ],
})

export const ApplyOrgSnapshotRequest = Type.Object(
  {
    orgName,
    orgPhone: Phone('Organization phone (must start with +1 or +91 followed by 10 digits).'),
    orgAddress,
    firstUser: Type.Optional(ApplyOrgSnapshotFirstUser),
    credentials: Type.Optional(CredentialsInput),
  },
  {
    $id: 'ApplyOrgSnapshotRequest',
    additionalProperties: false,
    examples: [
      {
        orgName: 'NewOrg Holdings',
        orgPhone: '+14155550100',
        orgAddress: '100 King St W, Toronto, ON',
        firstUser: {
          email: 'admin@neworg.example',
          password: 'TempPass!2026',
          fullName: 'Morgan Admin',
          designation: 'Operations Lead',
        },
      },
    ],
  },
)
export type ApplyOrgSnapshotInput = Static<typeof ApplyOrgSnapshotRequest>

export const ApplyOrgQuery = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: 'true: return the plan and the result counts, write nothing' })),
    version: versionQueryField,
  },
  { additionalProperties: false },
)

const resultFields = {
  organizationName: Type.String(),
  userId: Nullable(Type.String()),
  userEmail: Nullable(Type.String()),
  cloned: countsSchema('org', 'cloned'),
  credentials: Type.Object(
    {
      configured: Type.Array(Type.String(), { description: 'Credential names set on the new organization' }),
      missing: Type.Array(Type.String(), {
        description: 'Credential names the source organization had that the new organization still lacks',
      }),
    },
    { additionalProperties: true },
  ),
  warnings: resultWarningsField,
}

export const ApplyOrgSnapshotResponse = Type.Object(
  {
    message: Type.String(),
    result: Type.Object({ applicationId: applicationIdField, organizationId: Type.String(), ...resultFields }, { additionalProperties: true }),
  },
  {
    $id: 'ApplyOrgSnapshotResponse',
    description: 'Snapshot applied: the new organization, its first user if any, and what was cloned',
    additionalProperties: true,
    examples: [
      {
        message: 'Snapshot applied',
        result: {
          applicationId: '64ee9a8b1e7f2a00112234a0',
          organizationId: '64ee9a8b1e7f2a0011223400',
          organizationName: 'NewOrg Holdings',
          userId: '64ee9a8b1e7f2a0011223499',
          userEmail: 'admin@neworg.example',
          cloned: { pipelines: 3, automations: 12, prompts: 20, templates: 30, stages: 14, agents: 2, dynamicProperties: 2 },
          credentials: { configured: [], missing: ['anthropicApiKey'] },
          warnings: [],
        },
      },
    ],
  },
)

export const DryRunOrgSnapshotResponse = Type.Object({
  message: Type.String(),
  result: Type.Object({ organizationId: Nullable(Type.String()), ...resultFields }, { additionalProperties: true }),
  plan: PlanSchema,
}, { $id: 'DryRunOrgSnapshotResponse', description: 'Dry run (?dryRun=true): what the apply would do; nothing was written' })

export const OrgUsersResponse = Type.Object({ users: Type.Array(UserSummarySchema) })
export const OrganizationIdParams = Type.Object({ organizationId: ObjectId('Organization id') })
