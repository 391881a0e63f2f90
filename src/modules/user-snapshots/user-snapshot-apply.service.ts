import type { AppContext } from '../../context.ts'
import type { TransactionHooks } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { dryRunApply, runApply, type ApplyUseCase } from '../snapshots/apply.service.ts'
import { planView, resultCounts, type ApplyPlan, type ApplyRequest } from '../snapshots/apply-plan.ts'
import type { SnapshotRow } from '../snapshots/snapshots.repository.ts'
import { atVersion } from '../snapshots/versions.service.ts'
import type { ApplyUserSnapshotInput } from './user-snapshots.schemas.ts'
import { applyTarget, visibleSnapshot } from './user-snapshots.service.ts'

/** Apply a user snapshot (SPEC §5): a new user in the target organization with copies of the snapshot's items. */

/** Where to apply: the organization (SUPERADMIN: any; default the caller's) and the version (default the latest). */
export interface ApplyTarget {
  organizationId?: string
  version?: number
}

function useCase(actor: Actor, id: string, input: ApplyUserSnapshotInput, where: ApplyTarget): ApplyUseCase {
  let organizationId: string | undefined
  const disabled = new Set<string>()
  if (input.applyAutomations === false) disabled.add('automation')
  if (input.applyPrompts === false) disabled.add('prompt')
  if (input.applyTemplates === false) disabled.add('template')
  return {
    actor,
    async load(db, lock) {
      organizationId = await applyTarget(db, actor, where.organizationId)
      return atVersion(db, await visibleSnapshot(db, actor, id, { lockForApply: lock }), where.version)
    },
    request: (snapshot: SnapshotRow): ApplyRequest => ({
      snapshot,
      actor,
      target: { organizationId: organizationId! },
      newUser: { ...input.newUser, bodyField: 'newUser' },
      disabled,
      selectedNames: input.selectedPromptNames ?? null,
      mappings: {
        pipelineMapping: input.pipelineMapping,
        sourceStatusesMapping: input.sourceStatusesMapping,
        agentMapping: input.agentMapping,
      },
    }),
  }
}

export async function dryRunUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: ApplyUserSnapshotInput,
  where: ApplyTarget,
) {
  const plan = await dryRunApply(ctx, useCase(actor, id, input, where))
  return {
    message: 'Dry run',
    result: { userId: null, userEmail: input.newUser.email, ...resultCounts(plan), warnings: plan.warnings },
    plan: planView(plan),
  }
}

export type UserApplyResult = { applicationId: string; userId: string; userEmail: string; warnings: ApplyPlan['warnings'] } & ReturnType<typeof resultCounts>

export function applyUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: ApplyUserSnapshotInput,
  where: ApplyTarget,
  hooks?: TransactionHooks<UserApplyResult>,
): Promise<UserApplyResult> {
  return runApply(
    ctx,
    useCase(actor, id, input, where),
    (plan, created) => ({
      applicationId: created.applicationId,
      userId: created.userId!, userEmail: created.userEmail!, ...resultCounts(plan), warnings: plan.warnings }),
    hooks,
  )
}
