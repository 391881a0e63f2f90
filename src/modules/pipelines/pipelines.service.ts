import type { Executor } from '../../db/database.ts'
import { canSeeOrganization, targetOrganization, type Actor } from '../../shared/actor.ts'
import { badRequest, notFound } from '../../shared/errors.ts'
import { findOrganization } from '../organizations/organizations.repository.ts'
import * as pipelines from './pipelines.repository.ts'
import {
  defaultStageColor,
  type CreatePipelineInput,
  type PipelineDto,
  type StageInputValue,
  type UpdatePipelineInput,
} from './pipelines.schemas.ts'

export function toPipelineDto(row: pipelines.PipelineRow, stages: readonly pipelines.StageRow[]): PipelineDto {
  return {
    _id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    type: row.type,
    isDefault: row.is_default,
    isActive: row.is_active,
    stages: stages.map((stage) => ({
      _id: stage.id,
      name: stage.name,
      color: stage.color,
      position: stage.position,
      isActive: stage.is_active,
    })),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

interface FieldProblem {
  location: 'body'
  path: string
  message: string
}

const invalidStages = (problems: FieldProblem[]) =>
  badRequest('Validation error', `body${problems[0]?.path ?? ''} ${problems[0]?.message ?? 'is invalid'}`, problems)

/**
 * Stage names are unique within a pipeline. Checked here, before any write, so the
 * answer is a 400 naming every duplicate; the database constraint is the backstop.
 */
function assertDistinctStageNames(stages: readonly { name: string }[]): void {
  const firstIndex = new Map<string, number>()
  const problems: FieldProblem[] = []
  stages.forEach((stage, index) => {
    const first = firstIndex.get(stage.name)
    if (first === undefined) firstIndex.set(stage.name, index)
    else problems.push({ location: 'body', path: `/stages/${index}/name`, message: `duplicates the name "${stage.name}" of stage ${first}` })
  })
  if (problems.length > 0) throw invalidStages(problems)
}

/** Every `_id` must name a stage of this pipeline, and only once. */
function assertKnownStageIds(stages: readonly StageInputValue[], existing: ReadonlyMap<string, unknown>): void {
  const seen = new Set<string>()
  const problems: FieldProblem[] = []
  stages.forEach((stage, index) => {
    if (stage._id === undefined) return
    const path = `/stages/${index}/_id`
    if (!existing.has(stage._id)) problems.push({ location: 'body', path, message: 'is not a stage of this pipeline' })
    else if (seen.has(stage._id)) problems.push({ location: 'body', path, message: 'names the same stage twice' })
    seen.add(stage._id)
  })
  if (problems.length > 0) throw invalidStages(problems)
}

/** What to write for each stage: a kept stage keeps the colour and flag it is not given. */
function stageValues(
  stages: readonly StageInputValue[],
  existing: ReadonlyMap<string, pipelines.StageRow> = new Map(),
): pipelines.StageValues[] {
  return stages.map((stage, index) => {
    const kept = stage._id === undefined ? undefined : existing.get(stage._id)
    return {
      ...(stage._id !== undefined && { id: stage._id }),
      name: stage.name,
      color: stage.color ?? kept?.color ?? defaultStageColor,
      position: stage.position ?? index,
      isActive: stage.isActive ?? kept?.is_active ?? true,
    }
  })
}

/** A pipeline the caller may see: their organization's, or any for a SUPERADMIN; anything else is 404. */
async function visiblePipeline(db: Executor, actor: Actor, id: string): Promise<pipelines.PipelineRow> {
  const row = await pipelines.findPipeline(db, id)
  if (!row || !canSeeOrganization(actor, row.organization_id)) throw notFound('Pipeline')
  return row
}

export async function listPipelines(
  db: Executor,
  actor: Actor,
  query: { type?: pipelines.PipelineType; organizationId?: string },
): Promise<PipelineDto[]> {
  const rows = await pipelines.listPipelines(db, targetOrganization(actor, query.organizationId), query.type)
  const stagesByPipeline = new Map<string, pipelines.StageRow[]>(rows.map((row) => [row.id, []]))
  for (const stage of await pipelines.listStages(db, [...stagesByPipeline.keys()])) {
    stagesByPipeline.get(stage.pipeline_id)?.push(stage)
  }
  return rows.map((row) => toPipelineDto(row, stagesByPipeline.get(row.id) ?? []))
}

export async function createPipeline(db: Executor, actor: Actor, input: CreatePipelineInput): Promise<PipelineDto> {
  const organizationId = targetOrganization(actor, input.organizationId)
  const stages = input.stages ?? []
  assertDistinctStageNames(stages)
  return db.transaction().execute(async (trx) => {
    if (organizationId !== actor.organizationId && !(await findOrganization(trx, organizationId))) {
      throw notFound('Organization')
    }
    const isDefault = input.isDefault ?? false
    if (isDefault) await pipelines.clearDefault(trx, organizationId, input.type)
    const row = await pipelines.insertPipeline(trx, {
      organization_id: organizationId,
      name: input.name,
      description: input.description ?? null,
      type: input.type,
      is_default: isDefault,
      is_active: input.isActive ?? true,
    })
    return toPipelineDto(row, await pipelines.insertStages(trx, row, stageValues(stages)))
  })
}

export async function updatePipeline(
  db: Executor,
  actor: Actor,
  id: string,
  input: UpdatePipelineInput,
): Promise<PipelineDto> {
  if (input.stages) assertDistinctStageNames(input.stages)
  return db.transaction().execute(async (trx) => {
    const current = await visiblePipeline(trx, actor, id)
    const existingStages = input.stages ? await pipelines.stagesById(trx, id) : new Map<string, pipelines.StageRow>()
    if (input.stages) assertKnownStageIds(input.stages, existingStages)
    const type = input.type ?? current.type
    if (input.isDefault ?? current.is_default) await pipelines.clearDefault(trx, current.organization_id, type, id)
    const row = await pipelines.updatePipeline(trx, id, {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.type !== undefined && { type: input.type }),
      ...(input.isDefault !== undefined && { is_default: input.isDefault }),
      ...(input.isActive !== undefined && { is_active: input.isActive }),
    })
    if (!row) throw notFound('Pipeline')
    const stages = input.stages
      ? await pipelines.replaceStages(trx, row, stageValues(input.stages, existingStages))
      : await pipelines.listStages(trx, [id])
    return toPipelineDto(row, stages)
  })
}

export async function deletePipeline(db: Executor, actor: Actor, id: string): Promise<void> {
  await visiblePipeline(db, actor, id)
  if (!(await pipelines.deletePipeline(db, id))) throw notFound('Pipeline')
}
