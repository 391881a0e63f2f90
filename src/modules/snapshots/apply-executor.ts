import type { AppContext } from '../../context.ts'
import type { Tx } from '../../db/database.ts'
import { conflict } from '../../shared/errors.ts'
import { writeCredentials } from '../organizations/credentials.repository.ts'
import { insertOrganization } from '../organizations/organizations.repository.ts'
import { insertUser, newUserRow } from '../users/users.repository.ts'
import { insertApplication } from '../applications/applications.repository.ts'
import { resultCounts, type ApplyPlan, type KindPlan } from './apply-plan.ts'
import { cloneItems, grantSourcePrompts } from './clone.repository.ts'
import type { CloneTarget } from './item-kind.ts'
import { itemKinds } from './item-kinds.ts'

/**
 * Executes a plan inside the apply's transaction: a fixed list of named steps,
 * each one set-based statement whatever the number of items. After each step the
 * (test-only) fault injector runs, so a test can fail any step and prove the
 * transaction leaves nothing behind.
 */

/**
 * Kinds an apply does not copy from the snapshot write what the request brings in
 * their step instead (credential values: never in a snapshot, SPEC §6).
 */
const requestSteps: Record<string, (trx: Tx, ctx: AppContext, plan: ApplyPlan) => Promise<unknown>> = {
  credentials: async (trx, ctx, plan) => {
    if (!('newOrganization' in plan.request.target)) return
    await writeCredentials(trx, ctx.secrets, plan.organizationId, plan.request.target.newOrganization.credentials)
  },
}

/**
 * Every step, in the order they run: the organization, then each kind in the
 * order of the item-kind list, the new user right before the first kind a user
 * owns, and a kind's grant step right after it.
 */
export const applySteps: readonly string[] = (() => {
  const steps = ['organization']
  for (const kind of itemKinds) {
    if (kind.owner === 'user' && !steps.includes('user')) steps.push('user')
    steps.push(kind.step)
    if (typeof kind.sameOrganization === 'object') steps.push(kind.sameOrganization.grantStep)
  }
  steps.push('application')
  return steps
})()

export interface Created {
  applicationId: string
  organizationId: string
  organizationName: string | null
  userId: string | null
  userEmail: string | null
}

/** A statement wrote a different number of rows than planned: the data changed under the apply. */
const concurrentChange = (kind: string) =>
  conflict('Concurrent change', `The ${kind} items changed while the snapshot was applied; retry the request`)

export async function executePlan(trx: Tx, ctx: AppContext, plan: ApplyPlan, passwordHash: string | null): Promise<Created> {
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const result = await run()
    await ctx.faults(name)
    return result
  }
  const created: Created = { applicationId: plan.applicationId, organizationId: plan.organizationId, organizationName: null, userId: null, userEmail: null }
  const { target, newUser } = plan.request
  if ('newOrganization' in target) {
    const org = target.newOrganization
    const row = await step('organization', () =>
      insertOrganization(trx, { id: plan.organizationId, name: org.name, phone_number: org.phoneNumber, address: org.address }),
    )
    created.organizationName = row.name
  }

  const cloneTarget: CloneTarget = {
    versionId: plan.request.snapshot.version_id,
    applicationId: plan.applicationId,
    organizationId: plan.organizationId,
    userId: null,
    sourceOrgId: plan.request.snapshot.source_org_id,
    plannedIds: plan.plannedIds,
    rewrites: plan.rewrites,
    onlyNames: null,
  }
  const createUser = async () => {
    if (!newUser || !passwordHash || created.userId !== null) return
    const user = await step('user', () => insertUser(trx, newUserRow(plan.organizationId, newUser, passwordHash, newUser.accessRole)))
    Object.assign(created, { userId: user.id, userEmail: user.email })
    cloneTarget.userId = user.id
  }
  for (const kindPlan of plan.kinds) {
    const { kind } = kindPlan
    if (kind.owner === 'user') await createUser()
    if (!kind.clone) {
      const write = requestSteps[kind.step]
      if (!write) throw new Error(`item kind ${kind.kind} has neither a clone nor a request step`)
      await step(kind.step, () => write(trx, ctx, plan))
      continue
    }
    if (kindPlan.clone !== 'none') {
      const onlyNames = kindPlan.clone === 'all' ? null : kindPlan.clone
      const written = await step(kind.step, () => cloneItems(trx, kind, { ...cloneTarget, onlyNames }))
      if (written !== kindPlan.cloned) throw concurrentChange(kind.kind)
    }
    if (kindPlan.grantRest && typeof kind.sameOrganization === 'object' && cloneTarget.userId) {
      const granted = await step(kind.sameOrganization.grantStep, () =>
        grantSourcePrompts(trx, { ...cloneTarget, userId: cloneTarget.userId! }, clonedNames(kindPlan)),
      )
      if (granted !== kindPlan.mapped) throw concurrentChange(kind.kind)
    }
  }
  await createUser()
  await step('application', () => recordApplication(trx, plan, created))
  return created
}

/** The lineage of this apply (SPEC §7.3), written last so it names what was created. */
function recordApplication(trx: Tx, plan: ApplyPlan, created: Created) {
  const { snapshot, actor, mappings } = plan.request
  return insertApplication(trx, {
    id: plan.applicationId,
    snapshotId: snapshot.id,
    snapshotKind: snapshot.kind,
    snapshotName: snapshot.name,
    version: snapshot.version,
    versionId: snapshot.version_id,
    targetOrganizationId: plan.organizationId,
    userId: created.userId,
    userEmail: created.userEmail,
    appliedBy: actor.id,
    appliedByName: actor.fullName,
    counts: resultCounts(plan).cloned,
    mappings: Object.fromEntries(Object.entries(mappings).filter(([, value]) => value !== undefined)),
  })
}

const clonedNames = (plan: KindPlan): readonly string[] => (plan.clone === 'all' || plan.clone === 'none' ? [] : plan.clone)
