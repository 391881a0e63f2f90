import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, Timestamp } from '../../shared/schemas.ts'

export const CreateAgentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Unique within the organization (409)' }),
    description: Type.Optional(Type.String({ maxLength: 2000, default: '' })),
    promptId: Type.Optional(
      Nullable(ObjectId('A prompt of the agent\u2019s organization (any owner); another id is 422')),
    ),
    organizationId: Type.Optional(
      ObjectId('SUPERADMIN only: the organization to create it in (default: the caller\u2019s)'),
    ),
  },
  { additionalProperties: false },
)
export type CreateAgentInput = Static<typeof CreateAgentBody>

export const AgentListQuery = Type.Object(
  { organizationId: Type.Optional(ObjectId('SUPERADMIN only: list another organization\u2019s agents')) },
  { additionalProperties: false },
)

export const AgentSchema = Type.Object(
  {
    _id: ObjectId('AI agent id; automations refer to agents by it (actions.agentId)'),
    organizationId: ObjectId(),
    name: Type.String(),
    description: Type.String(),
    promptId: Nullable(ObjectId('The prompt the agent runs; null when none or when that prompt was deleted')),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Agent' },
)
export type AgentDto = Static<typeof AgentSchema>
