import type { Executor } from '../../db/database.ts'
import type { SecretBox } from '../../shared/crypto.ts'
import { AppError, badRequest, statusForCode } from '../../shared/errors.ts'
import { newId } from '../../shared/ids.ts'
import { credentialsInUse, credentialsUsedElsewhere } from '../organizations/credentials.repository.ts'
import type { CredentialName } from '../organizations/organizations.schemas.ts'
import {
  findOrganizationConflicts,
  organizationNameTaken,
  organizationPhoneTaken,
} from '../organizations/organizations.repository.ts'
import { emailExists } from '../users/users.repository.ts'
import type { Actor } from '../../shared/actor.ts'
import type { AccessRole } from '../../shared/roles.ts'
import type { ItemKind } from './item-kind.ts'
import { itemKind, kindsOf } from './item-kinds.ts'
import * as reads from './plan.repository.ts'
import {
  resolveReferences,
  type AutomationRewrite,
  type PlannedReference,
  type ReferenceMappings,
  type TargetCatalog,
  type UnusedMapping,
} from './reference-resolution.ts'
import type { SnapshotRow } from './snapshots.repository.ts'

/**
 * Apply = load, plan, execute, for user and organization snapshots alike. The plan
 * decides every item's action and every reference's target, the result counts,
 * and every 409/422 the apply would answer; a dry run returns it, a real apply
 * executes it in one transaction (apply-executor.ts).
 */

/** Something that stops an apply, as the error it would answer with. */
export interface Problem {
  code: 'CONFLICT' | 'UNPROCESSABLE'
  error: string
  message: string
  details?: unknown
}

export interface NewUserProfile {
  email: string
  fullName: string
  phoneNumber?: string
  designation?: string
}

export interface NewOrganization {
  name: string
  phoneNumber: string
  address: string
  credentials: Partial<Record<CredentialName, string>>
}

/** What the caller asks for, independent of the snapshot kind. */
export interface ApplyRequest {
  snapshot: SnapshotRow
  /** Who applies it: recorded on the application (SPEC §7.3). */
  actor: Actor
  /** Apply into an existing organization, or create one (organization snapshots). */
  target: { organizationId: string } | { newOrganization: NewOrganization }
  /** The user this apply creates (the user-level items are cloned for them), and where the body names it. */
  newUser: (NewUserProfile & { accessRole: AccessRole; password: string; bodyField: 'newUser' | 'firstUser' }) | null
  /** Kinds switched off by their apply flag (applyAutomations: false, ...). */
  disabled: ReadonlySet<string>
  /** selectedPromptNames: same-organization applies clone these prompts (null: all) and grant the rest. */
  selectedNames: readonly string[] | null
  mappings: ReferenceMappings
}

/** What happens to one kind of item. */
export interface KindPlan {
  kind: ItemKind
  /** 'all', nothing, or the names of the items to clone. */
  clone: 'all' | 'none' | readonly string[]
  /** Same-organization apply: grant the new user the items not cloned (their step). */
  grantRest: boolean
  cloned: number
  mapped: number
  skipped: number
}

/**
 * Something in the request that the apply will not act on, though it goes ahead
 * (SPEC §7.1): shown in the plan and in the apply's result, never an error.
 * `path` points into the request body, like a validation detail's.
 */
export interface PlanWarning {
  code: 'SELECTION_IGNORED' | 'MAPPING_UNUSED'
  message: string
  path: string
}

export interface PlanItem {
  kind: string
  name: string
  action: 'clone' | 'skip' | 'map'
}

export interface ApplyPlan {
  request: ApplyRequest
  /** The organization written to: the target, or the id planned for the new one. */
  organizationId: string
  /** The id the application this apply records will have; every cloned row points at it. */
  applicationId: string
  sameOrganization: boolean
  kinds: KindPlan[]
  /** Per kind cloned under planned ids: source id → new id. */
  plannedIds: Record<string, Record<string, string>>
  rewrites: AutomationRewrite[]
  references: PlannedReference[]
  problems: Problem[]
  warnings: PlanWarning[]
  /** Every item and its action (dry runs only; a real apply needs counts alone). */
  items: PlanItem[]
}

export function problemError(problem: Problem): AppError {
  return new AppError(problem.code, problem.error, problem.message, { details: problem.details })
}

function asProblem(error: AppError): Problem {
  return { code: 'CONFLICT', error: error.title, message: error.message, details: error.details }
}

/** The first problem in order of precedence (conflicts before unprocessable data). */
export function throwFirstProblem(problems: readonly Problem[]): void {
  const first = [...problems].sort((a, b) => statusForCode(a.code) - statusForCode(b.code))[0]
  if (first) throw problemError(first)
}

/** What a dry run shows of a plan (SPEC §7.1). */
export function planView(plan: ApplyPlan) {
  return {
    items: plan.items,
    references: plan.references,
    problems: plan.problems.map(({ code, ...problem }) => ({ status: statusForCode(code), ...problem })),
    warnings: plan.warnings,
    wouldSucceed: plan.problems.length === 0,
  }
}

/** The counts an apply answers with, dry or real: derived from the plan alone. */
export function resultCounts(plan: ApplyPlan) {
  const by = (pick: (k: KindPlan) => number, include: (k: KindPlan) => boolean) =>
    Object.fromEntries(plan.kinds.filter(include).map((k) => [k.kind.countKey, pick(k)]))
  return {
    cloned: by((k) => k.cloned, (k) => k.kind.counted.cloned),
    mapped: by((k) => k.mapped, (k) => typeof k.kind.sameOrganization === 'object'),
    skipped: by((k) => k.skipped, (k) => k.kind.scope === 'user'),
  }
}

/** A JSON pointer into the request body (RFC 6901: `~` and `/` escaped in names). */
const pointer = (...segments: string[]) => segments.map((s) => `/${s.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')

const mappingFields = ['pipelineMapping', 'sourceStatusesMapping', 'agentMapping'] as const

/**
 * Mapping keys, and prompt selections where they count (a same-organization apply),
 * must name items of the snapshot (else 400, before anything else).
 */
async function assertNamesExist(db: Executor, request: ApplyRequest, sameOrganization: boolean): Promise<void> {
  const { mappings, snapshot } = request
  const keyed = mappingFields.map((field) => [field, Object.keys(mappings[field] ?? {})] as const)
  const selected = sameOrganization ? (request.selectedNames ?? []) : []
  // Sequential on purpose: inside a transaction every query shares one connection.
  const automations = await reads.existingNames(db, itemKind('automation'), snapshot.version_id, [
    ...new Set(keyed.flatMap(([, keys]) => keys)),
  ])
  const prompts = await reads.existingNames(db, itemKind('prompt'), snapshot.version_id, selected)
  const details = [
    ...keyed.flatMap(([field, keys]) =>
      keys
        .filter((k) => !automations.has(k))
        .map((k) => ({ location: 'body', path: pointer(field, k), message: 'names no automation of the snapshot' })),
    ),
    ...selected
      .filter((n) => !prompts.has(n))
      .map((n) => ({ location: 'body', path: '/selectedPromptNames', message: `"${n}" names no prompt of the snapshot` })),
  ]
  if (details.length > 0) {
    throw badRequest(
      'Validation error',
      'Mapping keys and selectedPromptNames must name automations and prompts of the snapshot',
      details,
    )
  }
}

/** 409s: a new organization's name, phone or credential values, a new user's email. */
async function conflicts(db: Executor, secrets: SecretBox, request: ApplyRequest): Promise<Problem[]> {
  const problems: Problem[] = []
  if ('newOrganization' in request.target) {
    const org = request.target.newOrganization
    const taken = await findOrganizationConflicts(db, org.name, org.phoneNumber)
    if (taken.name) problems.push(asProblem(organizationNameTaken(org.name)))
    if (taken.phoneNumber) problems.push(asProblem(organizationPhoneTaken(org.phoneNumber)))
  }
  const { newUser } = request
  if (newUser && (await emailExists(db, newUser.email))) {
    problems.push({
      code: 'CONFLICT',
      error: 'Email already exists',
      message: `A user with the email ${newUser.email} already exists`,
      details: { field: `${newUser.bodyField}.email` },
    })
  }
  if ('newOrganization' in request.target) {
    // The same answer as the credentials step would give: a value is stored once, under one name of one organization.
    const used = await credentialsUsedElsewhere(db, secrets, null, request.target.newOrganization.credentials)
    if (used.length > 0) problems.push(asProblem(credentialsInUse(used)))
  }
  return problems
}

/** What happens to each kind: org kinds are cloned whole, user kinds by the rules of SPEC §5. */
async function planKinds(db: Executor, request: ApplyRequest, sameOrganization: boolean, organizationId: string) {
  const plans: KindPlan[] = []
  const grants = new Map<string, { name: string; action: PlanItem['action'] }[]>()
  for (const kind of kindsOf(request.snapshot.kind)) {
    const count = request.snapshot.counts[kind.countKey] ?? 0
    const plan: KindPlan = { kind, clone: 'none', grantRest: false, cloned: 0, mapped: 0, skipped: 0 }
    plans.push(plan)
    if (!kind.clone) continue
    if (kind.scope === 'org') {
      Object.assign(plan, { clone: 'all', cloned: count })
    } else if (!request.newUser || request.disabled.has(kind.kind) || (sameOrganization && kind.sameOrganization === 'skip')) {
      plan.skipped = count
    } else if (sameOrganization && typeof kind.sameOrganization === 'object' && request.selectedNames !== null) {
      const selected = new Set(request.selectedNames)
      const items = (await reads.promptsWithSourceState(db, request.snapshot.version_id, organizationId)).map((p) => ({
        name: p.name,
        action: selected.has(p.name) ? ('clone' as const) : p.sourceExists ? ('map' as const) : ('skip' as const),
      }))
      grants.set(kind.kind, items)
      Object.assign(plan, {
        clone: [...selected],
        grantRest: true,
        cloned: items.filter((i) => i.action === 'clone').length,
        mapped: items.filter((i) => i.action === 'map').length,
        skipped: items.filter((i) => i.action === 'skip').length,
      })
    } else {
      Object.assign(plan, { clone: 'all', cloned: count })
    }
  }
  return { plans, grants }
}

/** Where the automations' references may point: the target's stages and agents, or the new organization's. */
async function targetCatalog(db: Executor, plan: Omit<ApplyPlan, 'references' | 'rewrites' | 'problems' | 'warnings' | 'items'>): Promise<TargetCatalog> {
  if (!('newOrganization' in plan.request.target)) {
    return {
      stageNames: await reads.stageNamesOfOrganization(db, plan.organizationId),
      agents: await reads.agentsOfOrganization(db, plan.organizationId),
    }
  }
  const versionId = plan.request.snapshot.version_id
  const stages = await reads.copiesOf(db, itemKind('stage'), versionId)
  const agents = await reads.copiesOf(db, itemKind('agent'), versionId)
  const agentIds = plan.plannedIds.agent ?? {}
  return {
    stageNames: new Set(stages.map((s) => s.name)),
    agents: agents.map((a) => ({ id: agentIds[a.sourceId]!, name: a.name, isNew: true })),
  }
}

/** Warnings about what the request asks that this apply will not do (SPEC §5, §7.1). */
function requestWarnings(request: ApplyRequest, sameOrganization: boolean, automationsCloned: boolean): PlanWarning[] {
  const warnings: PlanWarning[] = []
  if (!sameOrganization && request.selectedNames !== null) {
    warnings.push({
      code: 'SELECTION_IGNORED',
      path: '/selectedPromptNames',
      message:
        'selectedPromptNames is ignored: it chooses prompts only when applying into the snapshot\u2019s own organization; ' +
        'this apply clones every prompt (applyPrompts: false clones none)',
    })
  }
  if (!automationsCloned) {
    for (const field of mappingFields) {
      if (Object.keys(request.mappings[field] ?? {}).length === 0) continue
      warnings.push({
        code: 'MAPPING_UNUSED',
        path: pointer(field),
        message: `${field} changes nothing: this apply clones no automation (${
          request.disabled.has('automation') ? 'applyAutomations is false' : 'automations are not cloned into the snapshot\u2019s own organization'
        })`,
      })
    }
  }
  return warnings
}

const unusedReason = {
  pipelineMapping: {
    notReferenced: 'the automation does not reference that stage (names are case-sensitive)',
    overridden: 'the automation has that stage only in sourceStatuses, which its sourceStatusesMapping replaces',
  },
  agentMapping: {
    notReferenced: 'the automation does not reference that agent (by source id or name)',
    overridden: 'the entry for the same agent\u2019s source id wins',
  },
} as const

function unusedMappingWarning(unused: UnusedMapping): PlanWarning {
  const what = unused.mapping === 'pipelineMapping' ? `stage "${unused.key}"` : `agent "${unused.key}"`
  return {
    code: 'MAPPING_UNUSED',
    path: pointer(unused.mapping, unused.automationName, unused.key),
    message: `${unused.mapping} entry for ${what} of "${unused.automationName}" changes nothing: ${unusedReason[unused.mapping][unused.reason]}`,
  }
}

export async function planApply(
  db: Executor,
  secrets: SecretBox,
  request: ApplyRequest,
  options: { detail: boolean },
): Promise<ApplyPlan> {
  const organizationId = 'organizationId' in request.target ? request.target.organizationId : newId()
  const sameOrganization = 'organizationId' in request.target && organizationId === request.snapshot.source_org_id
  await assertNamesExist(db, request, sameOrganization)
  const problems = await conflicts(db, secrets, request)
  const { plans, grants } = await planKinds(db, request, sameOrganization, organizationId)

  const versionId = request.snapshot.version_id
  const plannedIds: Record<string, Record<string, string>> = {}
  const copies = new Map<string, { sourceId: string; name: string }[]>()
  const copiesOf = async (kind: ItemKind) => {
    if (!copies.has(kind.kind)) copies.set(kind.kind, await reads.copiesOf(db, kind, versionId))
    return copies.get(kind.kind)!
  }
  for (const plan of plans) {
    if (plan.kind.idPlanned && plan.clone === 'all') {
      plannedIds[plan.kind.kind] = Object.fromEntries((await copiesOf(plan.kind)).map((c) => [c.sourceId, newId()]))
    }
  }

  const base = { request, organizationId, applicationId: newId(), sameOrganization, kinds: plans, plannedIds }
  let rewrites: AutomationRewrite[] = []
  let references: PlannedReference[] = []
  const automationsCloned = plans.find((p) => p.kind.kind === 'automation')?.clone === 'all'
  const warnings = requestWarnings(request, sameOrganization, automationsCloned)
  if (automationsCloned) {
    const resolution = resolveReferences(await reads.loadReferences(db, versionId), request.mappings, await targetCatalog(db, base))
    rewrites = resolution.rewrites
    references = resolution.references
    warnings.push(...resolution.unusedMappings.map(unusedMappingWarning))
    if (resolution.invalidTargets.length > 0) {
      problems.push({
        code: 'UNPROCESSABLE',
        error: 'Invalid mapping target',
        message: 'Some mappings point at stages or agents that do not exist in the target organization',
        details: resolution.invalidTargets,
      })
    }
    if (resolution.unresolved.length > 0) {
      problems.push({
        code: 'UNPROCESSABLE',
        error: 'Unresolved references',
        message: unresolvedMessage(request, resolution.unresolved.length),
        details: resolution.unresolved,
      })
    }
  }

  const items: PlanItem[] = []
  if (options.detail) {
    for (const plan of plans.filter((p) => p.kind.listedInPlan)) {
      const listed =
        grants.get(plan.kind.kind) ??
        (await copiesOf(plan.kind)).map((c) => ({ name: c.name, action: plan.clone === 'all' ? ('clone' as const) : ('skip' as const) }))
      items.push(...listed.map((item) => ({ kind: plan.kind.kind, ...item })))
    }
  }
  return { ...base, rewrites, references, problems, warnings, items }
}

/** What the caller can do about unresolved references depends on the endpoint (org applies take no mappings). */
function unresolvedMessage(request: ApplyRequest, count: number): string {
  if ('newOrganization' in request.target) {
    return (
      `${count} stage or agent reference(s) of the captured automations name stages or agents that the snapshot ` +
      'does not contain (they were deleted or renamed in the source organization before the capture). Apply without ' +
      'firstUser to create the organization without the user-level items, or fix those automations in the source ' +
      'and capture the snapshot again'
    )
  }
  return (
    `${count} stage or agent reference(s) have no match in the target organization; ` +
    'map them with pipelineMapping, sourceStatusesMapping or agentMapping'
  )
}
