import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { readConsistently } from '../../db/transactions.ts'
import { executePlan, type Created } from './apply-executor.ts'
import { planApply, throwFirstProblem, type ApplyPlan, type ApplyRequest } from './apply-plan.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

/**
 * The one apply pipeline of both snapshot kinds: load → plan → execute. A feature
 * module says how to load the snapshot with the caller's rights and how to turn
 * its request body into an ApplyRequest; the rest is the same for every apply.
 */
export interface ApplyUseCase {
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

/** Plans again inside one transaction (the plan and the writes see the same data), then executes. */
export async function runApply(ctx: AppContext, useCase: ApplyUseCase): Promise<{ plan: ApplyPlan; created: Created }> {
  // 403/404 before the deliberately slow password hash, which runs before the transaction holds any lock.
  const { newUser } = useCase.request(await useCase.load(ctx.db, false))
  const passwordHash = newUser ? await ctx.passwords.hash(newUser.password) : null
  return ctx.db.transaction().execute(async (trx) => {
    const plan = await planApply(trx, ctx.secrets, useCase.request(await useCase.load(trx, true)), { detail: false })
    throwFirstProblem(plan.problems)
    return { plan, created: await executePlan(trx, ctx, plan, passwordHash) }
  })
}
