import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
import { OwnerListQuery } from '../owned-items/owned-items.schemas.ts'
import { CreatePromptBody, PromptSchema, UpdatePromptBody } from './prompts.schemas.ts'
import * as service from './prompts.service.ts'

const tags = ['Prompts']
const PromptResponse = Type.Object({ prompt: PromptSchema })
const ownerOnly =
  'Only the owner may change it: a user it is granted to, an ADMIN of its organization or a SUPERADMIN ' +
  'gets 403, anyone else 404.'

export const promptsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/prompts/user',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_prompts',
        summary: 'List the caller\u2019s prompts, owned and granted',
        description:
          'The caller\u2019s own prompts (mapped: false), then the prompts granted to them by a same-organization ' +
          'snapshot apply (mapped: true). With userId, an ADMIN lists a user of their organization and a ' +
          'SUPERADMIN any user (a user they cannot see is 404; other roles get 403). A hidden prompt\u2019s text ' +
          'is null unless the caller owns it or is ADMIN/SUPERADMIN.',
        querystring: OwnerListQuery,
        response: { 200: Described(Type.Object({ prompts: Type.Array(PromptSchema) }), 'The caller\u2019s prompts: their own and those granted to them (mapped)'), ...authErrors(404) },
      },
    },
    async (request) => ({ prompts: await service.listPrompts(ctx.db, request.actor, request.query.userId) }),
  )

  app.post(
    '/api/prompts',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'post_prompt',
        summary: 'Create a prompt owned by the caller',
        description: 'The name must be unique among the caller\u2019s prompts (409). copiedFrom* are set only by snapshot applies.',
        body: CreatePromptBody,
        response: { 201: Described(PromptResponse, 'The prompt, created'), ...authErrors(409) },
      },
    },
    async (request, reply) => {
      const prompt = await service.createPrompt(ctx.db, request.actor, request.body)
      return reply.status(201).send({ prompt })
    },
  )

  app.get(
    '/api/prompts/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_prompt',
        summary: 'Get a prompt',
        description:
          'Readable by its owner, the users it is granted to (mapped: true), an ADMIN of its organization and any ' +
          'SUPERADMIN; 404 for anyone else.',
        params: IdParams,
        response: { 200: Described(PromptResponse, 'The prompt'), ...authErrors(404) },
      },
    },
    async (request) => ({ prompt: await service.getPrompt(ctx.db, request.actor, request.params.id) }),
  )

  app.put(
    '/api/prompts/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'put_prompt',
        summary: 'Update a prompt',
        description: `Only the fields given change. ${ownerOnly}`,
        params: IdParams,
        body: UpdatePromptBody,
        response: { 200: Described(PromptResponse, 'The prompt, updated'), ...authErrors(404, 409) },
      },
    },
    async (request) => ({ prompt: await service.updatePrompt(ctx.db, request.actor, request.params.id, request.body) }),
  )

  app.delete(
    '/api/prompts/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'delete_prompt',
        summary: 'Delete a prompt',
        description: `Its grants go with it. ${ownerOnly}`,
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The prompt was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deletePrompt(ctx.db, request.actor, request.params.id)
      return { message: 'Prompt deleted' }
    },
  )
}
