import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles, allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
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
        operationId: 'get_pipelines',
        summary: 'List the organization\u2019s pipelines with their stages',
        description: 'Every pipeline of the caller\u2019s organization, oldest first; `type` filters by kind.',
        querystring: PipelineListQuery,
        response: { 200: Described(Type.Object({ pipelines: Type.Array(PipelineSchema) }), 'The organization\u2019s pipelines with their stages'), ...authErrors() },
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
        operationId: 'post_pipeline',
        summary: 'Create a pipeline',
        description:
          'Stage names must be unique within the pipeline (400 naming the duplicates). A stage\u2019s position ' +
          'defaults to its index, its colour to #6B7280. isDefault: true unsets the previous default pipeline of ' +
          'the same type. Pipeline names need not be unique.',
        body: CreatePipelineBody,
        response: { 201: Described(PipelineResponse, 'The pipeline with its stages, created'), ...authErrors(404, 409) },
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
        operationId: 'put_pipeline',
        summary: 'Update a pipeline and replace its stages',
        description:
          'Only the fields given change. `stages`, when given, replaces the list (see the field). Renaming a ' +
          'stage does not rewrite automations that name it; snapshots resolve stage names when applied.',
        params: IdParams,
        body: UpdatePipelineBody,
        response: { 200: Described(PipelineResponse, 'The pipeline with its new stages'), ...authErrors(404, 409) },
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
        operationId: 'delete_pipeline',
        summary: 'Delete a pipeline and its stages',
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The pipeline and its stages were deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deletePipeline(ctx.db, request.actor, request.params.id)
      return { message: 'Pipeline deleted' }
    },
  )
}
