import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles } from '../../shared/roles.ts'
import { authErrors, Described, ObjectId } from '../../shared/schemas.ts'
import { ApplicationPage, ApplicationPageQuery } from './applications.schemas.ts'
import { applicationsIntoOrganization } from './applications.service.ts'

export const applicationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/organizations/:id/applications',
    {
      config: { auth: adminRoles },
      schema: {
        tags: ['Organizations'],
        operationId: 'get_organization_applications',
        summary: 'Which snapshots run in an organization',
        description:
          'Every successful apply of a user or org snapshot into this organization, newest first, with the version ' +
          'applied, who applied it, the counts and the mappings used. Applications outlive their snapshot. Admins may ' +
          'ask only for their own organization (another is 403); superadmins for any. Page with `limit` and `cursor`.',
        params: Type.Object({ id: ObjectId('Organization id') }),
        querystring: ApplicationPageQuery,
        response: { 200: Described(ApplicationPage, 'A page of applications, newest first'), ...authErrors(404) },
      },
    },
    async (request) => applicationsIntoOrganization(ctx.db, request.actor, request.params.id, request.query),
  )
}
