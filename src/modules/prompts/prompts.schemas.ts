import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, UpdateBodyOf } from '../../shared/schemas.ts'
import { FreeFormObject, OwnedItemName, ownedItemFields } from '../owned-items/owned-items.schemas.ts'

const promptText = Type.String({ minLength: 1, maxLength: 100_000, description: 'The prompt body' })
const description = Nullable(Type.String({ maxLength: 2000 }))
const temperature = Nullable(Type.Number({ minimum: 0, maximum: 2, description: 'Sampling temperature, 0 to 2' }))
const responseTime = Nullable(
  Type.Number({ minimum: 0, maximum: 86_400, description: 'Delay in seconds before the AI replies' }),
)
const isHidden = 'Hides the prompt text from everyone but its owner and ADMIN/SUPERADMIN'
const tools = Type.Array(FreeFormObject({ maxProperties: 100 }), { maxItems: 100, description: 'Tool definitions' })
const toolConfigs = FreeFormObject({ maxProperties: 200, description: 'Tool settings by tool name' })

// The update body is derived from this one, without its defaults (see UpdateBodyOf).
// The copiedFrom* fields are read-only.
export const CreatePromptBody = Type.Object(
  {
    name: OwnedItemName,
    prompt: promptText,
    description: Type.Optional(description),
    temperature: Type.Optional(temperature),
    responseTime: Type.Optional(responseTime),
    isHidden: Type.Optional(Type.Boolean({ default: false, description: isHidden })),
    tools: Type.Optional(tools),
    toolConfigs: Type.Optional(toolConfigs),
  },
  { additionalProperties: false },
)
export type CreatePromptInput = Static<typeof CreatePromptBody>

export const UpdatePromptBody = UpdateBodyOf(CreatePromptBody, { description: 'Only the fields given change' })
export type UpdatePromptInput = Static<typeof UpdatePromptBody>

export const PromptSchema = Type.Object(
  {
    ...ownedItemFields,
    name: Type.String(),
    prompt: Nullable(Type.String({ description: 'null when the prompt is hidden from the caller' })),
    description: Nullable(Type.String()),
    temperature: Nullable(Type.Number()),
    responseTime: Nullable(Type.Number()),
    isHidden: Type.Boolean({ description: isHidden }),
    tools: Type.Array(FreeFormObject()),
    toolConfigs: FreeFormObject(),
    copiedFrom: Nullable(ObjectId('The prompt this one was copied from by a snapshot apply')),
    copiedFromName: Nullable(Type.String({ description: 'Name of that prompt at copy time' })),
    copiedFromOrg: Nullable(ObjectId('Organization of that prompt')),
    mapped: Type.Boolean({
      description: 'true when the user uses this prompt through a grant (a same-organization apply) rather than owning it',
    }),
  },
  { $id: 'Prompt' },
)
export type PromptDto = Static<typeof PromptSchema>
