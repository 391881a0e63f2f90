import type { FaultInjector } from '../../context.ts'
import type { Tx } from '../../db/database.ts'
import * as clone from './apply.repository.ts'
import type { UserItemsPlan } from './apply-plan.ts'

/**
 * Named steps of an apply. After each one the (test-only) fault injector runs, so
 * a test can fail any step and prove the transaction leaves nothing behind; the
 * fault-injection test fails every name listed here.
 */
export const applySteps = [
  'organization',
  'pipelines',
  'stages',
  'properties',
  'credentials',
  'user',
  'prompts',
  'promptGrants',
  'agents',
  'automations',
  'templates',
] as const
export type ApplyStep = (typeof applySteps)[number]

export async function step<T>(faults: FaultInjector, name: ApplyStep, run: () => Promise<T>): Promise<T> {
  const result = await run()
  await faults(name)
  return result
}

export interface UserItemsResult {
  cloned: { automations: number; prompts: number; templates: number }
  mapped: { prompts: number }
}

/** Executes the user-level part of a plan for the new user: a handful of statements, whatever the size. */
export async function executeUserItems(
  trx: Tx,
  faults: FaultInjector,
  plan: UserItemsPlan,
  target: clone.CloneTarget,
  sourceOrgId: string,
): Promise<UserItemsResult> {
  const { clonePrompts } = plan
  const prompts =
    clonePrompts === null
      ? 0
      : await step(faults, 'prompts', () => clone.clonePrompts(trx, target, sourceOrgId, clonePrompts === 'all' ? null : clonePrompts))
  const mappedPrompts = plan.grantOtherPrompts
    ? await step(faults, 'promptGrants', () => clone.grantSourcePrompts(trx, target, clonePrompts === 'all' ? [] : (clonePrompts ?? [])))
    : 0
  const automations = plan.cloneAutomations
    ? await step(faults, 'automations', () => clone.cloneAutomations(trx, target, plan.rewrites))
    : 0
  const templates = plan.cloneTemplates ? await step(faults, 'templates', () => clone.cloneTemplates(trx, target)) : 0
  return { cloned: { automations, prompts, templates }, mapped: { prompts: mappedPrompts } }
}
