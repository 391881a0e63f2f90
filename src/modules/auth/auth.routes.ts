import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { allRoles } from '../../shared/roles.ts'
import { AccessRoleSchema, authErrors, Email, errorResponses, ObjectId, Described } from '../../shared/schemas.ts'
import * as service from './auth.service.ts'

const tags = ['Auth']

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.post(
    '/api/auth/login',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        operationId: 'post_login',
        summary: 'Sign in',
        description:
          'Returns a JWT for the Authorization: Bearer header. Wrong email or password: 401 (the same answer for ' +
          'both). A disabled account: 403. Repeated failures from one address: 429 with Retry-After.',
        body: Type.Object(
          { email: Email(), password: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Described(Type.Object({
            token: Type.String({ description: 'JWT (HS256); expires after JWT_TTL' }),
            user: Type.Object({
              id: ObjectId(),
              email: Type.String(),
              fullName: Type.String(),
              organizationId: ObjectId(),
              accessRole: AccessRoleSchema,
            }),
          }), 'Signed in: a token and who it belongs to'),
          ...errorResponses(401, 403, 429),
        },
      },
    },
    async (request) => service.login(ctx, request.body.email, request.body.password, request.ip),
  )

  app.get(
    '/api/auth/verify-token',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_verify_token',
        summary: 'Check a token',
        description: '200 while the token is valid and its user may still sign in; 401 otherwise.',
        response: {
          200: Described(Type.Object({
            message: Type.String(),
            user: Type.Object({
              id: ObjectId(),
              email: Type.String(),
              fullName: Type.String(),
              organizationId: ObjectId(),
              accessRole: AccessRoleSchema,
            }),
          }), 'The token is valid: the user it belongs to'),
          ...authErrors(),
        },
      },
    },
    async (request) => ({
      message: 'Token is good',
      user: {
        id: request.actor.id,
        email: request.actor.email,
        fullName: request.actor.fullName,
        organizationId: request.actor.organizationId,
        accessRole: request.actor.role,
      },
    }),
  )
}
