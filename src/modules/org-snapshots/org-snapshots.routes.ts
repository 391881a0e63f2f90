import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from '@sinclair/typebox'
import { superadminOnly } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described, IdempotencyKeyHeaders } from '../../shared/schemas.ts'
import { lifecycleRoutes } from '../snapshots/lifecycle.routes.ts'
import { CreateSnapshotBody, VersionQuery } from '../snapshots/snapshot.schemas.ts'
import { itemsPageSchema, itemsPageSchemaOf, itemsQuerySchema } from '../snapshots/item-page.schemas.ts'
import { applyOrgSnapshot, dryRunOrgSnapshot } from './org-snapshot-apply.service.ts'
import {
  ApplyOrgQuery,
  ApplyOrgSnapshotRequest,
  ApplyOrgSnapshotResponse,
  CreateOrgSnapshotResponse,
  DryRunOrgSnapshotResponse,
  OrganizationIdParams,
  OrgSnapshotDetail,
  OrgSnapshotSummary,
  OrgSnapshotListQuery,
  OrgSnapshotListResponse,
  OrgUsersResponse,
} from './org-snapshots.schemas.ts'
import * as service from './org-snapshots.service.ts'
import { replyOnce } from '../idempotency/idempotent-reply.ts'

const tags = ['Org Snapshots']
const config = { auth: superadminOnly }

export const orgSnapshotsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  await app.register(lifecycleRoutes, {
    kind: 'org',
    base: '/api/org-snapshots',
    operation: 'org_snapshot',
    tags,
    auth: superadminOnly,
    readable: (db, _actor, id) => service.findOrgSnapshot(db, id),
    manageable: (db, _actor, id) => service.findOrgSnapshot(db, id),
    toSummary: service.toOrgSnapshotSummary,
    summarySchema: OrgSnapshotSummary,
  })

  app.post(
    '/api/org-snapshots',
    {
      config,
      schema: {
        tags,
        operationId: 'post_org_snapshot',
        summary: 'Create an organization snapshot',
        description:
          'Captures the source organization\u2019s pipelines with their stages, dynamic properties of every type, AI ' +
          'agents and the names (never the values) of its configured credentials, plus the source user\u2019s ' +
          'automations, prompts and templates with their stage and agent references. Superadmin only.',
        body: CreateSnapshotBody,
        headers: IdempotencyKeyHeaders,
        response: { 201: CreateOrgSnapshotResponse, ...authErrors(404, 409, 422) },
      },
    },
    async (request, reply) =>
      replyOnce(ctx, request, reply, {
        status: 201,
        run: (hooks) => service.createOrgSnapshot(ctx, request.actor, request.body, hooks),
        body: (snapshot) => ({ message: 'Snapshot created', snapshot }),
      }),
  )

  app.get(
    '/api/org-snapshots',
    {
      config,
      schema: {
        tags,
        operationId: 'get_org_snapshots',
        summary: 'List organization snapshots',
        description:
          'Newest first, without item bodies. `q` keeps those whose name contains it (any case); `scope=mine` those ' +
          'the caller created. Without `limit` every match is returned; with it, pages follow `nextCursor`.',
        querystring: OrgSnapshotListQuery,
        response: { 200: OrgSnapshotListResponse, ...authErrors() },
      },
    },
    async (request) => service.listOrgSnapshots(ctx.db, request.actor, request.query),
  )

  app.get(
    '/api/org-snapshots/:id',
    {
      config,
      schema: {
        tags,
        operationId: 'get_org_snapshot',
        summary: 'Get an organization snapshot',
        description:
          'Full detail: pipelines with stages, agents, dynamic properties, credential names, and the user items. ' +
          'Streamed as it is read; GET /api/org-snapshots/{id}/items pages one kind at a time.',
        params: IdParams,
        querystring: VersionQuery,
        response: { 200: Described(Type.Object({ snapshot: OrgSnapshotDetail }), 'The snapshot with its copies and references'), ...authErrors(404) },
      },
    },
    async (request, reply) => {
      const serializerOf = (schema: TSchema) => reply.compileSerializationSchema(schema)
      const body = await service.streamOrgSnapshot(ctx, request.params.id, request.query.version, serializerOf)
      return reply.type('application/json; charset=utf-8').send(body)
    },
  )

  app.get(
    '/api/org-snapshots/:id/items',
    {
      config,
      schema: {
        tags,
        operationId: 'get_org_snapshot_items',
        summary: 'Page through an organization snapshot\u2019s items',
        description:
          'The copies of one item kind (`kind`: pipeline (with its stages), dynamicProperties, automation, prompt, ' +
          'template or agent), `limit` at a time (1\u2013500, default 50), in the order GET of the snapshot lists ' +
          'them; follow `nextCursor` for the next page. Each item has the shape it has in GET of the snapshot. ' +
          'Superadmin only.',
        params: IdParams,
        querystring: itemsQuerySchema('org'),
        response: { 200: Described(itemsPageSchema('org'), 'One page of the copies of one kind'), ...authErrors(404) },
      },
    },
    async (request, reply) => {
      const page = await service.orgSnapshotItems(ctx.db, request.params.id, request.query)
      return reply.serializer(reply.compileSerializationSchema(itemsPageSchemaOf(page.kind))).send(page)
    },
  )

  app.delete(
    '/api/org-snapshots/:id',
    {
      config,
      schema: {
        tags,
        operationId: 'delete_org_snapshot',
        summary: 'Delete an organization snapshot',
        description: 'Organizations created from it are not affected.',
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The snapshot was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deleteOrgSnapshot(ctx.db, request.actor, request.params.id)
      return { message: 'Snapshot deleted' }
    },
  )

  app.get(
    '/api/org-snapshots/orgs/:organizationId/users',
    {
      config,
      schema: {
        tags,
        operationId: 'get_org_snapshot_source_users',
        summary: 'List users for a source organization',
        description: 'Helper for choosing whose automations, prompts and templates an organization snapshot captures.',
        params: OrganizationIdParams,
        response: { 200: Described(OrgUsersResponse, 'The users of that organization whose items can be captured'), ...authErrors(404) },
      },
    },
    async (request) => ({ users: await service.organizationUsers(ctx.db, request.params.organizationId) }),
  )

  app.post(
    '/api/org-snapshots/:id/apply',
    {
      config,
      schema: {
        tags,
        operationId: 'post_org_snapshot_apply',
        summary: 'Apply an organization snapshot',
        description:
          'Creates a new organization (with credentials, dynamic properties, pipelines and agents) by cloning the ' +
          'snapshot inside a single transaction. Optionally seeds a first admin user with cloned automations, ' +
          'prompts, and templates whose stage and agent references point at the new organization\u2019s copies. ' +
          'Secret values never come from a snapshot: pass them in `credentials`; `result.credentials.missing` ' +
          'lists those the source had that the new organization lacks. Name, phone, email or a credential value ' +
          'already in use: 409. ?dryRun=true returns the plan and writes nothing. Superadmin only.',
        params: IdParams,
        querystring: ApplyOrgQuery,
        headers: IdempotencyKeyHeaders,
        body: ApplyOrgSnapshotRequest,
        response: {
          200: DryRunOrgSnapshotResponse,
          201: ApplyOrgSnapshotResponse,
          ...authErrors(404, 409, 422),
        },
      },
    },
    async (request, reply) => {
      if (request.query.dryRun) return dryRunOrgSnapshot(ctx, request.actor, request.params.id, request.body, request.query.version)
      return replyOnce(ctx, request, reply, {
        status: 201,
        run: (hooks) => applyOrgSnapshot(ctx, request.actor, request.params.id, request.body, request.query.version, hooks),
        body: (result) => ({ message: 'Snapshot applied', result }),
      })
    },
  )
}
