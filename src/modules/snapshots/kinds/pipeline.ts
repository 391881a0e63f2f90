import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { Nullable } from '../../../shared/schemas.ts'
import type { ItemKind } from '../item-kind.ts'
import { StageCopySchema } from './stage.ts'

export const PipelineCopySchema = Type.Object({
  sourceId: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  type: Type.String(),
  isDefault: Type.Boolean(),
  isActive: Type.Boolean(),
  stages: Type.Array(StageCopySchema),
})

/** An organization's pipeline, cloned under an id chosen at plan time so its stages can join to it. */
export const pipelineKind: ItemKind = {
  kind: 'pipeline',
  scope: 'org',
  liveTable: 'pipelines',
  snapshotTable: 'snapshot_pipelines',
  owner: 'organization',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'description', 'type', 'is_default', 'is_active'],
  countKey: 'pipelines',
  counted: { summary: true, cloned: true },
  step: 'pipelines',
  idPlanned: true,
  listedInPlan: true,
  view: {
    field: 'pipelines',
    orderBy: 'name',
    fields: {
      sourceId: 'source_id',
      name: 'name',
      description: 'description',
      type: 'type',
      isDefault: 'is_default',
      isActive: 'is_active',
    },
  },
  copySchema: PipelineCopySchema,
  clone: (target) => ({
    values: { id: sql`m.value` },
    joins: sql`join jsonb_each_text(${JSON.stringify(target.plannedIds.pipeline ?? {})}::jsonb) as m on m.key = c.source_id`,
  }),
}
