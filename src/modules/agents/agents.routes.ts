import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { adminRoles, allRoles } from '../../shared/roles.ts'
import { authErrors, IdParams, MessageResponse, Described } from '../../shared/schemas.ts'
import { AgentListQuery, AgentSchema, CreateAgentBody } from './agents.schemas.ts'
import * as service from './agents.service.ts'

const tags = ['AI Agents']

export const agentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ctx } = app

  app.get(
    '/api/agents',
    {
      config: { auth: allRoles },
      schema: {
        tags,
        operationId: 'get_agents',
        summary: 'List the organization\u2019s AI agents',
        querystring: AgentListQuery,
        response: { 200: Described(Type.Object({ agents: Type.Array(AgentSchema) }), 'The organization\u2019s AI agents'), ...authErrors() },
      },
    },
    async (request) => ({ agents: await service.listAgents(ctx.db, request.actor, request.query.organizationId) }),
  )

  app.post(
    '/api/agents',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'post_agent',
        summary: 'Create an AI agent',
        description:
          'The name must be unique within the organization (409). promptId, when given, must name a prompt of ' +
          'the agent\u2019s organization: a prompt that does not exist or belongs to another organization is 422 ' +
          '(a body reference that cannot be resolved, not a missing resource). Deleting the prompt later ' +
          'clears the agent\u2019s promptId.',
        body: CreateAgentBody,
        response: { 201: Described(Type.Object({ agent: AgentSchema }), 'The agent, created'), ...authErrors(404, 409, 422) },
      },
    },
    async (request, reply) => {
      const agent = await service.createAgent(ctx.db, request.actor, request.body)
      return reply.status(201).send({ agent })
    },
  )

  app.delete(
    '/api/agents/:id',
    {
      config: { auth: adminRoles },
      schema: {
        tags,
        operationId: 'delete_agent',
        summary: 'Delete an AI agent',
        description:
          'Automations that name the agent in actions.agentId keep the id; snapshots resolve agents when applied.',
        params: IdParams,
        response: { 200: Described(MessageResponse, 'The agent was deleted'), ...authErrors(404) },
      },
    },
    async (request) => {
      await service.deleteAgent(ctx.db, request.actor, request.params.id)
      return { message: 'AI agent deleted' }
    },
  )
}
