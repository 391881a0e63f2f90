import type { SnapshotKind } from '../../db/database.ts'
import type { ItemKind } from './item-kind.ts'
import { itemKinds, kindsOf } from './item-kinds.ts'

/** The item kinds as the snapshot views show them (GET …/{id}, GET …/{id}/items), from the item-kind list. */

/** An item kind that GET shows (it has a view). */
export type ShownKind = ItemKind & { view: NonNullable<ItemKind['view']> }

/** Kinds a snapshot of this kind shows at its top level, in the order of the item-kind list. */
export const topLevelKinds = (snapshotKind: SnapshotKind): readonly ShownKind[] =>
  kindsOf(snapshotKind).filter((kind): kind is ShownKind => !!kind.view && !kind.view.parent)

/** Kinds shown inside the copies of `kind` (stages inside pipelines). */
export const childKinds = (kind: ShownKind): readonly ShownKind[] =>
  itemKinds.filter((child): child is ShownKind => child.view?.parent?.kind === kind.kind)
