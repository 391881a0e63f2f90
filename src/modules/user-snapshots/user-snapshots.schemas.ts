import { Type, type Static } from '@sinclair/typebox'
import { AssignableRoleSchema, MapOf, Nullable, ObjectId, StringEnum } from '../../shared/schemas.ts'
import { newUserFields, UserSummarySchema } from '../users/users.schemas.ts'
import {
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

export const UserSnapshotSummary = Type.Object(userSnapshotSummaryFields, { additionalProperties: true })
const summaryRef = UserSnapshotSummary

export const UserSnapshotDetail = Type.Object(
  {
    ...userSnapshotSummaryFields,
    ...copyFieldsSchema('user'),
  },
  { additionalProperties: true },
)

export const CreateUserSnapshotResponse = Type.Object(
  { message: Type.String(), snapshot: summaryRef },
  { required: ['snapshot'], additionalProperties: true },
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
  { additionalProperties: true },
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
  { additionalProperties: false, minProperties: 1 },
)
export type AssignInput = Static<typeof AssignUserSnapshotRequest>

export const AssignUserSnapshotResponse = Type.Object(
  { message: Type.String(), snapshot: summaryRef },
  { additionalProperties: true },
)

const mappingKeys = { keys: { maxLength: 200 }, maxProperties: 10_000 }
const stageName = Type.String({ maxLength: 200 })

export const ApplyUserSnapshotNewUser = Type.Object(
  { ...newUserFields, accessRole: AssignableRoleSchema },
  { additionalProperties: false },
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
  { additionalProperties: false },
)
export type ApplyUserSnapshotInput = Static<typeof ApplyUserSnapshotRequest>

export const ApplyQuery = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ description: 'true: return the plan and the result counts, write nothing' })),
    organizationId: Type.Optional(
      ObjectId('SUPERADMIN only: the organization to apply into (default: the caller\u2019s)'),
    ),
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
      { userId: Type.String(), userEmail: Type.String(), ...resultFields },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
)

export const DryRunUserSnapshotResponse = Type.Object({
  message: Type.String(),
  result: Type.Object(
    { userId: Nullable(Type.String()), userEmail: Type.String(), ...resultFields },
    { additionalProperties: true },
  ),
  plan: PlanSchema,
})

export const ApplyRefsQuery = Type.Object(
  { organizationId: ApplyQuery.properties.organizationId },
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
  { additionalProperties: true },
)

export const SourceUsersResponse = Type.Object({ users: Type.Array(UserSummarySchema) })
