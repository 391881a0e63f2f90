import type { Executor } from '../../db/database.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

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
