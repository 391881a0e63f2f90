import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { FreeFormObject, Nullable } from '../../../shared/schemas.ts'
import type { ItemKind } from '../item-kind.ts'

export const PromptCopySchema = Type.Object(
  {
    sourceId: Type.String(),
    name: Type.String(),
    prompt: Nullable(Type.String({ description: 'The prompt text; null when the prompt is hidden from the caller (SPEC §10)' })),
    description: Nullable(Type.String()),
    temperature: Nullable(Type.Number()),
    responseTime: Nullable(Type.Number()),
    isHidden: Type.Boolean(),
    tools: Type.Array(FreeFormObject()),
    toolConfigs: FreeFormObject(),
  },
  { additionalProperties: true },
)

/**
 * A user's AI prompt. Clones record where they came from (copiedFrom*). A
 * same-organization apply clones only the selected prompts and grants the new
 * user use of the others instead of copying them (SPEC §5.3).
 */
export const promptKind: ItemKind = {
  kind: 'prompt',
  scope: 'user',
  liveTable: 'prompts',
  snapshotTable: 'snapshot_prompts',
  owner: 'user',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'prompt', 'description', 'temperature', 'response_time', 'is_hidden', 'tools', 'tool_configs'],
  countKey: 'prompts',
  counted: { summary: true, cloned: true },
  applyFlag: 'applyPrompts',
  sameOrganization: { grantStep: 'promptGrants' },
  step: 'prompts',
  listedInPlan: true,
  view: {
    field: 'prompts',
    orderBy: 'name',
    fields: {
      sourceId: 'source_id',
      name: 'name',
      prompt: 'prompt',
      description: 'description',
      temperature: 'temperature',
      responseTime: 'response_time',
      isHidden: 'is_hidden',
      tools: 'tools',
      toolConfigs: 'tool_configs',
    },
  },
  copySchema: PromptCopySchema,
  hidden: { flagColumn: 'is_hidden', fields: ['prompt'] },
  clone: (target) => ({
    values: {
      copied_from: sql`c.source_id`,
      copied_from_name: sql`c.name`,
      copied_from_org: sql`${target.sourceOrgId}::text`,
    },
    where: target.onlyNames === null ? undefined : sql`c.name = any(${[...target.onlyNames]}::text[])`,
  }),
}
