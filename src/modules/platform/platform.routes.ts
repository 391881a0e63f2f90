import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { superadminOnly } from '../../shared/roles.ts'
import { authErrors, ObjectId, Described } from '../../shared/schemas.ts'
import { CreateOrganizationBody } from './tenants.schemas.ts'
import { createOrganization } from './tenants.service.ts'

const tags = ['Organizations']

/** Platform operations that span modules: a new tenant is an organization plus its first ADMIN. */
export const platformRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.post(
    '/api/organizations',
    {
      config: { auth: superadminOnly },
      schema: {
        tags,
        operationId: 'post_organization',
        summary: 'Create an organization and its first ADMIN',
        description:
          'Name (case-insensitive) and phone must be unique (409). Credentials are optional; each value must be ' +
          'unused by other organizations (409). No pipeline is seeded.',
        body: CreateOrganizationBody,
        response: {
          201: Described(Type.Object({
            message: Type.String(),
            data: Type.Object({ organizationId: ObjectId(), adminUserId: ObjectId() }),
          }), 'The organization and its first ADMIN, created'),
          ...authErrors(409),
        },
      },
    },
    async (request, reply) => {
      const data = await createOrganization(ctx, request.body)
      return reply.status(201).send({ message: 'Organization created', data })
    },
  )
}
