import { Type } from '@sinclair/typebox'
import { ObjectId, Timestamp } from '../../shared/schemas.ts'

/** Schema pieces shared by the user-owned entities (automations, prompts, templates). */

export const OwnedItemName = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Unique among the owner\u2019s items of this kind (409 otherwise)',
})

/** Fields every owned item carries in responses. */
export const ownedItemFields = {
  _id: ObjectId(),
  organizationId: ObjectId('Organization of the owner'),
  userId: ObjectId('The owner: the only user who may change it'),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
}

/** `?userId=` of the owned-item lists. */
export const ListOwnerParam = Type.Optional(
  ObjectId('ADMIN (own organization) or SUPERADMIN: list this user\u2019s items instead of the caller\u2019s'),
)

export const OwnerListQuery = Type.Object({ userId: ListOwnerParam }, { additionalProperties: false })

export { FreeFormObject } from '../../shared/schemas.ts'

export interface OwnedRowTimestamps {
  id: string
  organization_id: string
  user_id: string
  created_at: Date
  updated_at: Date
}

export function ownedItemDto(row: OwnedRowTimestamps) {
  return {
    _id: row.id,
    organizationId: row.organization_id,
    userId: row.user_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}
