import { Type, type Static } from '@sinclair/typebox'
import { ObjectId, StringEnum } from '../../shared/schemas.ts'

export const conflictPolicies = ['keep-local', 'take-snapshot'] as const

export const PushBody = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The version to push (default: the latest)' })),
    applicationIds: Type.Optional(
      Type.Array(ObjectId('An application of this snapshot (GET .../applications)'), {
        minItems: 1,
        maxItems: 10000,
        description:
          'The applications to update. Default: every application of this snapshot visible to the caller whose version is ' +
          'older than the one pushed. An id that is not an application of this snapshot visible to the caller is 404.',
      }),
    ),
    conflictPolicy: Type.Optional(
      StringEnum(conflictPolicies, {
        default: 'keep-local',
        description: 'A field changed both in the snapshot and in the target: keep-local keeps the target\u2019s value, take-snapshot takes the snapshot\u2019s. Always reported.',
      }),
    ),
    removeDeleted: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Delete from targets the items the snapshot no longer has, when they are unchanged there (changed ones are kept and reported)',
      }),
    ),
  },
  {
    $id: 'PushRequest',
    additionalProperties: false,
    examples: [{ version: 2, conflictPolicy: 'keep-local', removeDeleted: false }],
  },
)
export type PushInput = Static<typeof PushBody>

export const PushQuery = Type.Object(
  { dryRun: Type.Optional(Type.Boolean({ description: 'true: report what the push would do to each target, write nothing (200)' })) },
  { additionalProperties: false },
)

const FieldChangeSchema = Type.Object({
  path: Type.String({ description: 'JSON Pointer into the item as the API shows it, e.g. /description, /sourceStatuses/0 or /actions/targetStage' }),
  side: StringEnum(['snapshot', 'local', 'conflict'] as const, {
    description: 'snapshot: taken from the pushed version; local: changed in the target (kept); conflict: changed on both sides',
  }),
  resolution: Type.Optional(StringEnum(['local', 'snapshot'] as const, { description: 'Conflicts: the side whose value the target gets' })),
})

export const PushChangeSchema = Type.Object(
  {
    kind: Type.String({ description: 'The item kind: automation, prompt, template; org snapshots also pipeline, stage, agent, dynamicProperties, credentialName' }),
    name: Type.String({ description: 'The item\u2019s name (in the snapshot; in the target when only the target has it)' }),
    action: StringEnum(['create', 'update', 'delete', 'keep', 'conflict'] as const, {
      description:
        'create: new in the snapshot; update: changed in the snapshot (and merged with local edits); delete: removed from ' +
        'the snapshot, unchanged locally, removeDeleted; keep: left as it is, for the reason given; conflict: a field ' +
        'changed on both sides (settled by conflictPolicy) or a name taken in the target',
    }),
    fields: Type.Optional(Type.Array(FieldChangeSchema, { description: 'The fields involved' })),
    reason: Type.Optional(Type.String({ description: 'Why an item is kept or in conflict' })),
  },
  { $id: 'PushChange' },
)

const ProblemSchema = Type.Object({
  status: Type.Integer({ description: 'The status the same failure has in a request (422: unresolved references)' }),
  error: Type.String(),
  message: Type.String(),
  details: Type.Optional(Type.Unknown()),
})

export const PushTargetPlanSchema = Type.Object(
  {
    applicationId: ObjectId('The application (earlier apply) this target is'),
    userId: Type.Optional(ObjectId('The user the application created (absent for an organization applied without firstUser)')),
    organizationId: ObjectId('The target organization'),
    fromVersion: Type.Integer({ description: 'The version the target stands on' }),
    toVersion: Type.Integer({ description: 'The version pushed' }),
    changes: Type.Array(PushChangeSchema, {
      description: 'Every item the push creates, updates, deletes or reports (unchanged items are not listed)',
    }),
    problems: Type.Array(ProblemSchema, { description: 'What fails this target (nothing is then written to it)' }),
    wouldSucceed: Type.Boolean({ description: 'true: the push of this target succeeds on unchanged data' }),
  },
  { $id: 'PushTargetPlan' },
)

export const PushDryRunResponse = Type.Object(
  { message: Type.String(), plan: Type.Object({ targets: Type.Array(PushTargetPlanSchema) }) },
  { description: 'What the push would do, target by target; nothing was written' },
)
