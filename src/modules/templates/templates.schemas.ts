import { Type, type Static } from '@sinclair/typebox'
import { Nullable, StringEnum, UpdateBodyOf } from '../../shared/schemas.ts'
import { ListOwnerParam, OwnedItemName, ownedItemFields } from '../owned-items/owned-items.schemas.ts'

export const templateTypes = ['sms', 'campaign', 'script', 'automation'] as const
const TemplateType = StringEnum(templateTypes, { description: 'sms, campaign, script or automation' })

const templateText = Type.String({
  minLength: 1,
  maxLength: 50_000,
  description: 'Body with {{variable}} placeholders, e.g. "Hi {{firstName}}"',
})
const category = Nullable(Type.String({ maxLength: 100, description: 'e.g. introduction' }))

export const CreateTemplateBody = Type.Object(
  {
    name: OwnedItemName,
    template: templateText,
    type: TemplateType,
    category: Type.Optional(category),
  },
  { additionalProperties: false },
)
export type CreateTemplateInput = Static<typeof CreateTemplateBody>

export const UpdateTemplateBody = UpdateBodyOf(CreateTemplateBody, { description: 'Only the fields given change' })
export type UpdateTemplateInput = Static<typeof UpdateTemplateBody>

export const TemplateListQuery = Type.Object(
  {
    type: Type.Optional(TemplateType),
    userId: ListOwnerParam,
  },
  { additionalProperties: false },
)

export const TemplateSchema = Type.Object(
  {
    ...ownedItemFields,
    name: Type.String(),
    template: Type.String(),
    type: TemplateType,
    category: Nullable(Type.String()),
  },
  { $id: 'Template' },
)
export type TemplateDto = Static<typeof TemplateSchema>
