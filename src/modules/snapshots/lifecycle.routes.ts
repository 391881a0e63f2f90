import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import type { Executor, SnapshotKind } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import type { AccessRole } from '../../shared/roles.ts'
import { authErrors, Described, IdempotencyKeyHeaders, IdParams, Nullable, ObjectId, Timestamp } from '../../shared/schemas.ts'
import { replyOnce } from '../idempotency/idempotent-reply.ts'
import { ApplicationPage, ApplicationPageQuery } from '../applications/applications.schemas.ts'
import { applicationsOfSnapshot } from '../applications/applications.service.ts'
import { countsSchema } from './item-kind.schemas.ts'
import { kindsOf } from './item-kinds.ts'
import { snapshotDescription } from './snapshot.schemas.ts'
import { mayReadHidden } from './snapshot-views.ts'
import type { SnapshotRow } from './snapshots.repository.ts'
import { createVersion, diffOf, versionsOf, type CreatedVersion } from './versions.service.ts'

/**
 * The lifecycle routes of a snapshot kind (SPEC §7.2, §7.3): versions, diff and
 * applications. Both kinds mount them with their own access rules, so the rules
 * stay in their feature modules and the routes are the same for both.
 */
export interface LifecycleRoutesOptions {
  kind: SnapshotKind
  /** `/api/user-snapshots` or `/api/org-snapshots` (not `prefix`: Fastify would prefix the routes with it). */
  base: string
  /** operationId prefix: `user_snapshot` or `org_snapshot`. */
  operation: string
  tags: string[]
  auth: readonly AccessRole[]
  /** The snapshot if the caller may read it (else 404). */
  readable(db: Executor, actor: Actor, id: string): Promise<SnapshotRow>
  /** The snapshot if the caller may manage it (create versions: those who may delete it; 403/404). */
  manageable(db: Executor, actor: Actor, id: string): Promise<SnapshotRow>
  toSummary(row: SnapshotRow): Record<string, unknown>
  summarySchema: TSchema
}

const changeCounts = Type.Object({
  added: Type.Integer({ minimum: 0 }),
  removed: Type.Integer({ minimum: 0 }),
  changed: Type.Integer({ minimum: 0 }),
})

function diffSchema(kind: SnapshotKind) {
  const kinds = kindsOf(kind).map((k) => k.kind)
  return Type.Object({
    from: Type.Integer({ minimum: 1 }),
    to: Type.Integer({ minimum: 1 }),
    summary: changeCounts,
    changes: Type.Array(
      Type.Object({
        kind: Type.String({ description: `The item kind: ${kinds.join(', ')}` }),
        name: Type.String({ description: 'The item\u2019s name (in `to`; in `from` when removed)' }),
        change: Type.Union([Type.Literal('added'), Type.Literal('removed'), Type.Literal('changed')]),
        previousName: Type.Optional(Type.String({ description: 'Renamed items: the name in `from`' })),
        fields: Type.Optional(
          Type.Array(
            Type.Object({
              path: Type.String({ description: 'JSON Pointer into the item, e.g. /actions/targetStage' }),
              from: Type.Optional(Type.Unknown({ description: 'The value in `from` (absent: the field was added)' })),
              to: Type.Optional(Type.Unknown({ description: 'The value in `to` (absent: the field was removed)' })),
            }),
          ),
        ),
      }),
    ),
  })
}

export const lifecycleRoutes: FastifyPluginAsyncTypebox<LifecycleRoutesOptions> = async (app, options) => {
  const { ctx } = app
  const { kind, base, operation, tags, auth } = options
  const noun = kind === 'user' ? 'user snapshot' : 'organization snapshot'

  app.post(
    `${base}/:id/versions`,
    {
      config: { auth },
      schema: {
        tags,
        operationId: `post_${operation}_version`,
        summary: `Capture a new version of a ${noun}`,
        description:
          'Captures the snapshot\u2019s source (the same organization and user) again as its next version, which ' +
          'becomes the latest: GET, apply and export use it unless `?version=` names another. Earlier versions stay ' +
          'as they were. `changes` counts the items added, removed and changed since the previous version. Who: ' +
          'those who may delete the snapshot. A source that no longer exists is 422.',
        params: IdParams,
        headers: IdempotencyKeyHeaders,
        body: Type.Object({ description: Type.Optional(snapshotDescription) }, { additionalProperties: false }),
        response: {
          201: Type.Object(
            { message: Type.String(), snapshot: options.summarySchema, changes: changeCounts },
            { description: 'The new version is the latest: the summary, and what changed since the previous version' },
          ),
          ...authErrors(404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const row = await options.manageable(ctx.db, request.actor, request.params.id)
      const redact = !mayReadHidden(request.actor, row)
      return replyOnce(ctx, request, reply, {
        status: 201,
        run: (hooks) => createVersion(ctx.db, request.actor, row, request.body.description, redact, hooks),
        body: ({ row: latest, changes }: CreatedVersion) => ({ message: 'Snapshot version created', snapshot: options.toSummary(latest), changes }),
      })
    },
  )

  app.get(
    `${base}/:id/versions`,
    {
      config: { auth },
      schema: {
        tags,
        operationId: `get_${operation}_versions`,
        summary: `List the versions of a ${noun}`,
        description: 'Every version, newest first, with who captured it, when, and what it holds. Same access as GET of the snapshot.',
        params: IdParams,
        response: {
          200: Type.Object({
            versions: Type.Array(
              Type.Object({
                version: Type.Integer({ minimum: 1 }),
                description: Nullable(Type.String()),
                createdAt: Timestamp(),
                createdBy: ObjectId('Who captured the version'),
                createdByName: Type.String(),
                counts: countsSchema(kind, 'summary'),
              }),
            ),
          }, { description: 'Every version, newest first' }),
          ...authErrors(404),
        },
      },
    },
    async (request) => {
      const row = await options.readable(ctx.db, request.actor, request.params.id)
      return { versions: await versionsOf(ctx.db, row) }
    },
  )

  app.get(
    `${base}/:id/diff`,
    {
      config: { auth },
      schema: {
        tags,
        operationId: `get_${operation}_diff`,
        summary: `Compare two versions of a ${noun}`,
        description:
          'Every item added, removed or changed between version `from` and version `to`, matched by the item it was ' +
          'captured from (so a renamed item is one `changed` entry with `path: "/name"`), with each changed field as ' +
          'a JSON Pointer and its two values. Unknown versions are 404. Same access as GET of the snapshot; hidden ' +
          'prompt text is shown only to those who may read it.',
        params: IdParams,
        querystring: Type.Object(
          {
            from: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The older version' }),
            to: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The newer version' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Described(diffSchema(kind), 'What changed between the two versions, item by item and field by field'), ...authErrors(404) },
      },
    },
    async (request) => {
      const row = await options.readable(ctx.db, request.actor, request.params.id)
      return diffOf(ctx.db, row, request.query.from, request.query.to, !mayReadHidden(request.actor, row))
    },
  )

  app.get(
    `${base}/:id/applications`,
    {
      config: { auth },
      schema: {
        tags,
        operationId: `get_${operation}_applications`,
        summary: `Where a ${noun} was applied`,
        description:
          'Every successful apply of this snapshot, newest first: the version applied, the target organization and ' +
          'user, who applied it, the counts and the mappings used. A superadmin sees all; an admin only those into ' +
          'their own organization. Page with `limit` and `cursor`.',
        params: IdParams,
        querystring: ApplicationPageQuery,
        response: { 200: Described(ApplicationPage, 'A page of applications, newest first'), ...authErrors(404) },
      },
    },
    async (request) => {
      const row = await options.readable(ctx.db, request.actor, request.params.id)
      return applicationsOfSnapshot(ctx.db, request.actor, kind, row.id, request.query)
    },
  )
}
