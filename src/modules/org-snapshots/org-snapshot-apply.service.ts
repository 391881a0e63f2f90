import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import { readConsistently } from '../../db/transactions.ts'
import type { SecretBox } from '../../shared/crypto.ts'
import type { AppError } from '../../shared/errors.ts'
import { newId } from '../../shared/ids.ts'
import { configuredCredentialNames, credentialsUsedElsewhere, writeCredentials } from '../organizations/credentials.repository.ts'
import {
  findOrganizationConflicts,
  insertOrganization,
  organizationNameTaken,
  organizationPhoneTaken,
} from '../organizations/organizations.repository.ts'
import { emailExists, insertUser, newUserRow } from '../users/users.repository.ts'
import { executeUserItems, step } from '../snapshots/apply-executor.ts'
import * as clone from '../snapshots/apply.repository.ts'
import {
  emailTakenProblem,
  planUserItems,
  planView,
  throwFirstProblem,
  type PlanItem,
  type Problem,
  type UserItemsPlan,
} from '../snapshots/apply-plan.ts'
import * as reads from '../snapshots/plan.repository.ts'
import type { SnapshotRow } from '../snapshots/snapshots.repository.ts'
import type { ApplyOrgSnapshotInput } from './org-snapshots.schemas.ts'
import { findOrgSnapshot } from './org-snapshots.service.ts'

/**
 * Apply an organization snapshot (SPEC §6): stand up a new organization with its
 * pipelines, stages, dynamic properties, agents and credentials, and optionally a
 * first ADMIN with clones of the captured user items, all in one transaction.
 * New ids of pipelines and agents are chosen at plan time so stage and agent
 * references resolve against the organization being created.
 */

interface OrgApplyPlan {
  snapshot: SnapshotRow
  organizationId: string
  pipelineIds: Record<string, string>
  agentIds: Record<string, string>
  stageCount: number
  propertyTypes: string[]
  items: UserItemsPlan
  planItems: PlanItem[]
  problems: Problem[]
  credentialsMissing: string[]
}

/** A 409 the apply would throw, as a plan problem. */
function conflictProblem(error: AppError): Problem {
  return { status: 409, error: error.title, message: error.message, details: error.details }
}

async function conflictProblems(db: Executor, secrets: SecretBox, input: ApplyOrgSnapshotInput): Promise<Problem[]> {
  const problems: Problem[] = []
  const taken = await findOrganizationConflicts(db, input.orgName, input.orgPhone)
  if (taken.name) problems.push(conflictProblem(organizationNameTaken(input.orgName)))
  if (taken.phoneNumber) problems.push(conflictProblem(organizationPhoneTaken(input.orgPhone)))
  if (input.firstUser && (await emailExists(db, input.firstUser.email))) {
    problems.push(emailTakenProblem(input.firstUser.email, 'firstUser.email'))
  }
  const usedCredentials = await credentialsUsedElsewhere(db, secrets, null, input.credentials ?? {})
  if (usedCredentials.length > 0) {
    problems.push({
      status: 409,
      error: 'Credentials already in use',
      message: `These credential values are already used by another organization: ${usedCredentials.join(', ')}`,
      details: { fields: usedCredentials },
    })
  }
  return problems
}

async function planOrgApply(
  db: Executor,
  secrets: SecretBox,
  snapshot: SnapshotRow,
  input: ApplyOrgSnapshotInput,
  detail: boolean,
): Promise<OrgApplyPlan> {
  const problems = await conflictProblems(db, secrets, input)
  const organizationId = newId()
  const pipelines = await reads.snapshotPipelines(db, snapshot.id)
  const agents = await reads.snapshotAgents(db, snapshot.id)
  const stageNames = await reads.snapshotStageNames(db, snapshot.id)
  const stageCount = await reads.snapshotStageCount(db, snapshot.id)
  const propertyTypes = await reads.snapshotPropertyTypes(db, snapshot.id)
  const pipelineIds = Object.fromEntries(pipelines.map((p) => [p.source_id, newId()]))
  const agentIds = Object.fromEntries(agents.map((a) => [a.source_id, newId()]))
  const withUser = input.firstUser !== undefined
  const items = await planUserItems(db, snapshot, {
    sameOrg: false,
    applyAutomations: withUser,
    applyPrompts: withUser,
    applyTemplates: withUser,
    selectedPromptNames: null,
    mappings: {},
    targetOrganizationId: organizationId,
    // References resolve against the organization this apply creates.
    loadTarget: () =>
      Promise.resolve({ stageNames, agents: agents.map((a) => ({ id: agentIds[a.source_id]!, name: a.name })) }),
    detail,
  })
  problems.push(...items.problems)
  const planItems: PlanItem[] = detail
    ? [
        ...pipelines.map((p) => ({ kind: 'pipeline', name: p.name, action: 'clone' as const })),
        ...agents.map((a) => ({ kind: 'agent', name: a.name, action: 'clone' as const })),
        ...propertyTypes.map((type) => ({ kind: 'dynamicProperties', name: type, action: 'clone' as const })),
        ...items.items,
      ]
    : []
  const provided = Object.keys(input.credentials ?? {})
  return {
    snapshot,
    organizationId,
    pipelineIds,
    agentIds,
    stageCount,
    propertyTypes,
    items,
    planItems,
    problems,
    credentialsMissing: snapshot.credential_names.filter((name) => !provided.includes(name)),
  }
}

function plannedCounts(plan: OrgApplyPlan) {
  return {
    pipelines: Object.keys(plan.pipelineIds).length,
    ...plan.items.cloned,
    stages: plan.stageCount,
    agents: Object.keys(plan.agentIds).length,
    dynamicProperties: plan.propertyTypes.length,
  }
}

export async function dryRunOrgSnapshot(ctx: AppContext, id: string, input: ApplyOrgSnapshotInput) {
  const plan = await readConsistently(ctx.db, async (trx) =>
    planOrgApply(trx, ctx.secrets, await findOrgSnapshot(trx, id), input, true),
  )
  return {
    message: 'Dry run',
    result: {
      organizationId: null,
      organizationName: input.orgName,
      userId: null,
      userEmail: input.firstUser?.email ?? null,
      cloned: plannedCounts(plan),
      credentials: { configured: Object.keys(input.credentials ?? {}).sort(), missing: plan.credentialsMissing },
    },
    plan: planView(plan.planItems, plan.items.references, plan.problems),
  }
}

export async function applyOrgSnapshot(ctx: AppContext, id: string, input: ApplyOrgSnapshotInput) {
  await findOrgSnapshot(ctx.db, id)
  // Hashing is slow on purpose; do it before the transaction holds any lock.
  const passwordHash = input.firstUser ? await ctx.passwords.hash(input.firstUser.password) : null
  const { faults } = ctx
  return ctx.db.transaction().execute(async (trx) => {
    const snapshot = await findOrgSnapshot(trx, id, { lockForApply: true })
    const plan = await planOrgApply(trx, ctx.secrets, snapshot, input, false)
    throwFirstProblem(plan.problems)
    const organizationId = plan.organizationId
    const organization = await step(faults, 'organization', () =>
      insertOrganization(trx, { id: organizationId, name: input.orgName, phone_number: input.orgPhone, address: input.orgAddress }),
    )
    const pipelines = await step(faults, 'pipelines', () => clone.clonePipelines(trx, snapshot.id, organizationId, plan.pipelineIds))
    const stages = await step(faults, 'stages', () => clone.cloneStages(trx, snapshot.id, organizationId, plan.pipelineIds))
    const dynamicProperties = await step(faults, 'properties', () => clone.cloneDynamicProperties(trx, snapshot.id, organizationId))
    await step(faults, 'credentials', () => writeCredentials(trx, ctx.secrets, organizationId, input.credentials ?? {}))

    const { firstUser } = input
    let user: { id: string; email: string } | null = null
    let userItems = { cloned: { automations: 0, prompts: 0, templates: 0 } }
    if (firstUser && passwordHash) {
      user = await step(faults, 'user', () => insertUser(trx, newUserRow(organizationId, firstUser, passwordHash, 'ADMIN')))
      const target = { snapshotId: snapshot.id, organizationId, userId: user.id }
      userItems = await executeUserItems(trx, faults, plan.items, target, snapshot.source_org_id)
    }
    // After the prompts: an agent's prompt points at the first user's copy of it.
    const agents = await step(faults, 'agents', () =>
      clone.cloneAgents(trx, snapshot.id, organizationId, plan.agentIds, user?.id ?? null),
    )
    const configured = await configuredCredentialNames(trx, organizationId)
    return {
      organizationId,
      organizationName: organization.name,
      userId: user?.id ?? null,
      userEmail: user?.email ?? null,
      cloned: { pipelines, ...userItems.cloned, stages, agents, dynamicProperties },
      credentials: {
        configured,
        missing: snapshot.credential_names.filter((name) => !configured.includes(name as (typeof configured)[number])),
      },
    }
  })
}
