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
  /** `isNew`: created by this apply under a planned id, which a plan must not show (SPEC §7.1). */
  agents: ReadonlyArray<{ id: string; name: string; isNew?: boolean }>
}

/** Where a reference will point: an existing stage name or agent id, or an agent this apply creates, by name. */
export type ReferenceTarget = string | { newAgent: string }

export interface PlannedReference {
  automationName: string
  field: string
  from: string | null
  to: ReferenceTarget | null
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
  /** Agent references: the source agent's name, so a person can tell which agent `value` (its id) was. */
  agentName?: string
  target: string
}

export interface UnresolvedReference {
  automationName: string
  field: string
  value: string
  agentName?: string
}

/**
 * A mapping entry that changes nothing: the automation has no reference it would
 * rewrite (`notReferenced`), or another entry wins (`overridden`): the stage is
 * only in sourceStatuses, which the automation's sourceStatusesMapping replaces
 * whole, or the agent's name is mapped beside its source id, which wins.
 */
export interface UnusedMapping {
  mapping: 'pipelineMapping' | 'agentMapping'
  automationName: string
  key: string
  reason: 'notReferenced' | 'overridden'
}

export interface ResolutionResult {
  references: PlannedReference[]
  rewrites: AutomationRewrite[]
  invalidTargets: InvalidMappingTarget[]
  unresolved: UnresolvedReference[]
  unusedMappings: UnusedMapping[]
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
  // Mapping entries some reference used, and stages seen only behind a sourceStatusesMapping.
  const used = new Set<string>()
  const overridden = new Set<string>()
  const entryKey = (mapping: UnusedMapping['mapping'], automationName: string, key: string) =>
    JSON.stringify([mapping, automationName, key])
  const withAgentName = (agentName: string | null | undefined) => (agentName ? { agentName } : {})
  const agentTarget = (agent: { id: string; name: string; isNew?: boolean }): ReferenceTarget =>
    agent.isNew ? { newAgent: agent.name } : agent.id
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
      used.add(entryKey('pipelineMapping', automationName, value))
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
      if (mappings.sourceStatusesMapping?.[name] !== undefined) {
        overridden.add(entryKey('pipelineMapping', name, ref.value))
        continue // handled as a whole below
      }
      const resolved = resolveStage(name, 'sourceStatuses', ref.value)
      w.sourceStatuses = [...(w.sourceStatuses ?? []), resolved ?? ref.value]
    } else if (ref.refType === 'pipelineStage') {
      const resolved = resolveStage(name, ref.field, ref.value)
      if (resolved !== null && resolved !== ref.value) w.patch[ref.field] = resolved
    } else {
      // The source agent's id wins over its name when the mapping has both.
      const key = [ref.value, ref.agentName].find((k) => k && mappings.agentMapping?.[name]?.[k] !== undefined)
      if (key) {
        used.add(entryKey('agentMapping', name, key))
        if (key === ref.value && ref.agentName) overridden.add(entryKey('agentMapping', name, ref.agentName))
        const mapped = mappings.agentMapping![name]![key]!
        const agent = agentsById.get(mapped)
        if (!agent) {
          invalidTargets.push({ automationName: name, field: ref.field, value: ref.value, ...withAgentName(ref.agentName), target: mapped })
        } else w.patch[ref.field] = mapped
        references.push({
          automationName: name,
          field: ref.field,
          from: ref.value,
          to: agent ? agentTarget(agent) : mapped,
          resolvedBy: 'mapping',
        })
        continue
      }
      const byName = ref.agentName ? agentsByName.get(ref.agentName) : undefined
      if (byName) {
        if (byName.id !== ref.value) w.patch[ref.field] = byName.id
        references.push({ automationName: name, field: ref.field, from: ref.value, to: agentTarget(byName), resolvedBy: 'name' })
      } else {
        unresolved.push({ automationName: name, field: ref.field, value: ref.value, ...withAgentName(ref.agentName) })
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
  const unusedMappings: UnusedMapping[] = []
  for (const mapping of ['pipelineMapping', 'agentMapping'] as const) {
    for (const [automationName, entries] of Object.entries(mappings[mapping] ?? {})) {
      for (const key of Object.keys(entries)) {
        const id = entryKey(mapping, automationName, key)
        if (used.has(id)) continue
        unusedMappings.push({ mapping, automationName, key, reason: overridden.has(id) ? 'overridden' : 'notReferenced' })
      }
    }
  }
  return { references, rewrites, invalidTargets, unresolved, unusedMappings }
}
