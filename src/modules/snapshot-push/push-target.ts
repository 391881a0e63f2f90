import type { AppContext } from '../../context.ts'
import type { SnapshotKind, Tx } from '../../db/database.ts'
import { newId } from '../../shared/ids.ts'
import type { ApplicationRow } from '../applications/applications.repository.ts'
import type { CloneTarget, ItemKind } from '../snapshots/item-kind.ts'
import { itemKind, kindsOf } from '../snapshots/item-kinds.ts'
import { agentsOfOrganization, copiesOf, loadReferences, stageNamesOfOrganization } from '../snapshots/plan.repository.ts'
import { resolveReferences, type ReferenceMappings, type TargetCatalog } from '../snapshots/reference-resolution.ts'
import type { SnapshotRef } from '../snapshots/snapshot.schemas.ts'
import type { MergeOptions } from './merge.ts'
import { addCounts, mergeKind, noChanges, type ChangeCounts, type PushChange } from './push-kind.ts'
import * as repo from './push.repository.ts'

/**
 * One target of a push (SPEC §7.5), inside the caller's transaction: per kind, the
 * items unchanged locally and changed in the snapshot updated in the database in one
 * statement (push jobs); the others loaded (theirs, base, mine) in one statement,
 * merged in memory, written in at most four; references re-resolved for this target;
 * the application moved to the pushed version. A dry run runs the same code in a
 * transaction it rolls back, every item through the merge (its report lists fields).
 */

export interface PushProblem {
  status: number
  error: string
  message: string
  details?: unknown
}

export interface PushTargetInput {
  /** The application, locked by the caller. */
  application: ApplicationRow
  snapshotKind: SnapshotKind
  /** The snapshot's source organization (null: imported); same-organization applications skip what the apply skipped. */
  sourceOrgId: string | null
  to: { version: number; id: string }
  options: MergeOptions
  /**
   * 'full' (dry run): every item through the merge, so each update lists its fields.
   * 'counts' (the push job, which records counts only): items unchanged locally and
   * changed in the snapshot are updated inside the database by one statement per kind;
   * only the others travel to the process for the merge.
   */
  report: 'full' | 'counts'
}

export interface TargetReport {
  changes: PushChange[]
  counts: ChangeCounts
  problems: PushProblem[]
}

/** The fault-injection steps of a push target: one per kind written, then the application. */
export const pushStep = (kind: ItemKind | 'application') => `push:${kind === 'application' ? kind : kind.step}`

/** The kinds a push of this application writes, kinds whose references resolve against the others last. */
export function pushedKinds(input: Pick<PushTargetInput, 'application' | 'snapshotKind' | 'sourceOrgId'>): ItemKind[] {
  const { application } = input
  const sameOrganization = input.sourceOrgId === application.target_organization_id
  const kinds = kindsOf(input.snapshotKind).filter(
    (kind) =>
      kind.clone &&
      !(kind.owner === 'user' && application.user_id === null) &&
      !(kind.owner === 'user' && sameOrganization && kind.sameOrganization === 'skip'),
  )
  return [...kinds.filter((k) => !k.resolvesReferences), ...kinds.filter((k) => k.resolvesReferences)]
}

interface Lineage {
  /** Stage name in the target of the stage each snapshot stage (source id) became. */
  stageNames: Map<string, string>
  /** Agent id in the target of the agent each snapshot agent (source id) became. */
  agentIds: Map<string, string>
}

/** How references resolve in a target at one moment: its stages and agents, and what the application's items became. */
interface Moment {
  catalog: TargetCatalog
  lineage: Lineage
}

async function momentOf(trx: Tx, application: ApplicationRow, kinds: readonly ItemKind[]): Promise<Moment> {
  const org = application.target_organization_id
  const lineage: Lineage = { stageNames: new Map(), agentIds: new Map() }
  if (kinds.some((k) => k.kind === 'stage')) {
    for (const row of await repo.lineageOf(trx, itemKind('stage'), application.id, org)) lineage.stageNames.set(row.itemId, row.name)
  }
  if (kinds.some((k) => k.kind === 'agent')) {
    for (const row of await repo.lineageOf(trx, itemKind('agent'), application.id, org)) lineage.agentIds.set(row.itemId, row.id)
  }
  return {
    catalog: { stageNames: await stageNamesOfOrganization(trx, org), agents: await agentsOfOrganization(trx, org) },
    lineage,
  }
}

/**
 * The application's stored mappings, plus what lineage says: a stage or agent the
 * snapshot names that this target got from the application is where the reference
 * points, under its name in the target now (so a stage renamed by the snapshot, or
 * locally, carries its automations with it). Stored mappings win; then lineage; the
 * name is the last resort (SPEC §5.4, §7.5).
 */
function withLineage(
  refs: readonly SnapshotRef[],
  stored: ReferenceMappings,
  lineage: Lineage,
  stageIdsByName: ReadonlyMap<string, string>,
): ReferenceMappings {
  const pipelineMapping: Record<string, Record<string, string>> = structuredClone(stored.pipelineMapping ?? {})
  const agentMapping: Record<string, Record<string, string>> = structuredClone(stored.agentMapping ?? {})
  for (const ref of refs) {
    const name = ref.automationName
    if (ref.refType === 'pipelineStage') {
      if (pipelineMapping[name]?.[ref.value] !== undefined) continue
      if (ref.field === 'sourceStatuses' && stored.sourceStatusesMapping?.[name] !== undefined) continue
      const sourceId = stageIdsByName.get(ref.value)
      const live = sourceId === undefined ? undefined : lineage.stageNames.get(sourceId)
      if (live !== undefined && live !== ref.value) (pipelineMapping[name] ??= {})[ref.value] = live
    } else {
      const mapped = agentMapping[name]
      if (mapped?.[ref.value] !== undefined || (ref.agentName && mapped?.[ref.agentName] !== undefined)) continue
      const live = lineage.agentIds.get(ref.value)
      if (live !== undefined) (agentMapping[name] ??= {})[ref.value] = live
    }
  }
  return { ...stored, pipelineMapping, agentMapping }
}

/**
 * Snapshot stage names → their source ids: as the versions in `first` name them,
 * then as any other version did, newest first (a stage renamed in the source keeps
 * carrying the automations that still name it by its old name).
 */
function stageIdsByName(
  history: readonly { name: string; sourceId: string; versionId: string }[],
  first: readonly string[],
): Map<string, string> {
  const byName = new Map<string, string>()
  const rank = (versionId: string) => (first.includes(versionId) ? first.indexOf(versionId) : first.length)
  const ordered = history.map((row, index) => ({ row, index })).sort((a, b) => rank(a.row.versionId) - rank(b.row.versionId) || a.index - b.index)
  for (const { row } of ordered) if (!byName.has(row.name)) byName.set(row.name, row.sourceId)
  return byName
}

/** Planned ids of a kind: the live row each snapshot item became, a new id for the others (created, if the merge says so). */
async function plannedIdsOf(trx: Tx, kind: ItemKind, application: ApplicationRow, versionId: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {}
  for (const row of await repo.lineageOf(trx, kind, application.id, application.target_organization_id)) ids[row.itemId] = row.id
  for (const copy of await copiesOf(trx, kind, versionId)) ids[copy.sourceId] ??= newId()
  return ids
}

export async function pushTarget(trx: Tx, ctx: AppContext, input: PushTargetInput): Promise<TargetReport> {
  const { application, to, options } = input
  const org = application.target_organization_id
  const report: TargetReport = { changes: [], counts: noChanges(), problems: [] }
  if (input.snapshotKind === 'user' && application.user_id === null) {
    report.problems.push({
      status: 422,
      error: 'Target user gone',
      message: 'The user this snapshot was applied to no longer exists; there is nothing to update',
    })
    return report
  }
  const kinds = pushedKinds(input)
  const before = await momentOf(trx, application, kinds)
  const plannedIds: Record<string, Record<string, string>> = {}
  for (const kind of kinds.filter((k) => k.idPlanned)) plannedIds[kind.kind] = await plannedIdsOf(trx, kind, application, to.id)

  const target = (versionId: string): CloneTarget => ({
    versionId,
    applicationId: application.id,
    organizationId: org,
    userId: application.user_id,
    sourceOrgId: input.sourceOrgId,
    plannedIds,
    rewrites: [],
    onlyNames: null,
  })

  for (const kind of kinds) {
    const theirs = target(to.id)
    const base = target(application.version_id)
    let unresolved: ReturnType<typeof resolveReferences> | undefined
    if (kind.resolvesReferences) {
      const after = await momentOf(trx, application, kinds)
      const history = kinds.some((k) => k.kind === 'stage') ? await repo.stageNamesOfSnapshot(trx, application.snapshot_id) : []
      const stageIds = stageIdsByName(history, [to.id, application.version_id])
      const baseStageIds = stageIdsByName(history, [application.version_id])
      const stored = application.mappings as ReferenceMappings
      const newRefs = await loadReferences(trx, to.id)
      const oldRefs = await loadReferences(trx, application.version_id)
      base.rewrites = resolveReferences(oldRefs, withLineage(oldRefs, stored, before.lineage, baseStageIds), before.catalog).rewrites
      unresolved = resolveReferences(newRefs, withLineage(newRefs, stored, after.lineage, stageIds), after.catalog)
      theirs.rewrites = unresolved.rewrites
    }
    const owner = kind.owner === 'user' ? { column: 'user_id', value: application.user_id! } : { column: 'organization_id', value: org }
    // The common case, set-based: what the merge would do to an item unchanged locally whose name stays (take the snapshot's).
    const settled = input.report === 'counts' && report.problems.length === 0 ? await repo.updateUnchangedItems(trx, kind, theirs, owner) : []
    const merged = mergeKind(kind, await repo.loadSides(trx, kind, theirs, base, owner, settled.map((s) => s.item)), options, owner.column)
    for (const { name } of settled) {
      report.changes.push({ kind: kind.kind, name, action: 'update' })
      merged.writtenNames.add(name)
    }
    report.changes.push(...merged.changes)
    addCounts(report.counts, { ...merged.counts, updated: merged.counts.updated + settled.length })
    if (unresolved) report.problems.push(...referenceProblems(unresolved, merged.writtenNames))
    if (report.problems.length > 0) continue
    await repo.writeKind(trx, kind, merged.writes)
    await ctx.faults(pushStep(kind))
    // Later kinds (stages of a pipeline) point at the rows that exist now: those kept and those just created.
    if (kind.idPlanned) {
      const lineage = new Set((await repo.lineageOf(trx, kind, application.id, org)).map((r) => r.itemId))
      plannedIds[kind.kind] = Object.fromEntries(Object.entries(plannedIds[kind.kind]!).filter(([item]) => lineage.has(item)))
    }
  }

  if (input.snapshotKind === 'org') {
    for (const name of await repo.missingCredentialNames(trx, to.id, org)) {
      report.changes.push({
        kind: 'credentialName',
        name,
        action: 'keep',
        reason: 'The snapshot names this credential and the organization has no value for it (values are never copied): set it with PUT /api/organizations/{id}/credentials',
      })
    }
  }
  if (report.problems.length === 0) {
    await repo.setApplicationVersion(trx, application.id, to)
    await ctx.faults(pushStep('application'))
  }
  return report
}

/** Unresolved references and invalid stored mappings of the automations this target would write (422, as an apply). */
function referenceProblems(resolution: ReturnType<typeof resolveReferences>, written: ReadonlySet<string>): PushProblem[] {
  const problems: PushProblem[] = []
  const invalid = resolution.invalidTargets.filter((r) => written.has(r.automationName))
  const unresolved = resolution.unresolved.filter((r) => written.has(r.automationName))
  if (invalid.length > 0) {
    problems.push({
      status: 422,
      error: 'Invalid mapping target',
      message: 'Mappings stored with the application point at stages or agents that no longer exist in the target organization',
      details: invalid,
    })
  }
  if (unresolved.length > 0) {
    problems.push({
      status: 422,
      error: 'Unresolved references',
      message: `${unresolved.length} stage or agent reference(s) of the pushed automations have no match in the target organization; nothing was written to it`,
      details: unresolved,
    })
  }
  return problems
}
