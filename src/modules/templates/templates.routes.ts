import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
import { CreateTemplateBody, TemplateListQuery, TemplateSchema, UpdateTemplateBody } from './templates.schemas.ts'
import * as service from './templates.service.ts'

const tags = ['Templates']
const TemplateResponse = Type.Object({ template: TemplateSchema })
const ownerOnly =
  'Only the owner may change it: an ADMIN of its organization or a SUPERADMIN gets 403, anyone else 404.'

export const templatesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/user/sms-templates',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_templates',
        summary: 'List the caller\u2019s templates',
        description:
          'The caller\u2019s own templates, oldest first; type filters. With userId, an ADMIN lists those of a user ' +
          'of their organization and a SUPERADMIN those of any user (a user they cannot see is 404; other ' +
          'roles get 403).',
        querystring: TemplateListQuery,
        response: { 200: Described(Type.Object({ templates: Type.Array(TemplateSchema) }), 'The caller\u2019s templates'), ...authErrors(404) },
      },
    },
    async (request) => ({ templates: await service.listTemplates(ctx.db, request.actor, request.query) }),
  )

  app.post(
    '/api/templates',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'post_template',
        summary: 'Create a template owned by the caller',
        description: 'The name must be unique among the caller\u2019s templates (409).',
        body: CreateTemplateBody,
        response: { 201: Described(TemplateResponse, 'The template, created'), ...authErrors(409) },
      },
    },
    async (request, reply) => {
      const template = await service.createTemplate(ctx.db, request.actor, request.body)
      return reply.status(201).send({ template })
    },
  )

  app.get(
    '/api/templates/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_template',
        summary: 'Get a template',
        description: 'Readable by its owner, an ADMIN of its organization and any SUPERADMIN; 404 for anyone else.',
        params: IdParams,
        response: { 200: Described(TemplateResponse, 'The template'), ...authErrors(404) },
      },
    },
    async (request) => ({ template: await service.getTemplate(ctx.db, request.actor, request.params.id) }),
  )

  app.put(
    '/api/templates/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'put_template',
        summary: 'Update a template',
        description: `Only the fields given change. ${ownerOnly}`,
        params: IdParams,
        body: UpdateTemplateBody,
        response: { 200: Described(TemplateResponse, 'The template, updated'), ...authErrors(404, 409) },
      },
    },
    async (request) => ({
      template: await service.updateTemplate(ctx.db, request.actor, request.params.id, request.body),
    }),
  )

  app.delete(
    '/api/templates/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'delete_template',
        summary: 'Delete a template',
        description: ownerOnly,
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The template was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deleteTemplate(ctx.db, request.actor, request.params.id)
      return { message: 'Template deleted' }
    },
  )
}
