import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { FreeFormObject, Nullable } from '../../../shared/schemas.ts'
import type { ItemKind } from '../item-kind.ts'

export const AutomationCopySchema = Type.Object(
  {
    sourceId: Type.String({ description: 'Id of the automation this copy was taken from' }),
    name: Type.String(),
    description: Type.String(),
    event: Type.String(),
    triggerType: Type.String(),
    sourceStatuses: Type.Array(Type.String()),
    actions: FreeFormObject(),
    conditions: Type.Array(FreeFormObject()),
    maxTransitions: Nullable(Type.Integer()),
    enabled: Type.Boolean(),
  },
  { additionalProperties: true },
)

/**
 * A user's automation. Its stage and agent references (sourceStatuses,
 * actions.targetStage, actions.agentId) are rewritten for the target on clone;
 * clones are enabled for their new owner.
 */
export const automationKind: ItemKind = {
  kind: 'automation',
  scope: 'user',
  liveTable: 'automations',
  snapshotTable: 'snapshot_automations',
  owner: 'user',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'description', 'event', 'trigger_type', 'source_statuses', 'actions', 'conditions', 'max_transitions', 'enabled'],
  resolvesReferences: true,
  countKey: 'automations',
  counted: { summary: true, cloned: true },
  applyFlag: 'applyAutomations',
  sameOrganization: 'skip',
  step: 'automations',
  listedInPlan: true,
  view: {
    field: 'automations',
    orderBy: 'name',
    fields: {
      sourceId: 'source_id',
      name: 'name',
      description: 'description',
      event: 'event',
      triggerType: 'trigger_type',
      sourceStatuses: 'source_statuses',
      actions: 'actions',
      conditions: 'conditions',
      maxTransitions: 'max_transitions',
      enabled: 'enabled',
    },
  },
  copySchema: AutomationCopySchema,
  clone: (target) => ({
    values: {
      source_statuses: sql`coalesce(r.source_statuses, c.source_statuses)`,
      actions: sql`c.actions || coalesce(r.actions_patch, '{}'::jsonb)`,
      enabled: sql`true`,
    },
    // Rewrites arrive as one JSON parameter (only automations whose references change), joined by name.
    joins: sql`left join jsonb_to_recordset(${JSON.stringify(
      target.rewrites.map((r) => ({ name: r.name, source_statuses: r.sourceStatuses, actions_patch: r.actionsPatch })),
    )}::jsonb) as r(name text, source_statuses jsonb, actions_patch jsonb) on r.name = c.name`,
  }),
}
