import type { Insertable, Selectable } from 'kysely'
import type { AiAgentsTable, Executor } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { conflict, unprocessable } from '../../shared/errors.ts'

export type AgentRow = Selectable<AiAgentsTable>

/** Same answer for a missing prompt and another organization's, so neither is revealed. */
export const unknownPrompt = () =>
  unprocessable('Invalid prompt reference', 'promptId does not name a prompt of the agent\u2019s organization', {
    field: 'promptId',
  })

const agentNameTaken = (name: string) => () =>
  conflict('Agent name already exists', `An AI agent named "${name}" already exists in this organization`, {
    field: 'name',
  })

export function listAgents(db: Executor, organizationId: string): Promise<AgentRow[]> {
  return db
    .selectFrom('ai_agents')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

export function findAgent(db: Executor, id: string): Promise<AgentRow | undefined> {
  return db.selectFrom('ai_agents').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function promptOfOrganizationExists(db: Executor, promptId: string, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('prompts')
    .select('id')
    .where('id', '=', promptId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
  return row !== undefined
}

export function insertAgent(db: Executor, row: Insertable<AiAgentsTable>): Promise<AgentRow> {
  return guardConstraints(db.insertInto('ai_agents').values(row).returningAll().executeTakeFirstOrThrow(), {
    ai_agents_organization_id_name_key: agentNameTaken(row.name),
    // The prompt was deleted between the service's check and this insert.
    ai_agents_prompt_id_fkey: unknownPrompt,
  })
}

export async function deleteAgent(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('ai_agents').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
