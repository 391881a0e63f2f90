import { Type } from '@sinclair/typebox'
import { Nullable } from '../../../shared/schemas.ts'
import type { ItemKind } from '../item-kind.ts'

export const TemplateCopySchema = Type.Object(
  {
    sourceId: Type.String(),
    name: Type.String(),
    template: Type.String(),
    type: Type.String(),
    category: Nullable(Type.String()),
  },
  { additionalProperties: true },
)

/** A user's message template, copied as it is. */
export const templateKind: ItemKind = {
  kind: 'template',
  scope: 'user',
  liveTable: 'templates',
  snapshotTable: 'snapshot_templates',
  owner: 'user',
  sourceIdColumn: 'id',
  nameColumn: 'name',
  columns: ['name', 'template', 'type', 'category'],
  countKey: 'templates',
  counted: { summary: true, cloned: true },
  applyFlag: 'applyTemplates',
  sameOrganization: 'skip',
  step: 'templates',
  listedInPlan: true,
  view: {
    field: 'templates',
    orderBy: 'name',
    fields: { sourceId: 'source_id', name: 'name', template: 'template', type: 'type', category: 'category' },
  },
  copySchema: TemplateCopySchema,
  clone: () => ({ values: {} }),
}
