import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { readConsistently } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { emailExists, insertUser, newUserRow } from '../users/users.repository.ts'
import { executeUserItems, step } from '../snapshots/apply-executor.ts'
import {
  assertNamesExist,
  emailTakenProblem,
  planUserItems,
  planView,
  throwFirstProblem,
  type Problem,
  type UserItemsPlan,
} from '../snapshots/apply-plan.ts'
import * as reads from '../snapshots/plan.repository.ts'
import type { SnapshotRow } from '../snapshots/snapshots.repository.ts'
import type { ApplyUserSnapshotInput } from './user-snapshots.schemas.ts'
import { applyTarget, visibleSnapshot } from './user-snapshots.service.ts'

/**
 * Apply a user snapshot (SPEC §5): plan, then execute the plan in one
 * transaction. A dry run computes the same plan and writes nothing.
 */

interface UserApplyPlan {
  organizationId: string
  snapshot: SnapshotRow
  items: UserItemsPlan
  problems: Problem[]
}

async function planUserApply(
  db: Executor,
  snapshot: SnapshotRow,
  organizationId: string,
  input: ApplyUserSnapshotInput,
  detail: boolean,
): Promise<UserApplyPlan> {
  const sameOrg = organizationId === snapshot.source_org_id
  const mappings = {
    pipelineMapping: input.pipelineMapping,
    sourceStatusesMapping: input.sourceStatusesMapping,
    agentMapping: input.agentMapping,
  }
  const selectedPromptNames = sameOrg ? (input.selectedPromptNames ?? null) : null
  await assertNamesExist(db, snapshot.id, mappings, input.selectedPromptNames ?? null)
  const problems: Problem[] = []
  if (await emailExists(db, input.newUser.email)) problems.push(emailTakenProblem(input.newUser.email, 'newUser.email'))
  const items = await planUserItems(db, snapshot, {
    sameOrg,
    applyAutomations: input.applyAutomations ?? true,
    applyPrompts: input.applyPrompts ?? true,
    applyTemplates: input.applyTemplates ?? true,
    selectedPromptNames,
    mappings,
    targetOrganizationId: organizationId,
    loadTarget: async () => ({
      stageNames: await reads.stageNamesOfOrganization(db, organizationId),
      agents: await reads.agentsOfOrganization(db, organizationId),
    }),
    detail,
  })
  problems.push(...items.problems)
  return { organizationId, snapshot, items, problems }
}

export async function dryRunUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: ApplyUserSnapshotInput,
  requestedOrg: string | undefined,
) {
  const plan = await readConsistently(ctx.db, async (trx) => {
    const organizationId = await applyTarget(trx, actor, requestedOrg)
    return planUserApply(trx, await visibleSnapshot(trx, actor, id), organizationId, input, true)
  })
  return {
    message: 'Dry run',
    result: {
      userId: null,
      userEmail: input.newUser.email,
      cloned: plan.items.cloned,
      mapped: plan.items.mapped,
      skipped: plan.items.skipped,
    },
    plan: planView(plan.items.items, plan.items.references, plan.problems),
  }
}

export async function applyUserSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: ApplyUserSnapshotInput,
  requestedOrg: string | undefined,
) {
  // 403/404 before the deliberately slow password hash; the transaction checks the snapshot again under lock.
  const organizationId = await applyTarget(ctx.db, actor, requestedOrg)
  await visibleSnapshot(ctx.db, actor, id)
  // Hashing is slow on purpose; do it before the transaction holds any lock.
  const passwordHash = await ctx.passwords.hash(input.newUser.password)
  return ctx.db.transaction().execute(async (trx) => {
    const snapshot = await visibleSnapshot(trx, actor, id, { lockForApply: true })
    const plan = await planUserApply(trx, snapshot, organizationId, input, false)
    throwFirstProblem(plan.problems)
    const { newUser } = input
    const user = await step(ctx.faults, 'user', () =>
      insertUser(trx, newUserRow(organizationId, newUser, passwordHash, newUser.accessRole)),
    )
    const done = await executeUserItems(
      trx,
      ctx.faults,
      plan.items,
      { snapshotId: snapshot.id, organizationId, userId: user.id },
      snapshot.source_org_id,
    )
    return { userId: user.id, userEmail: user.email, cloned: done.cloned, mapped: done.mapped, skipped: plan.items.skipped }
  })
}
