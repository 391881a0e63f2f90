import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import { adminRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, ObjectId, Described, IdempotencyKeyHeaders } from '../../shared/schemas.ts'
import { lifecycleRoutes } from '../snapshots/lifecycle.routes.ts'
import { CreateSnapshotBody, VersionQuery } from '../snapshots/snapshot.schemas.ts'
import { itemsPageSchema, itemsPageSchemaOf, itemsQuerySchema } from '../snapshots/item-page.schemas.ts'
import { applyUserSnapshot, dryRunUserSnapshot } from './user-snapshot-apply.service.ts'
import {
  ApplyQuery,
  ApplyRefsQuery,
  ApplyRefsResponse,
  ApplyUserSnapshotRequest,
  ApplyUserSnapshotResponse,
  AssignUserSnapshotRequest,
  AssignUserSnapshotResponse,
  CreateUserSnapshotResponse,
  DryRunUserSnapshotResponse,
  SourceUsersResponse,
  UserSnapshotDetail,
  UserSnapshotSummary,
  UserSnapshotListQuery,
  UserSnapshotListResponse,
} from './user-snapshots.schemas.ts'
import * as service from './user-snapshots.service.ts'
import { replyOnce } from '../idempotency/idempotent-reply.ts'

const tags = ['User Snapshots']

export const userSnapshotsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  await app.register(lifecycleRoutes, {
    kind: 'user',
    base: '/api/user-snapshots',
    operation: 'user_snapshot',
    tags,
    auth: adminRoles,
    readable: (db, actor, id) => service.visibleSnapshot(db, actor, id),
    manageable: service.ownedSnapshot,
    toSummary: service.toUserSnapshotSummary,
    summarySchema: UserSnapshotSummary,
  })

  app.post(
    '/api/user-snapshots',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'post_user_snapshot',
        summary: 'Create a user snapshot',
        description:
          'Captures full copies of the source user\u2019s automations, prompts and templates, and every pipeline-stage ' +
          'and agent reference they hold. Admins may only snapshot users of their own organization (another ' +
          'sourceOrgId is 403). The source user must belong to the source organization (else 404).',
        body: CreateSnapshotBody,
        headers: IdempotencyKeyHeaders,
        response: { 201: CreateUserSnapshotResponse, ...authErrors(404, 409, 422) },
      },
    },
    async (request, reply) =>
      replyOnce(ctx, request, reply, {
        status: 201,
        run: (hooks) => service.createUserSnapshot(ctx, request.actor, request.body, hooks),
        body: (snapshot) => ({ message: 'Snapshot created', snapshot }),
      }),
  )

  app.get(
    '/api/user-snapshots',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_user_snapshots',
        summary: 'List user snapshots',
        description:
          'Returns the list of user-level snapshots visible to the caller, newest first, without item bodies. ' +
          'Superadmins see all snapshots; admins see snapshots assigned to their organization or marked as global. ' +
          '`q` keeps those whose name contains it (any case); `scope` narrows to global ones, those assigned to the ' +
          'caller\u2019s organization, or the caller\u2019s own. Without `limit` every match is returned; with it, ' +
          'pages follow `nextCursor`.',
        querystring: UserSnapshotListQuery,
        response: { 200: UserSnapshotListResponse, ...authErrors() },
      },
    },
    async (request) => service.listUserSnapshots(ctx.db, request.actor, request.query),
  )

  app.get(
    '/api/user-snapshots/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_user_snapshot',
        summary: 'Get a user snapshot',
        description:
          'Full detail: the captured copies, the source references and the counts. Same access rules as the list. ' +
          'Streamed as it is read, so a snapshot of any size costs the server the same memory; to show a big ' +
          'snapshot a page at a time, use GET /api/user-snapshots/{id}/items.',
        params: IdParams,
        querystring: VersionQuery,
        response: { 200: Described(Type.Object({ snapshot: UserSnapshotDetail }), 'The snapshot with its copies and references'), ...authErrors(404) },
      },
    },
    async (request, reply) => {
      const serializerOf = (schema: TSchema) => reply.compileSerializationSchema(schema)
      const body = await service.streamUserSnapshot(ctx, request.actor, request.params.id, request.query.version, serializerOf)
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )

  app.get(
    '/api/user-snapshots/:id/items',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_user_snapshot_items',
        summary: 'Page through a user snapshot\u2019s items',
        description:
          'The copies of one item kind (`kind`: automation, prompt or template), `limit` at a time (1\u2013500, default ' +
          '50), in the order GET of the snapshot lists them (by name); follow `nextCursor` for the next page. Each ' +
          'item has the shape it has in GET of the snapshot. Same access rules as GET of the snapshot.',
        params: IdParams,
        querystring: itemsQuerySchema('user'),
        response: { 200: Described(itemsPageSchema('user'), 'One page of the copies of one kind'), ...authErrors(404) },
      },
    },
    async (request, reply) => {
      const page = await service.userSnapshotItems(ctx.db, request.actor, request.params.id, request.query)
      return reply.serializer(reply.compileSerializationSchema(itemsPageSchemaOf(page.kind))).send(page)
    },
  )

  app.delete(
    '/api/user-snapshots/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'delete_user_snapshot',
        summary: 'Delete a user snapshot',
        description: 'Admins may delete only snapshots they created; superadmins any. Applied copies are not affected.',
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The snapshot was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deleteUserSnapshot(ctx.db, request.actor, request.params.id)
      return { message: 'Snapshot deleted' }
    },
  )

  app.get(
    '/api/user-snapshots/orgs/:orgId/users',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_user_snapshot_source_users',
        summary: 'List users for a source organization',
        description: 'Helper for the snapshot-creation UI. Admins may only ask for their own organization.',
        params: Type.Object({ orgId: ObjectId('Organization id') }),
        response: { 200: Described(SourceUsersResponse, 'The users of that organization who can be snapshotted'), ...authErrors(404) },
      },
    },
    async (request) => ({ users: await service.sourceUsers(ctx.db, request.actor, request.params.orgId) }),
  )

  app.patch(
    '/api/user-snapshots/:id/assign',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'patch_user_snapshot_assign',
        summary: 'Update snapshot assignment / global flag',
        description:
          'Updates which organizations a snapshot is assigned to and whether it is globally visible. Superadmins ' +
          'may set both assignedOrgIds and isGlobal; admins may only toggle isGlobal on snapshots they created ' +
          '(sending assignedOrgIds is 403). assignedOrgIds replaces the list (duplicates removed) and must name ' +
          'existing organizations (else 400). An empty body is 400.',
        params: IdParams,
        body: AssignUserSnapshotRequest,
        response: { 200: AssignUserSnapshotResponse, ...authErrors(404) },
      },
    },
    async (request) => ({
      message: 'Snapshot access updated',
      snapshot: await service.assignUserSnapshot(ctx.db, request.actor, request.params.id, request.body),
    }),
  )

  app.get(
    '/api/user-snapshots/:id/apply-refs',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'get_user_snapshot_apply_refs',
        summary: 'Get apply references (pipeline stages and agents)',
        description:
          'The pipeline-stage and agent references recorded in the snapshot, with the target organization\u2019s ' +
          'pipelines and agents: the possible mapping targets for apply.',
        params: IdParams,
        querystring: ApplyRefsQuery,
        response: { 200: ApplyRefsResponse, ...authErrors(404) },
      },
    },
    async (request) => service.applyRefs(ctx.db, request.actor, request.params.id, request.query),
  )

  app.post(
    '/api/user-snapshots/:id/apply',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'post_user_snapshot_apply',
        summary: 'Apply a user snapshot',
        description:
          'Creates a new user in the caller organization (a superadmin may name another with ?organizationId=) and ' +
          'clones the snapshot automations, prompts, and templates (with pipeline-stage and agent mappings) inside a ' +
          'single transaction. Same-org applies skip automations and templates to avoid duplicates, clone the ' +
          'selectedPromptNames prompts (all when absent) and map the rest. References resolve by explicit mapping, ' +
          'then by name in the target organization; any unresolved reference is 422 listing every one. ' +
          '?dryRun=true returns the plan and writes nothing.',
        params: IdParams,
        querystring: ApplyQuery,
        headers: IdempotencyKeyHeaders,
        body: ApplyUserSnapshotRequest,
        response: {
          200: DryRunUserSnapshotResponse,
          201: ApplyUserSnapshotResponse,
          ...authErrors(404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      const { actor, params, query, body } = request
      if (query.dryRun) return dryRunUserSnapshot(ctx, actor, params.id, body, query)
      return replyOnce(ctx, request, reply, {
        status: 201,
        run: (hooks) => applyUserSnapshot(ctx, actor, params.id, body, query, hooks),
        body: (result) => ({ message: 'Snapshot applied', result }),
      })
    },
  )
}
