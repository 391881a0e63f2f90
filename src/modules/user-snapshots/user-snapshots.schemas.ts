import { Type, type Static } from '@sinclair/typebox'
import { AssignableRoleSchema, MapOf, Nullable, ObjectId, StringEnum } from '../../shared/schemas.ts'
import { newUserFields, UserSummarySchema } from '../users/users.schemas.ts'
import {
  applicationIdField,
  versionQueryField,
  nameQueryField,
  nextCursorField,
  PageQueryFields,
  PlanSchema,
  RefSchema,
  resultWarningsField,
  summaryFields,
} from '../snapshots/snapshot.schemas.ts'
import { copyFieldsSchema, countsSchema } from '../snapshots/item-kind.schemas.ts'

/** Seed contract: UserSnapshot* schemas of seeds 000–003 (same names, required lists, constraints). */

export const UserSnapshotCounts = countsSchema('user', 'summary')

const userSnapshotSummaryFields = {
  ...summaryFields,
  counts: UserSnapshotCounts,
  isGlobal: Type.Boolean({ description: 'Visible to every organization' }),
  assignedOrgIds: Type.Array(Type.String(), { description: 'Organizations the snapshot is shared with' }),
}

/** Seed example (seed 001), with the fields it leaves out filled in. */
export const userSnapshotSummaryExample = {
  _id: '665f1a0c0e0a4b001a2c9f80',
  name: 'Top performer baseline 2026-05',
  description: 'Senior AE automations and prompts for Q2 rollout.',
  sourceOrgId: '64ee9a8b1e7f2a0011223344',
  sourceOrgName: 'Acme Corp',
  sourceUserId: '64ee9a8b1e7f2a001122339a',
  sourceUserEmail: 'alex@acme.example',
  sourceUserName: 'Alex Rep',
  counts: { automations: 5, prompts: 8, templates: 12 },
  createdBy: '64ee9a8b1e7f2a001122339b',
  createdByName: 'Pat Admin',
  createdByRole: 'ADMIN',
  version: 1,
  isGlobal: false,
  assignedOrgIds: ['64ee9a8b1e7f2a0011223344'],
  createdAt: '2026-05-15T09:00:00.000Z',
  updatedAt: '2026-05-15T09:00:00.000Z',
  importedFrom: null,
}

export const UserSnapshotSummary = Type.Object(userSnapshotSummaryFields, {
  $id: 'UserSnapshotSummary',
  description: 'A user snapshot without its copies',
  additionalProperties: true,
  examples: [userSnapshotSummaryExample],
})
const summaryRef = UserSnapshotSummary

export const UserSnapshotDetail = Type.Object(
  {
    ...userSnapshotSummaryFields,
    ...copyFieldsSchema('user'),
  },
  { $id: 'UserSnapshotDetail', description: 'A user snapshot with its copies and references', additionalProperties: true },
)

export const CreateUserSnapshotResponse = Type.Object(
  { message: Type.String(), snapshot: summaryRef },
  {
    $id: 'CreateUserSnapshotResponse',
    description: 'Snapshot created: the full copies are taken',
    required: ['snapshot'],
    additionalProperties: true,
    examples: [{ message: 'Snapshot created', snapshot: userSnapshotSummaryExample }],
  },
)

export const userListScopes = ['all', 'global', 'assigned', 'mine'] as const
export type UserListScope = (typeof userListScopes)[number]

export const UserSnapshotListQuery = Type.Object(
  {
    ...PageQueryFields,
    q: nameQueryField,
    scope: Type.Optional(
      StringEnum(userListScopes, {
        description:
          'all (default): every snapshot the caller may see; global: the global ones; assigned: those assigned to the ' +
          'caller\u2019s organization; mine: those the caller created. Always within what the caller may see.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type UserSnapshotListInput = Static<typeof UserSnapshotListQuery>

export const UserSnapshotListResponse = Type.Object(
  { snapshots: Type.Array(summaryRef), nextCursor: Type.Optional(nextCursorField) },
  {
    $id: 'UserSnapshotListResponse',
    description: 'The snapshots visible to the caller, newest first (a page of them with limit)',
    additionalProperties: true,
    examples: [{ snapshots: [userSnapshotSummaryExample] }],
  },
)

export const AssignUserSnapshotRequest = Type.Object(
  {
    assignedOrgIds: Type.Optional(
      Type.Array(ObjectId(), {
        maxItems: 1000,
        description: 'Superadmin only. Replace the snapshot assigned organization list.',
      }),
    ),
    isGlobal: Type.Optional(
      Type.Boolean({ description: 'When true, makes the snapshot visible to all organizations.' }),
    ),
  },
  {
    $id: 'AssignUserSnapshotRequest',
    additionalProperties: false,
    minProperties: 1,
    examples: [{ assignedOrgIds: ['64ee9a8b1e7f2a0011223344', '64ee9a8b1e7f2a0011223345'], isGlobal: false }],
  },
)
export type AssignInput = Static<typeof AssignUserSnapshotRequest>

export const AssignUserSnapshotResponse = Type.Object(
  { message: Type.String(), snapshot: summaryRef },
  {
    $id: 'AssignUserSnapshotResponse',
    description: 'Sharing updated: the snapshot as it is now',
    additionalProperties: true,
    examples: [{ message: 'Snapshot access updated', snapshot: userSnapshotSummaryExample }],
  },
)

const mappingKeys = { keys: { maxLength: 200 }, maxProperties: 10_000 }
const stageName = Type.String({ maxLength: 200 })

export const ApplyUserSnapshotNewUser = Type.Object(
  { ...newUserFields, accessRole: AssignableRoleSchema },
  {
    $id: 'ApplyUserSnapshotNewUser',
    additionalProperties: false,
    examples: [
      {
        email: 'casey@acme.example',
        password: 'TempPass!2026',
        fullName: 'Casey New',
        phoneNumber: '+14155550177',
        designation: 'Account Executive',
        accessRole: 'SALES_REP',
      },
    ],
  },
)

export const ApplyUserSnapshotRequest = Type.Object(
  {
    pipelineMapping: Type.Optional(
      MapOf(MapOf(stageName, mappingKeys), {
        ...mappingKeys,
        description: 'Per-automation map of source pipeline stage value \u2192 target stage value.',
      }),
    ),
    sourceStatusesMapping: Type.Optional(
      MapOf(Type.Array(stageName, { maxItems: 500 }), {
        ...mappingKeys,
        description: 'Per-automation override for sourceStatuses array (mapped target stages).',
      }),
    ),
    agentMapping: Type.Optional(
      MapOf(MapOf(ObjectId('Target agent _id'), mappingKeys), {
        ...mappingKeys,
        description: 'Per-automation map of source agent name/id \u2192 target agent _id.',
      }),
    ),
    selectedPromptNames: Type.Optional(
      Type.Array(Type.String({ maxLength: 200 }), {
        maxItems: 100_000,
        description: 'Same-org apply only: subset of snapshot prompt names to clone.',
      }),
    ),
    applyAutomations: Type.Optional(Type.Boolean({ default: true })),
    applyPrompts: Type.Optional(Type.Boolean({ default: true })),
    applyTemplates: Type.Optional(Type.Boolean({ default: true })),
    newUser: ApplyUserSnapshotNewUser,
  },
  {
    $id: 'ApplyUserSnapshotRequest',
    additionalProperties: false,
    examples: [
      {
        pipelineMapping: { 'Move to Contacted on first reply': { Contacted: 'Reached Out' } },
        agentMapping: {},
        applyAutomations: true,
        applyPrompts: true,
        applyTemplates: true,
        newUser: { email: 'casey@acme.example', password: 'TempPass!2026', fullName: 'Casey New', accessRole: 'SALES_REP' },
      },
    ],
  },
)
export type ApplyUserSnapshotInput = Static<typeof ApplyUserSnapshotRequest>

export const ApplyQuery = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: 'true: return the plan and the result counts, write nothing' })),
    organizationId: Type.Optional(
      ObjectId('SUPERADMIN only: the organization to apply into (default: the caller\u2019s)'),
    ),
    version: versionQueryField,
  },
  { additionalProperties: false },
)

const resultFields = {
  cloned: countsSchema('user', 'cloned'),
  mapped: countsSchema('user', 'mapped'),
  skipped: countsSchema('user', 'skipped'),
  warnings: resultWarningsField,
}

export const ApplyUserSnapshotResponse = Type.Object(
  {
    message: Type.String(),
    result: Type.Object(
      { applicationId: applicationIdField, userId: Type.String(), userEmail: Type.String(), ...resultFields },
      { additionalProperties: true },
    ),
  },
  {
    $id: 'ApplyUserSnapshotResponse',
    description: 'Snapshot applied: the new user and what was cloned, mapped and skipped',
    additionalProperties: true,
    examples: [
      {
        message: 'Snapshot applied',
        result: {
          applicationId: '64ee9a8b1e7f2a00112233a0',
          userId: '64ee9a8b1e7f2a001122339c',
          userEmail: 'casey@acme.example',
          cloned: { automations: 5, prompts: 8, templates: 12 },
          mapped: { prompts: 0 },
          skipped: { automations: 0, templates: 0, prompts: 0 },
          warnings: [],
        },
      },
    ],
  },
)

export const DryRunUserSnapshotResponse = Type.Object({
  message: Type.String(),
  result: Type.Object(
    { userId: Nullable(Type.String()), userEmail: Type.String(), ...resultFields },
    { additionalProperties: true },
  ),
  plan: PlanSchema,
}, { $id: 'DryRunUserSnapshotResponse', description: 'Dry run (?dryRun=true): what the apply would do; nothing was written' })

export const ApplyRefsQuery = Type.Object(
  { organizationId: ApplyQuery.properties.organizationId, version: versionQueryField },
  { additionalProperties: false },
)

export const ApplyRefsResponse = Type.Object(
  {
    stageRefs: Type.Array(RefSchema),
    agentRefs: Type.Array(RefSchema),
    targetPipelines: Type.Array(
      Type.Object({
        _id: ObjectId(),
        name: Type.String(),
        stages: Type.Array(Type.Object({ name: Type.String(), color: Type.String() })),
      }),
    ),
    targetAgents: Type.Array(Type.Object({ _id: ObjectId(), name: Type.String(), description: Type.String() })),
  },
  {
    $id: 'ApplyRefsResponse',
    description: 'The snapshot\u2019s references and what the target organization offers to map them to',
    additionalProperties: true,
  },
)

export const SourceUsersResponse = Type.Object({ users: Type.Array(UserSummarySchema) })
