import { Type, type Static } from '@sinclair/typebox'
import { Nullable, ObjectId, StringEnum, Timestamp, UpdateBodyOf } from '../../shared/schemas.ts'

export const pipelineTypes = ['Contact', 'Application'] as const
export const PipelineType = StringEnum(pipelineTypes, { description: 'What the pipeline tracks: Contact or Application' })

export const defaultStageColor = '#6B7280'

const stageFields = {
  name: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'Unique within the pipeline (400 otherwise); automations refer to stages by this name',
  }),
  // No schema defaults here: on update, a kept stage keeps what the client leaves out.
  color: Type.Optional(
    Type.String({
      pattern: '^#[0-9A-Fa-f]{6}$',
      description: `Hex colour #RRGGBB; a new stage defaults to ${defaultStageColor}, a kept one keeps its colour`,
    }),
  ),
  position: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 10_000, description: 'Sort order; defaults to the index in the array' }),
  ),
  isActive: Type.Optional(Type.Boolean({ description: 'A new stage defaults to true, a kept one keeps its flag' })),
}

export const NewStageInput = Type.Object(stageFields, { additionalProperties: false })

export const StageInput = Type.Object(
  {
    _id: Type.Optional(ObjectId('A stage of this pipeline to keep (and update); omit for a new stage')),
    ...stageFields,
  },
  { additionalProperties: false },
)
export type StageInputValue = Static<typeof StageInput>

const maxStages = 100
const pipelineName = Type.String({ minLength: 1, maxLength: 200 })
const pipelineDescription = Nullable(Type.String({ maxLength: 2000 }))

export const CreatePipelineBody = Type.Object(
  {
    name: pipelineName,
    description: Type.Optional(pipelineDescription),
    type: PipelineType,
    isDefault: Type.Optional(
      Type.Boolean({ default: false, description: 'true makes it the default of its type, unsetting the previous one' }),
    ),
    isActive: Type.Optional(Type.Boolean({ default: true })),
    stages: Type.Optional(Type.Array(NewStageInput, { maxItems: maxStages, default: [] })),
    organizationId: Type.Optional(
      ObjectId('SUPERADMIN only: the organization to create it in (default: the caller\u2019s)'),
    ),
  },
  { additionalProperties: false },
)
export type CreatePipelineInput = Static<typeof CreatePipelineBody>

/** The create body's fields, except the organization (fixed) and stages, which are replaced with ids to keep. */
export const UpdatePipelineBody = UpdateBodyOf(
  Type.Composite([
    Type.Omit(CreatePipelineBody, ['organizationId', 'stages']),
    Type.Object({
      stages: Type.Array(StageInput, {
        maxItems: maxStages,
        description:
          'Replaces the stage list: a stage with the _id of one of this pipeline\u2019s stages updates it and keeps ' +
          'its id (and its colour and isActive when left out), one without _id is new, stages left out are ' +
          'deleted. An _id of no stage of this pipeline is 400. Positions default to the array index.',
      }),
    }),
  ]),
)
export type UpdatePipelineInput = Static<typeof UpdatePipelineBody>

export const PipelineListQuery = Type.Object(
  {
    type: Type.Optional(PipelineType),
    organizationId: Type.Optional(ObjectId('SUPERADMIN only: list another organization\u2019s pipelines')),
  },
  { additionalProperties: false },
)

export const StageSchema = Type.Object({
  _id: ObjectId('Stage id'),
  name: Type.String(),
  color: Type.String(),
  position: Type.Integer(),
  isActive: Type.Boolean(),
})

export const PipelineSchema = Type.Object(
  {
    _id: ObjectId('Pipeline id'),
    organizationId: ObjectId(),
    name: Type.String(),
    description: Nullable(Type.String()),
    type: PipelineType,
    isDefault: Type.Boolean({ description: 'At most one default pipeline per organization and type' }),
    isActive: Type.Boolean(),
    stages: Type.Array(StageSchema, { description: 'Ordered by position' }),
    createdAt: Timestamp(),
    updatedAt: Timestamp(),
  },
  { $id: 'Pipeline' },
)
export type PipelineDto = Static<typeof PipelineSchema>
