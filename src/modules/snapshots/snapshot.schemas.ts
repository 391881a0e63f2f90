import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, StringEnum, Timestamp } from '../../shared/schemas.ts'

/**
 * Schemas shared by user and organization snapshots. Field names, constraints and
 * nullability follow the seed contract (UserSnapshotSummary and friends).
 */

export const snapshotName = Type.String({
  minLength: 1,
  maxLength: 120,
  description: 'Snapshot display name shown in the snapshot picker.',
})
export const snapshotDescription = Type.String({
  maxLength: 500,
  description: 'Free-form notes describing what this snapshot captures.',
})

export const CreateSnapshotBody = Type.Object(
  {
    name: snapshotName,
    description: Type.Optional(snapshotDescription),
    sourceOrgId: ObjectId('Organization containing the user being snapshotted.'),
    sourceUserId: ObjectId('User whose state is being captured.'),
  },
  {
    $id: 'CreateSnapshotRequest',
    additionalProperties: false,
    examples: [
      {
        name: 'Top performer baseline 2026-05',
        description: 'Senior AE automations and prompts for Q2 rollout.',
        sourceOrgId: '64ee9a8b1e7f2a0011223344',
        sourceUserId: '64ee9a8b1e7f2a001122339a',
      },
    ],
  },
)
export type CreateSnapshotInput = Static<typeof CreateSnapshotBody>

/** Fields every snapshot summary carries (seed UserSnapshotSummary, minus the user-only sharing fields). */
export const summaryFields = {
  _id: ObjectId('Snapshot id'),
  name: Type.String(),
  description: Nullable(Type.String()),
  sourceOrgId: Nullable(Type.String()),
  sourceOrgName: Nullable(Type.String()),
  sourceUserId: Nullable(Type.String()),
  sourceUserEmail: Nullable(Type.String()),
  sourceUserName: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdByName: Nullable(Type.String()),
  createdByRole: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1, description: 'The version shown: the latest, or the one asked for with ?version=' }),
  createdAt: Nullable(Timestamp()),
  updatedAt: Nullable(Timestamp()),
  importedFrom: Nullable(
    Type.Object(
      {
        instanceId: Type.String({ description: 'The exporting instance (instance.id of the bundle)' }),
        snapshotId: Type.String({ description: 'The snapshot\u2019s id on the exporting instance' }),
        version: Type.Integer({ description: 'The latest version imported, as the exporting instance numbers it' }),
      },
      {
        additionalProperties: false,
        description: 'Where an imported snapshot came from (POST …/import); null for a snapshot captured here',
      },
    ),
  ),
}

export const RefSchema = Type.Object(
  {
    automationName: Type.String({ description: 'The automation holding the reference' }),
    field: Type.String({ description: 'sourceStatuses, targetStage or agentId' }),
    value: Type.String({ description: 'Stage name, or source agent id' }),
    refType: StringEnum(['pipelineStage', 'agent']),
    fieldLocation: Type.String({ description: '"root" for sourceStatuses, "actions" for actions.*' }),
    agentName: Type.Optional(Nullable(Type.String({ description: 'Agents only: the source agent\u2019s name' }))),
  },
  { description: 'A stage or agent reference held by a captured automation', additionalProperties: true },
)
export type SnapshotRef = Static<typeof RefSchema>

/** SPEC §7.1: what the apply will not do although the request asks for it; never an error. */
export const PlanWarningSchema = Type.Object(
  {
    code: StringEnum(['SELECTION_IGNORED', 'MAPPING_UNUSED'], {
      description:
        'SELECTION_IGNORED: selectedPromptNames on an apply into another organization; MAPPING_UNUSED: a mapping ' +
        'entry that changes nothing (its automation has no such reference, or no automation is cloned)',
    }),
    message: Type.String(),
    path: Type.String({ description: 'JSON pointer to the part of the request body the warning is about' }),
  },
  { description: 'Something in the request that the apply does not act on' },
)

/** The warnings of an apply's result: the same as its plan's. */
export const resultWarningsField = Type.Array(PlanWarningSchema, {
  description: 'Parts of the request the apply did not act on (the dry run\u2019s plan lists the same)',
})

/** SPEC §7: what an apply would do, computed before anything is written. */
export const PlanSchema = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        kind: Type.String({ description: 'automation, prompt, template, pipeline, agent, dynamicProperties' }),
        name: Type.String(),
        action: StringEnum(['clone', 'skip', 'map']),
      }),
    ),
    references: Type.Array(
      Type.Object({
        automationName: Type.String(),
        field: Type.String(),
        from: Nullable(Type.String()),
        to: Type.Union(
          [
            Nullable(Type.String({ description: 'The target stage name or the id of an existing agent; null: unresolved' })),
            Type.Object(
              { newAgent: Type.String({ description: 'Name of the agent this apply creates (its id does not exist yet)' }) },
              { additionalProperties: false },
            ),
          ],
          { description: 'Where the reference will point' },
        ),
        resolvedBy: StringEnum(['mapping', 'name', 'unresolved']),
      }),
    ),
    problems: Type.Array(
      Type.Object({
        status: Type.Integer({ description: 'The status the apply would answer (409 or 422)' }),
        error: Type.String(),
        message: Type.String(),
        details: Type.Optional(Type.Unknown()),
      }),
    ),
    warnings: Type.Array(PlanWarningSchema),
    wouldSucceed: Type.Boolean({ description: 'true: the apply succeeds on unchanged data' }),
  },
  { $id: 'ApplyPlan', description: 'The plan an apply would execute' },
)

export const PageQueryFields = {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 500, description: 'Page size; without it every visible snapshot is returned' }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' }),
  ),
}

/** `q`: the catalogue search of both listings. */
export const nameQueryField = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 120,
    description: 'Only snapshots whose name contains this text, ignoring case',
  }),
)

export const nextCursorField = Nullable(Type.String({ description: 'Cursor of the next page; null on the last page' }))

/** The apply result's link to its lineage record (SPEC §7.3). */
export const applicationIdField = ObjectId('The application this apply recorded (GET …/{id}/applications)')

/** `?version=N` on every read of a snapshot (SPEC §7.2); absent: the latest. Unknown → 404. */
export const versionQueryField = Type.Optional(
  Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The version to read (default: the latest)' }),
)
export const VersionQuery = Type.Object({ version: versionQueryField }, { additionalProperties: false })
