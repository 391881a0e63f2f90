import type { Executor } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { withHooks, type TransactionHooks } from '../../db/transactions.ts'
import { captureVersion, inCaptureTransaction } from './capture.service.ts'
import { recordSnapshotEvent } from './snapshot-audit.ts'
import { differingCopies, type DifferingCopy } from './diff.repository.ts'
import type { ItemKind } from './item-kind.ts'
import { kindsOf } from './item-kinds.ts'
import { diffFields, type FieldChange } from './json-diff.ts'
import { toCopy } from './snapshot-items.ts'
import { credentialNamesOfVersion, findVersion, listVersions, type SnapshotRow } from './snapshots.repository.ts'

/**
 * Versions and diff (SPEC §7.2): a snapshot is one stable id over immutable
 * versions; anything that reads a snapshot can read any of its versions.
 */

const versionNotFound = (version: number) =>
  notFound('Snapshot version', `The snapshot has no version ${version}`)

/**
 * The snapshot as of `version` (undefined: the latest): the same row with that
 * version's id, number, counts, source names and credential names, so every read
 * of a snapshot (GET, items, apply-refs, apply, export) works on any version.
 */
export async function atVersion(db: Executor, row: SnapshotRow, version: number | undefined): Promise<SnapshotRow> {
  if (version === undefined || version === row.version) return row
  const found = await findVersion(db, row.id, version)
  if (!found) throw versionNotFound(version)
  return {
    ...row,
    version: found.version,
    version_id: found.id,
    counts: found.counts,
    source_org_name: found.source_org_name,
    source_user_email: found.source_user_email,
    source_user_name: found.source_user_name,
    credential_names: await credentialNamesOfVersion(db, found.id),
  }
}

export async function versionsOf(db: Executor, row: SnapshotRow) {
  const versions = await listVersions(db, row.id)
  return versions.map((v) => ({
    version: v.version,
    description: v.description,
    createdAt: v.created_at.toISOString(),
    createdBy: v.created_by,
    createdByName: v.created_by_name,
    counts: countsShown(row, v.counts),
  }))
}

/** The counts a version shows: every kind of the snapshot kind. */
const countsShown = (row: SnapshotRow, counts: Record<string, number>) =>
  Object.fromEntries(kindsOf(row.kind).map((kind) => [kind.countKey, counts[kind.countKey] ?? 0]))

export interface ItemChange {
  kind: string
  name: string
  change: 'added' | 'removed' | 'changed'
  previousName?: string
  fields?: FieldChange[]
}

/** A copy as the diff shows it: its view's fields (children apart), or its content columns. */
function shown(kind: ItemKind, copy: Record<string, unknown>, redact: boolean): Record<string, unknown> {
  if (!kind.view) return Object.fromEntries(kind.columns.map((column) => [column, copy[column]]))
  const fields = toCopy(copy, { ...kind, view: kind.view }, redact)
  delete fields.sourceId
  return fields
}

function toChange(kind: ItemKind, differing: DifferingCopy, redact: boolean): ItemChange | null {
  const { from, to } = differing
  const nameOf = (copy: Record<string, unknown>) => String(copy[kind.nameColumn])
  if (!from) return { kind: kind.kind, name: nameOf(to!), change: 'added' }
  if (!to) return { kind: kind.kind, name: nameOf(from), change: 'removed' }
  const fields = diffFields(shown(kind, from, redact), shown(kind, to, redact))
  // Differences only in what the caller may not see (or in columns no view shows) are not shown.
  if (fields.length === 0) return null
  const change: ItemChange = { kind: kind.kind, name: nameOf(to), change: 'changed', fields }
  if (nameOf(from) !== nameOf(to)) change.previousName = nameOf(from)
  return change
}

/** GET …/{id}/diff?from=&to=: every item added, removed or changed, field by field. */
export async function diffOf(db: Executor, row: SnapshotRow, fromVersion: number, toVersion: number, redact: boolean) {
  const from = await findVersion(db, row.id, fromVersion)
  if (!from) throw versionNotFound(fromVersion)
  const to = await findVersion(db, row.id, toVersion)
  if (!to) throw versionNotFound(toVersion)
  const changes = await changesBetween(db, row, from.id, to.id, redact)
  return { from: fromVersion, to: toVersion, summary: summarize(changes), changes }
}

async function changesBetween(db: Executor, row: SnapshotRow, fromId: string, toId: string, redact: boolean): Promise<ItemChange[]> {
  const changes: ItemChange[] = []
  // Sequential on purpose: inside a transaction every query shares one connection.
  for (const kind of kindsOf(row.kind)) {
    for (const differing of await differingCopies(db, kind, fromId, toId)) {
      const change = toChange(kind, differing, redact)
      if (change) changes.push(change)
    }
  }
  return changes
}

const summarize = (changes: readonly ItemChange[]) => ({
  added: changes.filter((c) => c.change === 'added').length,
  removed: changes.filter((c) => c.change === 'removed').length,
  changed: changes.filter((c) => c.change === 'changed').length,
})

export interface CreatedVersion {
  row: SnapshotRow
  changes: ReturnType<typeof summarize>
}

/**
 * POST …/{id}/versions: captures the next version, says what changed since the
 * previous one, and writes the audit event, all in one transaction (with the
 * caller's hooks: the stored answer of an Idempotency-Key).
 */
export function createVersion(
  db: Executor,
  actor: Actor,
  row: SnapshotRow,
  description: string | undefined,
  redact: boolean,
  hooks?: TransactionHooks<CreatedVersion>,
): Promise<CreatedVersion> {
  return inCaptureTransaction(db, (trx) =>
    withHooks(trx, hooks, async () => {
      const { row: latest, previous, created } = await captureVersion(trx, actor, row, description)
      const changes = summarize(await changesBetween(trx, latest, previous.id, created.id, redact))
      await recordSnapshotEvent(trx, 'snapshot.version_created', actor, latest, {
        details: { description: description ?? null, previousVersion: previous.version, changes },
      })
      return { row: latest, changes }
    }),
  )
}
