import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import type { ItemKind } from '../item-kind.ts'

export const StageCopySchema = Type.Object({
  sourceId: Type.String(),
  name: Type.String(),
  color: Type.String(),
  position: Type.Integer(),
  isActive: Type.Boolean(),
})

/** A pipeline stage; the clone attaches it to its pipeline's planned id. Shown inside its pipeline. */
export const stageKind: ItemKind = {
  kind: 'stage',
  scope: 'org',
  liveTable: 'pipeline_stages',
  snapshotTable: 'snapshot_stages',
  owner: 'organization',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'color', 'position', 'is_active'],
  captureAlso: { source_pipeline_id: 'pipeline_id' },
  nameScope: 'pipeline_id',
  untimed: true,
  countKey: 'stages',
  counted: { summary: false, cloned: true },
  step: 'stages',
  listedInPlan: false,
  view: {
    field: 'stages',
    orderBy: 'position',
    fields: { sourceId: 'source_id', name: 'name', color: 'color', position: 'position', isActive: 'is_active' },
    parent: { kind: 'pipeline', column: 'source_pipeline_id' },
  },
  copySchema: StageCopySchema,
  clone: (target) => ({
    values: { pipeline_id: sql`m.value` },
    joins: sql`join jsonb_each_text(${JSON.stringify(target.plannedIds.pipeline ?? {})}::jsonb) as m on m.key = c.source_pipeline_id`,
  }),
}
