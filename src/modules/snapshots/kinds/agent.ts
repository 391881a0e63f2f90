import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { Nullable } from '../../../shared/schemas.ts'
import type { ItemKind } from '../item-kind.ts'

export const AgentCopySchema = Type.Object({
  sourceId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  promptId: Nullable(Type.String()),
})

/**
 * An organization's AI agent, cloned under its planned id (automations' agentId
 * references resolve to it). Its prompt points at the first user's copy of that
 * prompt when there is one, never at the source organization's row; so the agent
 * step runs after the prompt step.
 */
export const agentKind: ItemKind = {
  kind: 'agent',
  scope: 'org',
  liveTable: 'ai_agents',
  snapshotTable: 'snapshot_agents',
  owner: 'organization',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'description', 'prompt_id'],
  countKey: 'agents',
  counted: { summary: false, cloned: true },
  step: 'agents',
  idPlanned: true,
  listedInPlan: true,
  view: {
    field: 'agents',
    orderBy: 'name',
    fields: { sourceId: 'source_id', name: 'name', description: 'description', promptId: 'prompt_id' },
  },
  copySchema: AgentCopySchema,
  clone: (target) => ({
    values: { id: sql`m.value`, prompt_id: sql`copy.id` },
    joins: sql`join jsonb_each_text(${JSON.stringify(target.plannedIds.agent ?? {})}::jsonb) as m on m.key = c.source_id
      left join prompts copy on copy.user_id = ${target.userId} and copy.copied_from = c.prompt_id`,
  }),
}
