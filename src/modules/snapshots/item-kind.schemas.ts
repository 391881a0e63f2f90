import { Type } from '@sinclair/typebox'
import type { SnapshotKind } from '../../db/database.ts'
import type { ItemKind } from './item-kind.ts'
import { kindsOf } from './item-kinds.ts'
import { RefSchema } from './snapshot.schemas.ts'

/** The parts of the snapshot schemas that follow the item-kind list. */

type CountOf = 'summary' | 'cloned' | 'skipped' | 'mapped'

const countedAs: Record<CountOf, (kind: ItemKind) => boolean> = {
  summary: (kind) => kind.counted.summary,
  cloned: (kind) => kind.counted.cloned && !!kind.clone,
  skipped: (kind) => kind.scope === 'user',
  mapped: (kind) => typeof kind.sameOrganization === 'object',
}

/** Counts per kind (seed: UserSnapshotCounts, cloned/mapped/skipped of apply results), from the item-kind list. */
export function countsSchema(snapshotKind: SnapshotKind, of: CountOf, options: { description?: string } = {}) {
  const keys = kindsOf(snapshotKind).filter(countedAs[of]).map((kind) => kind.countKey)
  return Type.Object(Object.fromEntries(keys.map((key) => [key, Type.Integer()])), {
    additionalProperties: true,
    ...options,
  })
}

/** The captured copies a GET of a snapshot shows, one array per kind with a top-level view, and the references. */
export function copyFieldsSchema(snapshotKind: SnapshotKind) {
  const shown = kindsOf(snapshotKind).filter((kind) => kind.view && !kind.view.parent)
  return {
    ...Object.fromEntries(shown.map((kind) => [kind.view!.field, Type.Array(kind.copySchema)])),
    sourcePipelineStageRefs: Type.Array(RefSchema),
    sourceAgentRefs: Type.Array(RefSchema),
  }
}
