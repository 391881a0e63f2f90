import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { readConsistently, withHooks, type TransactionHooks } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { executePlan, type Created } from './apply-executor.ts'
import { planApply, resultCounts, throwFirstProblem, type ApplyPlan, type ApplyRequest } from './apply-plan.ts'
import { recordSnapshotEvent } from './snapshot-audit.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

/**
 * The one apply pipeline of both snapshot kinds: load → plan → execute. A feature
 * module says how to load the snapshot with the caller's rights and how to turn
 * its request body into an ApplyRequest; the rest is the same for every apply.
 */
export interface ApplyUseCase {
  /** Who applies (the audit event names them). */
  actor: Actor
  /**
   * The snapshot, checked against the caller's rights (403/404). Inside the apply's
   * transaction `lock` is set: hold the snapshot until commit (see FindOptions).
   */
  load(db: Executor, lock: boolean): Promise<SnapshotRow>
  request(snapshot: SnapshotRow): ApplyRequest
}

/** The plan of an apply, read at one consistent moment; nothing is written. */
export function dryRunApply(ctx: AppContext, useCase: ApplyUseCase): Promise<ApplyPlan> {
  return readConsistently(ctx.db, async (trx) => {
    const snapshot = await useCase.load(trx, false)
    return planApply(trx, ctx.secrets, useCase.request(snapshot), { detail: true })
  })
}

/**
 * The fault-injection step after everything an apply writes (the executor's steps,
 * the audit event, the caller's beforeCommit), right before the commit.
 */
export const beforeCommitStep = 'beforeCommit'

/**
 * Plans again inside one transaction (the plan and the writes see the same data),
 * executes, records the audit event and runs the caller's hooks, all in that
 * transaction; `toResult` turns what was done into the use case's result.
 */
export async function runApply<R>(
  ctx: AppContext,
  useCase: ApplyUseCase,
  toResult: (plan: ApplyPlan, created: Created) => R,
  hooks?: TransactionHooks<R>,
): Promise<R> {
  // 403/404 before the deliberately slow password hash, which runs before the transaction holds any lock.
  const { newUser } = useCase.request(await useCase.load(ctx.db, false))
  const passwordHash = newUser ? await ctx.passwords.hash(newUser.password) : null
  return ctx.db.transaction().execute(async (trx) => {
    const result = await withHooks(trx, hooks, async () => {
      const plan = await planApply(trx, ctx.secrets, useCase.request(await useCase.load(trx, true)), { detail: false })
      throwFirstProblem(plan.problems)
      const created = await executePlan(trx, ctx, plan, passwordHash)
      await recordApplied(trx, useCase.actor, plan, created)
      return toResult(plan, created)
    })
    await ctx.faults(beforeCommitStep)
    return result
  })
}

function recordApplied(trx: Executor, actor: Actor, plan: ApplyPlan, created: Created) {
  return recordSnapshotEvent(trx, 'snapshot.applied', actor, plan.request.snapshot, {
    targetOrganizationId: plan.organizationId,
    details: {
      userId: created.userId,
      userEmail: created.userEmail,
      ...(created.organizationName !== null && { organizationName: created.organizationName }),
      cloned: resultCounts(plan).cloned,
    },
  })
}
