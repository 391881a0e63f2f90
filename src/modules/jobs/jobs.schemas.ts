import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const jobStatuses = ['queued', 'running', 'succeeded', 'failed', 'partially_failed'] as const
export const targetStatuses = ['pending', 'succeeded', 'failed'] as const

export const TargetChangesSchema = Type.Object(
  {
    created: Type.Integer({ description: 'Items created in the target' }),
    updated: Type.Integer({ description: 'Items updated in the target (merged or taken from the snapshot)' }),
    deleted: Type.Integer({ description: 'Items deleted from the target (removeDeleted)' }),
    kept: Type.Integer({ description: 'Items left as they are (unchanged, changed only locally, deleted locally, or removed from the snapshot but kept)' }),
    conflicts: Type.Integer({ description: 'Items with a conflict (a field changed on both sides, or a name taken locally), settled by conflictPolicy' }),
  },
  { $id: 'JobTargetChanges' },
)

export const TargetErrorSchema = Type.Object(
  {
    status: Type.Integer({ description: 'The HTTP status the same failure has in a request (422 for an unresolved reference)' }),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'JobTargetError' },
)

export const JobTargetSchema = Type.Object(
  {
    applicationId: ObjectId('The application (an earlier apply) this target updates'),
    organizationId: ObjectId('The organization the target is in'),
    status: StringEnum(targetStatuses, {
      description: 'pending until a worker has done it; succeeded or failed once its transaction has run (failed: nothing was written)',
    }),
    error: Type.Optional(TargetErrorSchema),
    changes: Type.Optional(TargetChangesSchema),
    attempts: Type.Integer({ description: 'How many times a worker started this target (more than one after a crash or a retry)' }),
    finishedAt: Nullable(Timestamp()),
  },
  { $id: 'JobTarget' },
)

const jobFields = {
  _id: ObjectId('Job id'),
  type: StringEnum(['snapshot.push'], { description: 'What the job does' }),
  status: StringEnum(jobStatuses, {
    description:
      'queued: no target started; running: some targets pending; then succeeded (all targets), failed (none) ' +
      'or partially_failed',
  }),
  total: Type.Integer({ description: 'Number of targets' }),
  done: Type.Integer({ description: 'Targets finished successfully' }),
  failed: Type.Integer({ description: 'Targets that failed (nothing was written to them; POST /api/jobs/{id}/retry re-runs them)' }),
  conflicts: Type.Integer({ description: 'Items with a conflict, over all finished targets' }),
  params: Type.Record(Type.String(), Type.Unknown(), { description: 'What the job was asked to do (for a push: snapshotId, version, conflictPolicy, removeDeleted)' }),
  createdBy: ObjectId('The user who started the job'),
  createdByName: Type.String(),
  organizationId: ObjectId('The organization of the user who started the job'),
  createdAt: Timestamp(),
  startedAt: Nullable(Timestamp('When a worker first started one of its targets')),
  finishedAt: Nullable(Timestamp('When the last target finished; null while any is pending')),
}

export const JobSummarySchema = Type.Object(jobFields, { $id: 'JobSummary' })
export const JobSchema = Type.Object({ ...jobFields, targets: Type.Array(JobTargetSchema) }, { $id: 'Job' })

export type JobDto = Static<typeof JobSchema>
export type JobSummaryDto = Static<typeof JobSummarySchema>
export type TargetChanges = Static<typeof TargetChangesSchema>
export type TargetError = Static<typeof TargetErrorSchema>

export const JobListQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1\u2013200, default 50)' })),
    cursor: Type.Optional(Type.String({ maxLength: 100, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
)
export type JobListInput = Static<typeof JobListQuery>

export const JobResponse = Type.Object({ job: JobSchema })
export const JobStartedResponse = Type.Object({ message: Type.String(), job: JobSchema })
export const JobListResponse = Type.Object({ jobs: Type.Array(JobSummarySchema), nextCursor: Nullable(Type.String()) })
