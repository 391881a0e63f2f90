import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles, allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
import { CreateUserBody, UpdateUserBody, UserListQuery, UserSchema } from './users.schemas.ts'
import * as service from './users.service.ts'

const tags = ['Users']

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.post(
    '/api/user',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'post_user',
        summary: 'Create a user',
        description:
          'ADMIN: creates a user in their own organization with any role below SUPERADMIN (asking for SUPERADMIN ' +
          'is 403). SUPERADMIN: any role, in their organization or the one named by organizationId.',
        body: CreateUserBody,
        response: { 201: Described(Type.Object({ user: UserSchema }), 'The user, created'), ...authErrors(404, 409) },
      },
    },
    async (request, reply) => {
      const user = await service.createUser(ctx, request.actor, request.body)
      return reply.status(201).send({ user })
    },
  )

  app.get(
    '/api/user/list',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_users',
        summary: 'List the users of the caller\u2019s organization',
        querystring: UserListQuery,
        response: { 200: Described(Type.Object({ users: Type.Array(UserSchema) }), 'The users of the caller\u2019s organization'), ...authErrors() },
      },
    },
    async (request) => ({ users: await service.listUsers(ctx.db, request.actor, request.query.organizationId) }),
  )

  app.get(
    '/api/user/profile',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_user_profile',
        summary: 'The caller\u2019s own profile',
        response: { 200: Described(Type.Object({ user: UserSchema }), 'The caller\u2019s profile'), ...authErrors(404) },
      },
    },
    async (request) => ({ user: await service.getProfile(ctx.db, request.actor) }),
  )

  app.patch(
    '/api/user/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'patch_user',
        summary: 'Update a user of the caller\u2019s organization',
        description: 'Change profile fields, role (below SUPERADMIN) or loginDisabled. Disabling a user revokes their tokens.',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: Described(Type.Object({ user: UserSchema }), 'The user, updated'), ...authErrors(404, 422) },
      },
    },
    async (request) => ({ user: await service.updateUser(ctx.db, request.actor, request.params.id, request.body) }),
  )

  app.delete(
    '/api/user/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'delete_user',
        summary: 'Delete a user of the caller\u2019s organization',
        description: 'Also deletes the automations, prompts and templates they own.',
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The user was deleted'), ...authErrors(404, 422) },
      },
    },
    async (request) => {
      await service.deleteUser(ctx.db, request.actor, request.params.id)
      return { message: 'User deleted' }
    },
  )
}
