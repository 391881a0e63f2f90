import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
import { OwnerListQuery } from '../owned-items/owned-items.schemas.ts'
import {
  AutomationSchema,
  CreateAutomationBody,
  PreferenceBody,
  UpdateAutomationBody,
} from './automations.schemas.ts'
import * as service from './automations.service.ts'

const tags = ['Automations']
const AutomationResponse = Type.Object({ automation: AutomationSchema })
const ownerOnly =
  'Only the owner may change it: an ADMIN of its organization or a SUPERADMIN gets 403, anyone else 404.'

export const automationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/automations',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_automations',
        summary: 'List the caller\u2019s automations',
        description:
          'The caller\u2019s own automations, oldest first. With userId, an ADMIN lists those of a user of their ' +
          'organization and a SUPERADMIN those of any user (a user they cannot see is 404; other roles get 403).',
        querystring: OwnerListQuery,
        response: { 200: Described(Type.Object({ automations: Type.Array(AutomationSchema) }), 'The caller\u2019s automations'), ...authErrors(404) },
      },
    },
    async (request) => ({
      automations: await service.listAutomations(ctx.db, request.actor, request.query.userId),
    }),
  )

  app.post(
    '/api/automations',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'post_automation',
        summary: 'Create an automation owned by the caller',
        description:
          'The name must be unique among the caller\u2019s automations (409). Stage names in sourceStatuses and ' +
          'actions.targetStage are not checked against pipelines: stages may be renamed later, and snapshots ' +
          'resolve them when applied. actions.agentId is checked for its format only.',
        body: CreateAutomationBody,
        response: { 201: Described(AutomationResponse, 'The automation, created'), ...authErrors(409) },
      },
    },
    async (request, reply) => {
      const automation = await service.createAutomation(ctx.db, request.actor, request.body)
      return reply.status(201).send({ automation })
    },
  )

  app.get(
    '/api/automations/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_automation',
        summary: 'Get an automation',
        description: 'Readable by its owner, an ADMIN of its organization and any SUPERADMIN; 404 for anyone else.',
        params: IdParams,
        response: { 200: Described(AutomationResponse, 'The automation'), ...authErrors(404) },
      },
    },
    async (request) => ({ automation: await service.getAutomation(ctx.db, request.actor, request.params.id) }),
  )

  app.put(
    '/api/automations/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'put_automation',
        summary: 'Update an automation',
        description: `Only the fields given change. ${ownerOnly}`,
        params: IdParams,
        body: UpdateAutomationBody,
        response: { 200: Described(AutomationResponse, 'The automation, updated'), ...authErrors(404, 409) },
      },
    },
    async (request) => ({
      automation: await service.updateAutomation(ctx.db, request.actor, request.params.id, request.body),
    }),
  )

  app.patch(
    '/api/automations/:id/preference',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'patch_automation_preference',
        summary: 'Enable or disable an automation for its owner',
        description: `enabled is the owner\u2019s own preference. ${ownerOnly}`,
        params: IdParams,
        body: PreferenceBody,
        response: {
          200: Described(Type.Object({ message: Type.String(), automation: AutomationSchema }), 'The automation with its new enabled state'),
          ...authErrors(404),
        },
      },
    },
    async (request) => {
      const automation = await service.setPreference(ctx.db, request.actor, request.params.id, request.body.enabled)
      return { message: `Automation ${automation.enabled ? 'enabled' : 'disabled'} successfully`, automation }
    },
  )

  app.delete(
    '/api/automations/:id',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'delete_automation',
        summary: 'Delete an automation',
        description: ownerOnly,
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The automation was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deleteAutomation(ctx.db, request.actor, request.params.id)
      return { message: 'Automation deleted' }
    },
  )
}
