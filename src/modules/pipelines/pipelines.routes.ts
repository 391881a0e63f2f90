import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles, allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse } from '../../shared/schemas.ts'
import { CreatePipelineBody, PipelineListQuery, PipelineSchema, UpdatePipelineBody } from './pipelines.schemas.ts'
import * as service from './pipelines.service.ts'

const tags = ['Pipelines']
const PipelineResponse = Type.Object({ pipeline: PipelineSchema })

export const pipelinesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/pipelines',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        summary: 'List the organization\u2019s pipelines with their stages',
        description: 'Every pipeline of the caller\u2019s organization, oldest first; `type` filters by kind.',
        querystring: PipelineListQuery,
        response: { 200: Type.Object({ pipelines: Type.Array(PipelineSchema) }), ...authErrors() },
      },
    },
    async (request) => ({ pipelines: await service.listPipelines(ctx.db, request.actor, request.query) }),
  )

  app.post(
    '/api/pipelines',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        summary: 'Create a pipeline',
        description:
          'Stage names must be unique within the pipeline (400 naming the duplicates). A stage\u2019s position ' +
          'defaults to its index, its colour to #6B7280. isDefault: true unsets the previous default pipeline of ' +
          'the same type. Pipeline names need not be unique.',
        body: CreatePipelineBody,
        response: { 201: PipelineResponse, ...authErrors(404, 409) },
      },
    },
    async (request, reply) => {
      const pipeline = await service.createPipeline(ctx.db, request.actor, request.body)
      return reply.status(201).send({ pipeline })
    },
  )

  app.put(
    '/api/pipelines/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        summary: 'Update a pipeline and replace its stages',
        description:
          'Only the fields given change. `stages`, when given, replaces the list (see the field). Renaming a ' +
          'stage does not rewrite automations that name it; snapshots resolve stage names when applied.',
        params: IdParams,
        body: UpdatePipelineBody,
        response: { 200: PipelineResponse, ...authErrors(404, 409) },
      },
    },
    async (request) => ({
      pipeline: await service.updatePipeline(ctx.db, request.actor, request.params.id, request.body),
    }),
  )

  app.delete(
    '/api/pipelines/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        summary: 'Delete a pipeline and its stages',
        params: IdParams,
        response: { 200: MessageResponse, ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deletePipeline(ctx.db, request.actor, request.params.id)
      return { message: 'Pipeline deleted' }
    },
  )
}
