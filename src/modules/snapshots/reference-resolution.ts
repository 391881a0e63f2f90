import type { SnapshotRef } from './snapshot.schemas.ts'

/**
 * Resolves the stage and agent references of the automations an apply will
 * clone, in the order: explicit mapping → same name in the target → unresolved.
 * Pure and linear in the number of references; the result is the per-automation
 * rewrite the executor applies in one set-based statement.
 */

export interface ReferenceMappings {
  /** automationName → source stage → target stage */
  pipelineMapping?: Record<string, Record<string, string>>
  /** automationName → the automation's whole new sourceStatuses */
  sourceStatusesMapping?: Record<string, string[]>
  /** automationName → source agent id or name → target agent id */
  agentMapping?: Record<string, Record<string, string>>
}

export interface TargetCatalog {
  stageNames: ReadonlySet<string>
  agents: ReadonlyArray<{ id: string; name: string }>
}

export interface PlannedReference {
  automationName: string
  field: string
  from: string | null
  to: string | null
  resolvedBy: 'mapping' | 'name' | 'unresolved'
}

/** How one automation changes when cloned (only automations that change are listed). */
export interface AutomationRewrite {
  name: string
  sourceStatuses: string[] | null
  actionsPatch: Record<string, string>
}

export interface InvalidMappingTarget {
  automationName: string
  field: string
  value: string
  target: string
}

export interface UnresolvedReference {
  automationName: string
  field: string
  value: string
}

export interface ResolutionResult {
  references: PlannedReference[]
  rewrites: AutomationRewrite[]
  invalidTargets: InvalidMappingTarget[]
  unresolved: UnresolvedReference[]
}

interface Working {
  sourceStatuses: string[] | null
  originalStatuses: string[]
  patch: Record<string, string>
}

export function resolveReferences(
  refs: readonly SnapshotRef[],
  mappings: ReferenceMappings,
  target: TargetCatalog,
): ResolutionResult {
  const agentsById = new Map(target.agents.map((a) => [a.id, a]))
  const agentsByName = new Map(target.agents.map((a) => [a.name, a]))
  const references: PlannedReference[] = []
  const invalidTargets: InvalidMappingTarget[] = []
  const unresolved: UnresolvedReference[] = []
  const working = new Map<string, Working>()
  const entry = (name: string) => {
    let w = working.get(name)
    if (!w) {
      w = { sourceStatuses: null, originalStatuses: [], patch: {} }
      working.set(name, w)
    }
    return w
  }

  const resolveStage = (automationName: string, field: string, value: string): string | null => {
    const mapped = mappings.pipelineMapping?.[automationName]?.[value]
    if (mapped !== undefined) {
      if (!target.stageNames.has(mapped)) {
        invalidTargets.push({ automationName, field, value, target: mapped })
        references.push({ automationName, field, from: value, to: mapped, resolvedBy: 'mapping' })
        return null
      }
      references.push({ automationName, field, from: value, to: mapped, resolvedBy: 'mapping' })
      return mapped
    }
    if (target.stageNames.has(value)) {
      references.push({ automationName, field, from: value, to: value, resolvedBy: 'name' })
      return value
    }
    unresolved.push({ automationName, field, value })
    references.push({ automationName, field, from: value, to: null, resolvedBy: 'unresolved' })
    return null
  }

  for (const ref of refs) {
    const name = ref.automationName
    const w = entry(name)
    if (ref.refType === 'pipelineStage' && ref.field === 'sourceStatuses') {
      w.originalStatuses.push(ref.value)
      if (mappings.sourceStatusesMapping?.[name] !== undefined) continue // handled as a whole below
      const resolved = resolveStage(name, 'sourceStatuses', ref.value)
      w.sourceStatuses = [...(w.sourceStatuses ?? []), resolved ?? ref.value]
    } else if (ref.refType === 'pipelineStage') {
      const resolved = resolveStage(name, ref.field, ref.value)
      if (resolved !== null && resolved !== ref.value) w.patch[ref.field] = resolved
    } else {
      const mapped =
        mappings.agentMapping?.[name]?.[ref.value] ??
        (ref.agentName ? mappings.agentMapping?.[name]?.[ref.agentName] : undefined)
      if (mapped !== undefined) {
        if (!agentsById.has(mapped)) invalidTargets.push({ automationName: name, field: ref.field, value: ref.value, target: mapped })
        else w.patch[ref.field] = mapped
        references.push({ automationName: name, field: ref.field, from: ref.value, to: mapped, resolvedBy: 'mapping' })
        continue
      }
      const byName = ref.agentName ? agentsByName.get(ref.agentName) : undefined
      if (byName) {
        if (byName.id !== ref.value) w.patch[ref.field] = byName.id
        references.push({ automationName: name, field: ref.field, from: ref.value, to: byName.id, resolvedBy: 'name' })
      } else {
        unresolved.push({ automationName: name, field: ref.field, value: ref.value })
        references.push({ automationName: name, field: ref.field, from: ref.value, to: null, resolvedBy: 'unresolved' })
      }
    }
  }

  // A sourceStatusesMapping replaces the automation's whole list (and wins over pipelineMapping there).
  for (const [name, replacement] of Object.entries(mappings.sourceStatusesMapping ?? {})) {
    const w = working.get(name) ?? entry(name)
    for (const stage of replacement) {
      if (!target.stageNames.has(stage)) {
        invalidTargets.push({ automationName: name, field: 'sourceStatuses', value: stage, target: stage })
      }
    }
    const length = Math.max(w.originalStatuses.length, replacement.length)
    for (let i = 0; i < length; i++) {
      references.push({
        automationName: name,
        field: 'sourceStatuses',
        from: w.originalStatuses[i] ?? null,
        to: replacement[i] ?? null,
        resolvedBy: 'mapping',
      })
    }
    w.sourceStatuses = [...replacement]
  }

  const rewrites: AutomationRewrite[] = []
  for (const [name, w] of working) {
    const statusesChanged =
      w.sourceStatuses !== null &&
      (w.sourceStatuses.length !== w.originalStatuses.length || w.sourceStatuses.some((s, i) => s !== w.originalStatuses[i]))
    if (statusesChanged || Object.keys(w.patch).length > 0) {
      rewrites.push({ name, sourceStatuses: statusesChanged ? w.sourceStatuses : null, actionsPatch: w.patch })
    }
  }
  return { references, rewrites, invalidTargets, unresolved }
}
