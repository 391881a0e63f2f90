import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { adminRoles, superadminOnly } from '../../shared/roles.ts'
import { authErrors, Described, IdempotencyKeyHeaders, IdParams } from '../../shared/schemas.ts'
import { replyOnce } from '../idempotency/idempotent-reply.ts'
import { JobStartedResponse } from '../jobs/jobs.schemas.ts'
import { findOrgSnapshot } from '../org-snapshots/org-snapshots.service.ts'
import type { LifecycleRoutesOptions } from '../snapshots/lifecycle.routes.ts'
import { visibleSnapshot } from '../user-snapshots/user-snapshots.service.ts'
import { PushBody, PushDryRunResponse, PushQuery } from './push.schemas.ts'
import { dryRunPush, startPush, type PushUseCase } from './push.service.ts'

/** What the push routes of a snapshot kind need: the part of its lifecycle routes' options that reads. */
type PushRoute = Pick<LifecycleRoutesOptions, 'kind' | 'base' | 'operation' | 'tags' | 'auth' | 'readable'>

const routes: PushRoute[] = [
  {
    kind: 'user',
    base: '/api/user-snapshots',
    operation: 'user_snapshot',
    tags: ['User Snapshots'],
    auth: adminRoles,
    readable: (db, actor, id) => visibleSnapshot(db, actor, id),
  },
  {
    kind: 'org',
    base: '/api/org-snapshots',
    operation: 'org_snapshot',
    tags: ['Org Snapshots'],
    auth: superadminOnly,
    readable: (db, _actor, id) => findOrgSnapshot(db, id),
  },
]

/** POST /api/{user|org}-snapshots/{id}/push (SPEC §7.5), the same for both kinds. */
export const pushRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app
  for (const route of routes) {
    const noun = route.kind === 'user' ? 'user snapshot' : 'organization snapshot'
    app.post(
      `${route.base}/:id/push`,
      {
        config: { auth: route.auth },
        schema: {
          tags: route.tags,
          operationId: `post_${route.operation}_push`,
          summary: `Push a version of a ${noun} to where it was applied`,
          description:
            'Updates the users and organizations this snapshot was applied to with a version (default: the latest), ' +
            'keeping their local edits: a three-way merge per item and per field between the version the target ' +
            'stands on (base), the pushed version (theirs) and the target now (mine, found through lineage, not by ' +
            'name). New items are created (a local item with the same name is a conflict); removed items are deleted ' +
            'only with removeDeleted and only when unchanged locally; items changed on both sides merge field by field, ' +
            'and a field changed on both sides is a conflict settled by conflictPolicy; items deleted locally stay ' +
            'deleted. Stage and agent references resolve per target with the application\u2019s stored mappings, then ' +
            'through lineage, then by name; an unresolved reference fails that target. Each target is updated in its ' +
            'own transaction, whole or not at all, by a background job: 202 with the job, poll GET /api/jobs/{id}. ' +
            '?dryRun=true answers 200 with what would happen to each target and writes nothing. ' +
            (route.kind === 'user'
              ? 'ADMINs push only to applications into their own organization; the snapshot must be visible to them.'
              : 'SUPERADMIN only.'),
          params: IdParams,
          querystring: PushQuery,
          headers: IdempotencyKeyHeaders,
          body: PushBody,
          response: {
            200: PushDryRunResponse,
            202: Described(JobStartedResponse, 'Accepted: the push runs in the background; poll GET /api/jobs/{id}'),
            ...authErrors(404, 409, 422),
          },
        },
      },
      async (request, reply) => {
        const { actor, params, query, body } = request
        const useCase: PushUseCase = { kind: route.kind, actor, load: (db) => route.readable(db, actor, params.id) }
        if (query.dryRun) return dryRunPush(ctx, useCase, body)
        return replyOnce(ctx, request, reply, {
          status: 202,
          run: (hooks) => startPush(ctx, useCase, body, hooks),
          body: (job) => ({ message: 'Push started', job }),
        })
      },
    )
  }
}
