import { Type, type TSchema } from '@sinclair/typebox'
import type { SnapshotKind } from '../../db/database.ts'
import { StringEnum } from '../../shared/schemas.ts'
import { itemKind } from './item-kinds.ts'
import { topLevelKinds } from './item-views.ts'
import { nextCursorField, versionQueryField } from './snapshot.schemas.ts'

/** GET …/{id}/items: the query and the page, from the item-kind list. */

export function itemsQuerySchema(snapshotKind: SnapshotKind) {
  const kinds = topLevelKinds(snapshotKind).map((kind) => kind.kind)
  return Type.Object(
    {
      kind: StringEnum(kinds as [string, ...string[]], { description: `The item kind to page: ${kinds.join(', ')}` }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Page size (default 50)' })),
      cursor: Type.Optional(
        Type.String({ maxLength: 4096, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' }),
      ),
      version: versionQueryField,
    },
    { additionalProperties: false },
  )
}

const pageFields = (kind: TSchema, items: TSchema) => ({
  kind,
  items,
  nextCursor: nextCursorField,
})

/** The page as documented: its items are copies of whichever kind was asked for. */
export function itemsPageSchema(snapshotKind: SnapshotKind) {
  const kinds = topLevelKinds(snapshotKind)
  return Type.Object(
    pageFields(
      StringEnum(kinds.map((kind) => kind.kind) as [string, ...string[]], { description: 'The kind of the items' }),
      Type.Array(Type.Union(kinds.map((kind) => kind.copySchema)), {
        description: 'Copies of the kind asked for, in the shape GET of the snapshot shows them',
      }),
    ),
    { additionalProperties: false },
  )
}

const pageSchemaByKind = new Map<string, TSchema>()

/**
 * The page of one kind, for serializing it: exact, so the serializer writes each
 * item with its own kind's schema rather than trying every alternative of a union.
 */
export function itemsPageSchemaOf(kindName: string): TSchema {
  let schema = pageSchemaByKind.get(kindName)
  if (!schema) {
    schema = Type.Object(pageFields(Type.String(), Type.Array(itemKind(kindName).copySchema)), { additionalProperties: false })
    pageSchemaByKind.set(kindName, schema)
  }
  return schema
}
