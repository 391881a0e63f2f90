import type { Executor, SnapshotKind } from '../../db/database.ts'
import { badRequest } from '../../shared/errors.ts'
import { listSnapshots, type SnapshotRow } from './snapshots.repository.ts'

/** Row → API shapes shared by both snapshot kinds. */

export function summaryBase(row: SnapshotRow) {
  return {
    _id: row.id,
    name: row.name,
    description: row.description,
    sourceOrgId: row.source_org_id,
    sourceOrgName: row.source_org_name,
    sourceUserId: row.source_user_id,
    sourceUserEmail: row.source_user_email,
    sourceUserName: row.source_user_name,
    createdBy: row.created_by,
    createdByName: row.created_by_name,
    createdByRole: row.created_by_role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

/** Opaque keyset cursors: the insertion sequence of the last row of a page. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url')
}

export function decodeCursor(cursor: string): number | null {
  const match = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  return match ? Number(match[1]) : null
}

/**
 * One page of snapshots, newest first. Without a limit every visible snapshot is
 * returned (the seed behaviour); with one, `nextCursor` leads to the next page.
 */
export async function pageOfSnapshots(
  db: Executor,
  options: { kind: SnapshotKind; visibleToOrganization?: string; limit?: number; cursor?: string },
): Promise<{ rows: SnapshotRow[]; nextCursor: string | null }> {
  let afterSeq: number | undefined
  if (options.cursor !== undefined) {
    const decoded = decodeCursor(options.cursor)
    if (decoded === null) {
      throw badRequest('Validation error', 'cursor is not a cursor this server issued', [
        { location: 'querystring', path: '/cursor', message: 'is invalid' },
      ])
    }
    afterSeq = decoded
  }
  const { limit } = options
  const rows = await listSnapshots(db, {
    kind: options.kind,
    visibleToOrganization: options.visibleToOrganization,
    limit: limit === undefined ? undefined : limit + 1,
    afterSeq,
  })
  if (limit === undefined || rows.length <= limit) return { rows, nextCursor: null }
  const page = rows.slice(0, limit)
  return { rows: page, nextCursor: encodeCursor(page[page.length - 1]!.seq) }
}

/** The full copies a snapshot holds, for GET /{kind}-snapshots/{id}. */
export async function loadUserItemCopies(db: Executor, snapshotId: string) {
  const automations = await db
    .selectFrom('snapshot_automations')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .orderBy('name')
    .execute()
  const prompts = await db.selectFrom('snapshot_prompts').selectAll().where('snapshot_id', '=', snapshotId).orderBy('name').execute()
  const templates = await db
    .selectFrom('snapshot_templates')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .orderBy('name')
    .execute()
  return {
    automations: automations.map((a) => ({
      sourceId: a.source_id,
      name: a.name,
      description: a.description,
      event: a.event,
      triggerType: a.trigger_type,
      sourceStatuses: a.source_statuses,
      actions: a.actions,
      conditions: a.conditions,
      maxTransitions: a.max_transitions,
      enabled: a.enabled,
    })),
    prompts: prompts.map((p) => ({
      sourceId: p.source_id,
      name: p.name,
      prompt: p.prompt,
      description: p.description,
      temperature: p.temperature,
      responseTime: p.response_time,
      isHidden: p.is_hidden,
      tools: p.tools,
      toolConfigs: p.tool_configs,
    })),
    templates: templates.map((t) => ({
      sourceId: t.source_id,
      name: t.name,
      template: t.template,
      type: t.type,
      category: t.category,
    })),
  }
}

/** Organization-level copies of an organization snapshot. */
export async function loadOrganizationCopies(db: Executor, snapshotId: string) {
  const pipelines = await db
    .selectFrom('snapshot_pipelines')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .orderBy('name')
    .execute()
  const stages = await db
    .selectFrom('snapshot_stages')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .orderBy('position')
    .execute()
  const agents = await db.selectFrom('snapshot_agents').selectAll().where('snapshot_id', '=', snapshotId).orderBy('name').execute()
  const properties = await db
    .selectFrom('snapshot_dynamic_properties')
    .selectAll()
    .where('snapshot_id', '=', snapshotId)
    .orderBy('type')
    .execute()
  const stagesByPipeline = new Map<string, typeof stages>()
  for (const stage of stages) {
    const list = stagesByPipeline.get(stage.source_pipeline_id) ?? []
    list.push(stage)
    stagesByPipeline.set(stage.source_pipeline_id, list)
  }
  return {
    pipelines: pipelines.map((p) => ({
      sourceId: p.source_id,
      name: p.name,
      description: p.description,
      type: p.type,
      isDefault: p.is_default,
      isActive: p.is_active,
      stages: (stagesByPipeline.get(p.source_id) ?? []).map((s) => ({
        sourceId: s.source_id,
        name: s.name,
        color: s.color,
        position: s.position,
        isActive: s.is_active,
      })),
    })),
    agents: agents.map((a) => ({ sourceId: a.source_id, name: a.name, description: a.description, promptId: a.prompt_id })),
    dynamicProperties: properties.map((d) => ({ type: d.type, sections: d.sections })),
  }
}
