import type { AppContext } from '../src/context.ts'
import { applyOrgSnapshot } from '../src/modules/org-snapshots/org-snapshot-apply.service.ts'
import { createOrgSnapshot } from '../src/modules/org-snapshots/org-snapshots.service.ts'
import { applyUserSnapshot, dryRunUserSnapshot } from '../src/modules/user-snapshots/user-snapshot-apply.service.ts'
import { createUserSnapshot } from '../src/modules/user-snapshots/user-snapshots.service.ts'
import { kindsOf } from '../src/modules/snapshots/item-kinds.ts'
import type { CreateSnapshotInput } from '../src/modules/snapshots/snapshot.schemas.ts'
import type { Actor } from '../src/shared/actor.ts'
import type { Workload } from './workload.ts'

/**
 * What a timed run measures: one call of a use case, exactly as a route calls
 * it (no HTTP). It resolves to how many items it copied (checked against N, so
 * a scenario that silently did nothing cannot look fast) and to the clean-up
 * that runs after the timing.
 */
export interface Outcome {
  items: number
  cleanUp(): Promise<void>
}

export interface Scenario {
  key: string
  label: string
  run(ctx: AppContext, workload: Workload): Promise<Outcome>
}

/** Items a scenario copied: the user-level kinds (the workload's N is split over them). */
const sum = (counts: Record<string, number>) => kindsOf('user').reduce((total, kind) => total + (counts[kind.countKey] ?? 0), 0)

const nothingToCleanUp = async () => {}

type Capture = (
  ctx: AppContext,
  actor: Actor,
  input: CreateSnapshotInput,
) => Promise<{ _id: string; counts: Record<string, number> }>

function captureScenario(key: string, label: string, capture: Capture): Scenario {
  return {
    key,
    label,
    async run(ctx, w) {
      const input = { name: `Timed ${key}`, sourceOrgId: w.source.organizationId, sourceUserId: w.source.userId }
      const created = await capture(ctx, w.superadmin, input)
      return {
        items: sum(created.counts),
        cleanUp: async () => {
          await ctx.db.deleteFrom('snapshots').where('id', '=', created._id).execute()
        },
      }
    },
  }
}

export const serviceScenarios: Scenario[] = [
  captureScenario('createUserSnapshot', 'create user snapshot', createUserSnapshot),
  {
    key: 'applyUserSnapshot',
    label: 'apply user snapshot (cross-org, mappings)',
    async run(ctx, w) {
      const result = await applyUserSnapshot(ctx, w.superadmin, w.userSnapshotId, w.userApplyInput(), { organizationId: w.target.organizationId })
      return {
        items: sum(result.cloned),
        cleanUp: async () => {
          await ctx.db.deleteFrom('users').where('id', '=', result.userId).execute()
        },
      }
    },
  },
  {
    key: 'dryRunUserSnapshot',
    label: 'dry-run apply (same request)',
    async run(ctx, w) {
      const preview = await dryRunUserSnapshot(ctx, w.superadmin, w.userSnapshotId, w.userApplyInput(), { organizationId: w.target.organizationId })
      if (!preview.plan.wouldSucceed) throw new Error(`the dry run reports problems: ${JSON.stringify(preview.plan.problems)}`)
      return { items: sum(preview.result.cloned), cleanUp: nothingToCleanUp }
    },
  },
  captureScenario('createOrgSnapshot', 'create org snapshot', createOrgSnapshot),
  {
    key: 'applyOrgSnapshot',
    label: 'apply org snapshot with a first user',
    async run(ctx, w) {
      const result = await applyOrgSnapshot(ctx, w.superadmin, w.orgSnapshotId, w.orgApplyInput())
      return {
        items: sum(result.cloned),
        cleanUp: async () => {
          await ctx.db.deleteFrom('organizations').where('id', '=', result.organizationId).execute()
        },
      }
    },
  },
]
