import type { Executor } from '../../db/database.ts'
import { AppError, badRequest } from '../../shared/errors.ts'
import type { SnapshotRow } from './snapshots.repository.ts'
import * as reads from './plan.repository.ts'
import {
  resolveReferences,
  type AutomationRewrite,
  type PlannedReference,
  type ReferenceMappings,
  type TargetCatalog,
} from './reference-resolution.ts'

/**
 * Apply = plan, then execute. The plan decides every item's action and every
 * reference's target, and lists each 409/422 the apply would answer; a dry run
 * returns it, a real apply executes it in one transaction.
 */

export interface Problem {
  status: 409 | 422
  error: string
  message: string
  details?: unknown
}

export interface PlanItem {
  kind: string
  name: string
  action: 'clone' | 'skip' | 'map'
}

export interface PlanView {
  items: PlanItem[]
  references: PlannedReference[]
  problems: Problem[]
  wouldSucceed: boolean
}

export function problemError(problem: Problem): AppError {
  return new AppError(problem.status === 409 ? 'CONFLICT' : 'UNPROCESSABLE', problem.error, problem.message, {
    details: problem.details,
  })
}

/** The first problem in order of precedence (conflicts before unresolvable data). */
export function throwFirstProblem(problems: readonly Problem[]): void {
  const first = [...problems].sort((a, b) => a.status - b.status)[0]
  if (first) throw problemError(first)
}

export function emailTakenProblem(email: string, field: string): Problem {
  return {
    status: 409,
    error: 'Email already exists',
    message: `A user with the email ${email} already exists`,
    details: { field },
  }
}

export interface UserItemsOptions {
  sameOrg: boolean
  applyAutomations: boolean
  applyPrompts: boolean
  applyTemplates: boolean
  /** Same-org only: the prompt names to clone; null = all. */
  selectedPromptNames: readonly string[] | null
  mappings: ReferenceMappings
  targetOrganizationId: string
  /** Where references may point; loaded only when automations are cloned. */
  loadTarget: () => Promise<TargetCatalog>
  /** List every item in the plan (dry run); a real apply only needs counts. */
  detail: boolean
}

export interface UserItemsPlan {
  cloneAutomations: boolean
  cloneTemplates: boolean
  /** null: no prompt is cloned; 'all'; or the names to clone. */
  clonePrompts: 'all' | readonly string[] | null
  /** Same-org: grant the new user the remaining prompts whose source still exists. */
  grantOtherPrompts: boolean
  rewrites: AutomationRewrite[]
  references: PlannedReference[]
  problems: Problem[]
  items: PlanItem[]
  cloned: { automations: number; prompts: number; templates: number }
  mapped: { prompts: number }
  skipped: { automations: number; prompts: number; templates: number }
}

/** Mapping keys and prompt selections must name items of the snapshot (else 400, before anything else). */
export async function assertNamesExist(
  db: Executor,
  snapshotId: string,
  mappings: ReferenceMappings,
  selectedPromptNames: readonly string[] | null,
): Promise<void> {
  const keyed = [
    ['pipelineMapping', Object.keys(mappings.pipelineMapping ?? {})],
    ['sourceStatusesMapping', Object.keys(mappings.sourceStatusesMapping ?? {})],
    ['agentMapping', Object.keys(mappings.agentMapping ?? {})],
  ] as const
  const allKeys = [...new Set(keyed.flatMap(([, keys]) => keys))]
  // Sequential on purpose: inside a transaction every query shares one connection.
  const automations = await reads.existingItemNames(db, 'snapshot_automations', snapshotId, allKeys)
  const prompts = await reads.existingItemNames(db, 'snapshot_prompts', snapshotId, selectedPromptNames ?? [])
  const details = [
    ...keyed.flatMap(([field, keys]) =>
      keys
        .filter((k) => !automations.has(k))
        .map((k) => ({ location: 'body', path: `/${field}/${k}`, message: 'names no automation of the snapshot' })),
    ),
    ...(selectedPromptNames ?? [])
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

/** Plans the user-level items (automations, prompts, templates) of a snapshot for one new user. */
export async function planUserItems(db: Executor, snapshot: SnapshotRow, options: UserItemsOptions): Promise<UserItemsPlan> {
  const cloneAutomations = options.applyAutomations && !options.sameOrg
  const cloneTemplates = options.applyTemplates && !options.sameOrg
  const items: PlanItem[] = []

  // Prompts: cross-org clones all; same-org clones the selection and maps the rest.
  let clonePrompts: UserItemsPlan['clonePrompts'] = null
  let grantOtherPrompts = false
  let promptsCloned = 0
  let promptsMapped = 0
  if (options.applyPrompts && (!options.sameOrg || options.selectedPromptNames === null)) {
    clonePrompts = 'all'
    promptsCloned = snapshot.prompt_count
    if (options.detail) {
      for (const name of await reads.itemNames(db, 'snapshot_prompts', snapshot.id)) {
        items.push({ kind: 'prompt', name, action: 'clone' })
      }
    }
  } else if (options.applyPrompts) {
    const selected = new Set(options.selectedPromptNames)
    clonePrompts = [...selected]
    grantOtherPrompts = true
    for (const prompt of await reads.promptsWithSourceState(db, snapshot.id, options.targetOrganizationId)) {
      const action = selected.has(prompt.name) ? 'clone' : prompt.sourceExists ? 'map' : 'skip'
      if (action === 'clone') promptsCloned++
      if (action === 'map') promptsMapped++
      if (options.detail) items.push({ kind: 'prompt', name: prompt.name, action })
    }
  } else if (options.detail) {
    for (const name of await reads.itemNames(db, 'snapshot_prompts', snapshot.id)) {
      items.push({ kind: 'prompt', name, action: 'skip' })
    }
  }

  if (options.detail) {
    const automationNames = await reads.itemNames(db, 'snapshot_automations', snapshot.id)
    const templateNames = await reads.itemNames(db, 'snapshot_templates', snapshot.id)
    for (const name of automationNames) items.push({ kind: 'automation', name, action: cloneAutomations ? 'clone' : 'skip' })
    for (const name of templateNames) items.push({ kind: 'template', name, action: cloneTemplates ? 'clone' : 'skip' })
  }

  let rewrites: AutomationRewrite[] = []
  let references: PlannedReference[] = []
  const problems: Problem[] = []
  if (cloneAutomations) {
    const refs = await reads.loadReferences(db, snapshot.id)
    const target = await options.loadTarget()
    const resolution = resolveReferences(refs, options.mappings, target)
    rewrites = resolution.rewrites
    references = resolution.references
    if (resolution.invalidTargets.length > 0) {
      problems.push({
        status: 422,
        error: 'Invalid mapping target',
        message: 'Some mappings point at stages or agents that do not exist in the target organization',
        details: resolution.invalidTargets,
      })
    }
    if (resolution.unresolved.length > 0) {
      problems.push({
        status: 422,
        error: 'Unresolved references',
        message:
          `${resolution.unresolved.length} stage or agent reference(s) have no match in the target organization; ` +
          'map them with pipelineMapping, sourceStatusesMapping or agentMapping',
        details: resolution.unresolved,
      })
    }
  }

  const cloned = {
    automations: cloneAutomations ? snapshot.automation_count : 0,
    prompts: promptsCloned,
    templates: cloneTemplates ? snapshot.template_count : 0,
  }
  return {
    cloneAutomations,
    cloneTemplates,
    clonePrompts,
    grantOtherPrompts,
    rewrites,
    references,
    problems,
    items,
    cloned,
    mapped: { prompts: promptsMapped },
    skipped: {
      automations: snapshot.automation_count - cloned.automations,
      prompts: snapshot.prompt_count - promptsCloned - promptsMapped,
      templates: snapshot.template_count - cloned.templates,
    },
  }
}

export function planView(items: PlanItem[], references: PlannedReference[], problems: Problem[]): PlanView {
  return { items, references, problems, wouldSucceed: problems.length === 0 }
}
