import { Type } from '@sinclair/typebox'
import type { ItemKind } from '../item-kind.ts'

/**
 * The name (never the value) of a credential the source organization had set.
 * An apply copies nothing from it: the credentials step writes the values the
 * request brings, and the result lists the names still missing.
 */
export const credentialNameKind: ItemKind = {
  kind: 'credentialName',
  scope: 'org',
  liveTable: 'organization_credentials',
  snapshotTable: 'snapshot_credential_names',
  owner: 'organization',
  sourceIdColumn: 'name',
  nameColumn: 'name',
  columns: ['name'],
  countKey: 'credentialNames',
  counted: { summary: false, cloned: false },
  step: 'credentials',
  listedInPlan: false,
  copySchema: Type.String(),
}
