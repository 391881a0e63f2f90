import { Type } from '@sinclair/typebox'
import type { ItemKind } from '../item-kind.ts'

export const DynamicPropertiesCopySchema = Type.Object({ type: Type.String(), sections: Type.Array(Type.Unknown()) })

/** An organization's custom fields of one type (Contact, Application, ...); the type identifies them. */
export const dynamicPropertiesKind: ItemKind = {
  kind: 'dynamicProperties',
  scope: 'org',
  liveTable: 'dynamic_properties',
  snapshotTable: 'snapshot_dynamic_properties',
  owner: 'organization',
  sourceIdColumn: 'type',
  nameColumn: 'type',
  columns: ['type', 'sections'],
  countKey: 'dynamicProperties',
  counted: { summary: false, cloned: true },
  step: 'properties',
  listedInPlan: true,
  view: { field: 'dynamicProperties', orderBy: 'type', fields: { type: 'type', sections: 'sections' } },
  copySchema: DynamicPropertiesCopySchema,
  clone: () => ({ values: {} }),
}
