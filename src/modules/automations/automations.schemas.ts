import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, StringEnum, UpdateBodyOf } from '../../shared/schemas.ts'
import { FreeFormObject, OwnedItemName, ownedItemFields } from '../owned-items/owned-items.schemas.ts'

export const triggerTypes = ['inbound', 'outbound', 'all'] as const
const stageName = Type.String({ minLength: 1, maxLength: 100, description: 'A pipeline stage, by name' })

/**
 * The action payload is open (other action keys are stored as given); the keys
 * snapshots rewrite across organizations are typed. Stage names are not checked
 * against pipelines (stages may be renamed later) and agentId only for its format.
 */
const Actions = Type.Object(
  {
    targetStage: Type.Optional(stageName),
    agentId: Type.Optional(ObjectId('AI agent that handles the conversation (format checked only)')),
    sendToWebhook: Type.Optional(Type.Boolean()),
    webhookUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
    webhookMethod: Type.Optional(StringEnum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])),
    webhookPayload: Type.Optional(FreeFormObject({ maxProperties: 200 })),
  },
  { additionalProperties: true, maxProperties: 50, description: 'Action payload; keys beyond these are kept as given' },
)

const scalar = [Type.Number(), Type.Boolean()]
const ConditionValue = Type.Union(
  [
    Nullable(Type.String({ maxLength: 1000 })),
    ...scalar,
    Type.Array(Type.Union([Type.String({ maxLength: 1000 }), ...scalar]), { maxItems: 100 }),
  ],
  { description: 'String, number, boolean, null, or a list of scalars' },
)

const Condition = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. conversation, contact' }),
    field: Type.String({ minLength: 1, maxLength: 200, description: 'e.g. channelType' }),
    operator: Type.String({ minLength: 1, maxLength: 50, description: 'e.g. equals, contains' }),
    value: ConditionValue,
    logicalOperator: Type.Optional(StringEnum(['AND', 'OR'], { description: 'How it joins the next condition' })),
  },
  { additionalProperties: false },
)

const description = Type.String({ maxLength: 2000 })
const event = Type.String({ minLength: 1, maxLength: 100, description: 'e.g. message.received' })
const sourceStatuses = Type.Array(stageName, {
  maxItems: 100,
  description: 'Runs only for records in these pipeline stages (by name)',
})
const conditions = Type.Array(Condition, { maxItems: 50 })
const maxTransitions = Nullable(
  Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Cap on transitions per record; null for none' }),
)
const enabledDescription = 'The owner\u2019s on/off preference'

// The update body is derived from this one, without its defaults (see UpdateBodyOf).
export const CreateAutomationBody = Type.Object(
  {
    name: OwnedItemName,
    description: Type.Optional({ ...description, default: '' }),
    event,
    triggerType: Type.Optional(StringEnum(triggerTypes, { default: 'outbound' })),
    sourceStatuses: Type.Optional(sourceStatuses),
    actions: Type.Optional(Actions),
    conditions: Type.Optional(conditions),
    maxTransitions: Type.Optional(maxTransitions),
    enabled: Type.Optional(Type.Boolean({ default: true, description: enabledDescription })),
  },
  { additionalProperties: false },
)
export type CreateAutomationInput = Static<typeof CreateAutomationBody>

export const UpdateAutomationBody = UpdateBodyOf(CreateAutomationBody, {
  description: 'Only the fields given change; arrays and actions are replaced whole',
})
export type UpdateAutomationInput = Static<typeof UpdateAutomationBody>

export const PreferenceBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false })

export const AutomationSchema = Type.Object(
  {
    ...ownedItemFields,
    name: Type.String(),
    description: Type.String(),
    event: Type.String(),
    triggerType: StringEnum(triggerTypes),
    sourceStatuses: Type.Array(Type.String()),
    actions: FreeFormObject(),
    conditions: Type.Array(FreeFormObject()),
    maxTransitions: Nullable(Type.Integer()),
    enabled: Type.Boolean(),
  },
  { $id: 'Automation' },
)
export type AutomationDto = Static<typeof AutomationSchema>
