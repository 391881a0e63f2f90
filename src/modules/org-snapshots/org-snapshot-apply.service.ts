import type { AppContext } from '../../context.ts'
import type { TransactionHooks } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { dryRunApply, runApply, type ApplyUseCase } from '../snapshots/apply.service.ts'
import { planView, resultCounts, type ApplyPlan } from '../snapshots/apply-plan.ts'
import type { ApplyOrgSnapshotInput } from './org-snapshots.schemas.ts'
import { findOrgSnapshot } from './org-snapshots.service.ts'
import { atVersion } from '../snapshots/versions.service.ts'

/**
 * Apply an organization snapshot (SPEC §6): a new organization with its pipelines,
 * stages, dynamic properties, agents and credentials, and optionally a first ADMIN
 * with clones of the captured user items, all in one transaction.
 */

function useCase(actor: Actor, id: string, input: ApplyOrgSnapshotInput, version: number | undefined): ApplyUseCase {
  return {
    actor,
    load: async (db, lock) => atVersion(db, await findOrgSnapshot(db, id, { lockForApply: lock }), version),
    request: (snapshot) => ({
      snapshot,
      actor,
      target: {
        newOrganization: {
          name: input.orgName,
          phoneNumber: input.orgPhone,
          address: input.orgAddress,
          credentials: input.credentials ?? {},
        },
      },
      newUser: input.firstUser ? { ...input.firstUser, accessRole: 'ADMIN', bodyField: 'firstUser' } : null,
      disabled: new Set(),
      selectedNames: null,
      mappings: {},
    }),
  }
}

/** Which credentials the new organization has, and which of the source's it still lacks. */
function credentialsOutcome(plan: ApplyPlan) {
  const configured = Object.keys(input(plan).credentials).sort()
  return { configured, missing: plan.request.snapshot.credential_names.filter((name) => !configured.includes(name)) }
}

const input = (plan: ApplyPlan) => {
  const { target } = plan.request
  if (!('newOrganization' in target)) throw new Error('an organization apply always creates an organization')
  return target.newOrganization
}

export async function dryRunOrgSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  body: ApplyOrgSnapshotInput,
  version?: number,
) {
  const plan = await dryRunApply(ctx, useCase(actor, id, body, version))
  return {
    message: 'Dry run',
    result: {
      organizationId: null,
      organizationName: body.orgName,
      userId: null,
      userEmail: body.firstUser?.email ?? null,
      cloned: resultCounts(plan).cloned,
      credentials: credentialsOutcome(plan),
      warnings: plan.warnings,
    },
    plan: planView(plan),
  }
}

export interface OrgApplyResult {
  applicationId: string
  organizationId: string
  organizationName: string
  userId: string | null
  userEmail: string | null
  cloned: ReturnType<typeof resultCounts>['cloned']
  credentials: ReturnType<typeof credentialsOutcome>
  warnings: ApplyPlan['warnings']
}

export function applyOrgSnapshot(
  ctx: AppContext,
  actor: Actor,
  id: string,
  body: ApplyOrgSnapshotInput,
  version?: number,
  hooks?: TransactionHooks<OrgApplyResult>,
): Promise<OrgApplyResult> {
  return runApply(
    ctx,
    useCase(actor, id, body, version),
    (plan, created) => ({
      applicationId: created.applicationId,
      organizationId: created.organizationId,
      organizationName: created.organizationName!,
      userId: created.userId,
      userEmail: created.userEmail,
      cloned: resultCounts(plan).cloned,
      credentials: credentialsOutcome(plan),
      warnings: plan.warnings,
    }),
    hooks,
  )
}
