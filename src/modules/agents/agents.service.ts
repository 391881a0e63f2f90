import type { Executor } from '../../db/database.ts'
import { canSeeOrganization, targetOrganization, type Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import * as agents from './agents.repository.ts'
import type { AgentDto, CreateAgentInput } from './agents.schemas.ts'

export function toAgentDto(row: agents.AgentRow): AgentDto {
  return {
    _id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    promptId: row.prompt_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}


export async function listAgents(db: Executor, actor: Actor, organizationId: string | undefined): Promise<AgentDto[]> {
  return (await agents.listAgents(db, targetOrganization(actor, organizationId))).map(toAgentDto)
}

export async function createAgent(db: Executor, actor: Actor, input: CreateAgentInput): Promise<AgentDto> {
  const organizationId = targetOrganization(actor, input.organizationId)
  const promptId = input.promptId ?? null
  return db.transaction().execute(async (trx) => {
    if (organizationId !== actor.organizationId && !(await findOrganization(trx, organizationId))) {
      throw notFound('Organization')
    }
    if (promptId !== null && !(await agents.promptOfOrganizationExists(trx, promptId, organizationId))) {
      throw agents.unknownPrompt()
    }
    const row = await agents.insertAgent(trx, {
      organization_id: organizationId,
      name: input.name,
      description: input.description ?? '',
      prompt_id: promptId,
    })
    return toAgentDto(row)
  })
}

export async function deleteAgent(db: Executor, actor: Actor, id: string): Promise<void> {
  const row = await agents.findAgent(db, id)
  if (!row || !canSeeOrganization(actor, row.organization_id)) throw notFound('AI agent')
  if (!(await agents.deleteAgent(db, id))) throw notFound('AI agent')
}
