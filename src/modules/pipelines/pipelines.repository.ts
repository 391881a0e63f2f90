import { sql, type Insertable, type Selectable, type Updateable } from 'kysely'
import type { Executor, PipelineStagesTable, PipelinesTable, Tx } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import { conflict } from '../../shared/errors.ts'

export type PipelineRow = Selectable<PipelinesTable>
export type StageRow = Selectable<PipelineStagesTable>
export type PipelineType = PipelinesTable['type']

/** A stage as written: `id` present to keep an existing stage's id. */
export interface StageValues {
  id?: string
  name: string
  color: string
  position: number
  isActive: boolean
}

const defaultRaced = () =>
  conflict(
    'Default pipeline changed concurrently',
    'Another request made a different pipeline the default at the same time; retry',
  )
/** The partial unique index allows one default per (organization, type); clearDefault serializes, this is the backstop. */
const defaultGuard = { pipelines_one_default_per_type: defaultRaced }

export function findPipeline(db: Executor, id: string): Promise<PipelineRow | undefined> {
  return db.selectFrom('pipelines').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listPipelines(db: Executor, organizationId: string, type: PipelineType | undefined): Promise<PipelineRow[]> {
  return db
    .selectFrom('pipelines')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .$if(type !== undefined, (qb) => qb.where('type', '=', type as PipelineType))
    .orderBy('created_at')
    .orderBy('id')
    .execute()
}

/** The stages of several pipelines in one query, each pipeline's in display order. */
export function listStages(db: Executor, pipelineIds: readonly string[]): Promise<StageRow[]> {
  if (pipelineIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('pipeline_stages')
    .selectAll()
    .where('pipeline_id', 'in', pipelineIds)
    .orderBy('position')
    // Byte order, so ties in position sort the same on every server whatever its locale.
    .orderBy(sql`name collate "C"`)
    .execute()
}

export async function stagesById(db: Executor, pipelineId: string): Promise<Map<string, StageRow>> {
  const rows = await db.selectFrom('pipeline_stages').selectAll().where('pipeline_id', '=', pipelineId).execute()
  return new Map(rows.map((r) => [r.id, r]))
}

/**
 * Unsets the current default of (organization, type), except `keepId`, so another
 * can become the default. Locks the organization row first so that concurrent
 * requests making different pipelines the default take turns (the last one
 * wins) instead of colliding on the one-default index. FOR NO KEY UPDATE still
 * lets other writers' foreign-key checks on the organization through.
 */
export async function clearDefault(db: Tx, organizationId: string, type: PipelineType, keepId?: string): Promise<void> {
  await db.selectFrom('organizations').select('id').where('id', '=', organizationId).forNoKeyUpdate().execute()
  await db
    .updateTable('pipelines')
    .set({ is_default: false, updated_at: new Date() })
    .where('organization_id', '=', organizationId)
    .where('type', '=', type)
    .where('is_default', '=', true)
    .$if(keepId !== undefined, (qb) => qb.where('id', '<>', keepId as string))
    .execute()
}

export function insertPipeline(db: Tx, row: Insertable<PipelinesTable>): Promise<PipelineRow> {
  return guardConstraints(db.insertInto('pipelines').values(row).returningAll().executeTakeFirstOrThrow(), defaultGuard)
}

export function updatePipeline(db: Tx, id: string, changes: Updateable<PipelinesTable>): Promise<PipelineRow | undefined> {
  return guardConstraints(
    db
      .updateTable('pipelines')
      .set({ ...changes, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
    defaultGuard,
  )
}

/**
 * Replaces a pipeline's stages with `stages` in two statements. Kept stages are
 * deleted and inserted again with their ids rather than updated in place: the
 * (pipeline_id, name) constraint is checked row by row, so an in-place update
 * that swaps two names would fail halfway. Nothing references stage rows by id
 * (automations name stages), so re-inserting is invisible to readers.
 */
export async function replaceStages(
  db: Tx,
  pipeline: Pick<PipelineRow, 'id' | 'organization_id'>,
  stages: readonly StageValues[],
): Promise<StageRow[]> {
  const removed = await db
    .deleteFrom('pipeline_stages')
    .where('pipeline_id', '=', pipeline.id)
    .returning(['id', 'origin_application_id', 'origin_item_id', 'origin_hash'])
    .execute()
  // A kept stage keeps its lineage too (SPEC §7.3): a later push still finds it, and sees the edit as local.
  return insertStages(db, pipeline, stages, new Map(removed.map((r) => [r.id, r])))
}

export async function insertStages(
  db: Tx,
  pipeline: Pick<PipelineRow, 'id' | 'organization_id'>,
  stages: readonly StageValues[],
  lineage: ReadonlyMap<string, { origin_application_id: string | null; origin_item_id: string | null; origin_hash: string | null }> = new Map(),
): Promise<StageRow[]> {
  if (stages.length === 0) return []
  await db
    .insertInto('pipeline_stages')
    .values(
      stages.map((stage) => ({
        ...(stage.id !== undefined && { id: stage.id }),
        pipeline_id: pipeline.id,
        organization_id: pipeline.organization_id,
        name: stage.name,
        color: stage.color,
        position: stage.position,
        is_active: stage.isActive,
        ...(stage.id !== undefined && lineage.get(stage.id)),
      })),
    )
    .execute()
  return listStages(db, [pipeline.id])
}

export async function deletePipeline(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('pipelines').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}
