import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, StringEnum, Timestamp } from '../../shared/schemas.ts'

const counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
  description: 'Items cloned, per kind (the `cloned` counts of the apply)',
})

export const ApplicationSchema = Type.Object(
  {
    _id: ObjectId('Application id'),
    snapshotId: ObjectId('The snapshot applied; it may since have been deleted'),
    snapshotName: Type.String({ description: 'The snapshot\u2019s name when it was applied' }),
    kind: StringEnum(['user', 'org']),
    version: Type.Integer({ minimum: 1, description: 'The snapshot version applied' }),
    targetOrganizationId: ObjectId('The organization the items were cloned into'),
    targetOrganizationName: Type.String(),
    userId: Nullable(ObjectId('The user the apply created (null: none, or since deleted)')),
    userEmail: Nullable(Type.String()),
    appliedBy: ObjectId('Who applied it'),
    appliedByName: Type.String(),
    appliedAt: Timestamp(),
    counts,
    mappings: Type.Object(
      {
        pipelineMapping: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.String()))),
        sourceStatusesMapping: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
        agentMapping: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.String()))),
      },
      { description: 'The reference mappings the apply used (later pushes resolve references the same way)' },
    ),
  },
  { description: 'A successful apply of a snapshot version (SPEC §7.3)' },
)

export const ApplicationPageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Applications per page (1\u2013200, default 50)' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'nextCursor of the previous page' })),
})
export type ApplicationPageInput = Static<typeof ApplicationPageQuery>

export const ApplicationPage = Type.Object({
  applications: Type.Array(ApplicationSchema),
  nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last page' })),
})
