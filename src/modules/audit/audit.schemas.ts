import { Type, type Static } from '@sinclair/typebox'
import { auditActions } from '../../db/database.ts'
import { Nullable, ObjectId, StringEnum, Timestamp } from '../../shared/schemas.ts'

export const AuditActionSchema = StringEnum(auditActions, { description: 'What happened to the snapshot' })

export const AuditEvent = Type.Object(
  {
    _id: ObjectId('Event id'),
    action: AuditActionSchema,
    snapshotKind: StringEnum(['user', 'org'] as const, { description: 'Kind of the snapshot' }),
    snapshotId: ObjectId('The snapshot (it may since have been deleted)'),
    version: Type.Optional(Type.Integer({ description: 'The snapshot version the action concerned' })),
    actorId: ObjectId('Who did it'),
    actorName: Type.String({ description: 'Their name at the time' }),
    actorRole: Type.String({ description: 'Their role at the time' }),
    organizationId: ObjectId('The actor\u2019s organization'),
    targetOrganizationId: Type.Optional(ObjectId('The organization the action wrote into (apply, push)')),
    applicationId: Type.Optional(ObjectId('The application an apply recorded')),
    jobId: Type.Optional(ObjectId('The background job (push)')),
    details: Type.Unsafe<Record<string, unknown>>({
      type: 'object',
      additionalProperties: true,
      description: 'What the action did, by action: name and counts, the new access, the created user or organization, \u2026',
    }),
    at: Timestamp('When it happened (the time of its transaction)'),
  },
  { additionalProperties: false },
)

export const AuditEventListQuery = Type.Object(
  {
    snapshotId: Type.Optional(ObjectId('Only events of this snapshot')),
    organizationId: Type.Optional(
      ObjectId('Only events whose actor belongs to, or whose target is, this organization (an ADMIN may name only their own)'),
    ),
    action: Type.Optional(AuditActionSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Page size (default 50)' })),
    cursor: Type.Optional(
      Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
)
export type AuditEventListInput = Static<typeof AuditEventListQuery>

export const AuditEventListResponse = Type.Object(
  {
    events: Type.Array(AuditEvent),
    nextCursor: Nullable(Type.String({ description: 'Cursor of the next page; null on the last page' })),
  },
  { description: 'One page of audit events, newest first' },
)
