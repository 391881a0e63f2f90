import type { AppContext } from '../src/context.ts'
import type { JobRow, JobTargetRow } from '../src/modules/jobs/jobs.repository.ts'
import { pushJobTarget, type PushParams } from '../src/modules/snapshot-push/push.service.ts'
import { findSnapshot } from '../src/modules/snapshots/snapshots.repository.ts'
import { createVersion } from '../src/modules/snapshots/versions.service.ts'
import { applyUserSnapshot } from '../src/modules/user-snapshots/user-snapshot-apply.service.ts'
import { measure, median, type StatementLog } from './measure.ts'
import { prepareWorkload } from './workload.ts'

/**
 * Push (issue 13): a user snapshot of `items` items applied to `targets` users,
 * every item then changed in the source and captured as version 2, pushed to each
 * target. Per target: the push's work (what a worker runs in the target's
 * transaction) against the apply of the same items, and the statements each sends.
 */

export interface PushBenchResult {
  items: number
  targets: number
  applyMedianMs: number
  pushMedianMs: number
  pushP95Ms: number
  ratio: number
  /** Statements per target: the same for every target (no per-item statement). */
  statementsPerTarget: { min: number; max: number }
  applyStatements: number
  /** Highest RSS growth over the push of one target. */
  maxRssGrowthMb: number
  updatedPerTarget: number
}

export async function benchPush(
  ctx: AppContext,
  log: StatementLog,
  options: { items: number; targets: number },
  progress: (text: string) => void,
): Promise<PushBenchResult> {
  progress(`push: seeding ${options.items} items… `)
  const w = await prepareWorkload(ctx, options.items)
  const applyMs: number[] = []
  let applyStatements = 0
  const applicationIds: string[] = []
  progress(`applying to ${options.targets} targets… `)
  for (let i = 0; i < options.targets; i++) {
    const { sample, value } = await measure(log, () =>
      applyUserSnapshot(ctx, w.superadmin, w.userSnapshotId, w.userApplyInput(), { organizationId: w.target.organizationId }),
    )
    applyMs.push(sample.ms)
    applyStatements = sample.statements.length
    const application = await ctx.db.selectFrom('snapshot_applications').select('id').where('user_id', '=', value.userId).executeTakeFirstOrThrow()
    applicationIds.push(application.id)
  }

  progress('changing every item in the source… ')
  const { organizationId: sourceOrg, userId: sourceUser } = w.source
  const changed = 'changed for the push bench'
  await ctx.db.updateTable('automations').set({ description: changed }).where('user_id', '=', sourceUser).where('organization_id', '=', sourceOrg).execute()
  await ctx.db.updateTable('prompts').set({ description: changed }).where('user_id', '=', sourceUser).where('organization_id', '=', sourceOrg).execute()
  await ctx.db.updateTable('templates').set({ category: changed }).where('user_id', '=', sourceUser).where('organization_id', '=', sourceOrg).execute()
  const row = await findSnapshot(ctx.db, 'user', w.userSnapshotId)
  const { row: latest } = await createVersion(ctx.db, w.superadmin, row!, 'bench', false)

  const params: PushParams = {
    snapshotId: latest.id,
    snapshotKind: 'user',
    snapshotName: latest.name,
    sourceOrgId: latest.source_org_id,
    version: latest.version,
    versionId: latest.version_id,
    conflictPolicy: 'keep-local',
    removeDeleted: false,
  }
  const job = { params } as unknown as JobRow
  const pushMs: number[] = []
  const statements: number[] = []
  let maxRss = 0
  let updated = 0
  progress('pushing… ')
  for (const applicationId of applicationIds) {
    const target = { application_id: applicationId } as JobTargetRow
    const { sample, value } = await measure(log, () => ctx.db.transaction().execute((trx) => pushJobTarget(trx, ctx, target, job)))
    pushMs.push(sample.ms)
    statements.push(sample.statements.length)
    maxRss = Math.max(maxRss, sample.rssGrowthBytes)
    updated = value.updated
  }
  progress('\n')
  await w.remove()
  const sorted = [...pushMs].sort((a, b) => a - b)
  const applyMedianMs = median(applyMs)
  const pushMedianMs = median(pushMs)
  return {
    items: options.items,
    targets: options.targets,
    applyMedianMs,
    pushMedianMs,
    pushP95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!,
    ratio: pushMedianMs / applyMedianMs,
    statementsPerTarget: { min: Math.min(...statements), max: Math.max(...statements) },
    applyStatements,
    maxRssGrowthMb: maxRss / 2 ** 20,
    updatedPerTarget: updated,
  }
}

export function formatPush(result: PushBenchResult): string {
  const ms = (value: number) => `${value.toFixed(1)} ms`
  return [
    `Push of a ${result.items}-item change to ${result.targets} targets (issue 13):`,
    `  apply of the same items, per target: ${ms(result.applyMedianMs)} median (${result.applyStatements} statements)`,
    `  push, per target: ${ms(result.pushMedianMs)} median, ${ms(result.pushP95Ms)} p95; ${result.updatedPerTarget} items updated per target`,
    `  push ÷ apply: ${result.ratio.toFixed(2)}× (target ≤ 1.5×) ${result.ratio <= 1.5 ? 'met' : 'MISSED'}`,
    `  statements per target: ${result.statementsPerTarget.min}–${result.statementsPerTarget.max} (constant: ${result.statementsPerTarget.min === result.statementsPerTarget.max ? 'yes' : 'no'})`,
    `  memory: at most ${result.maxRssGrowthMb.toFixed(1)} MB RSS growth over one target`,
  ].join('\n')
}
