import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { SnapshotKind } from '../../db/database.ts'
import type { ItemKind } from '../snapshots/item-kind.ts'
import { kindsOf } from '../snapshots/item-kinds.ts'

/**
 * The portable bundle of SPEC §7.6, version 1:
 *
 *   {format, formatVersion, kind, exportedAt, instance:{id, keyId},
 *    snapshot:{id, name, description, version, counts, source:{orgName, userEmail, userName},
 *              items:{<countKey>: [item…]}, refs:[ref…]},
 *    checksum:"sha256:<hex>", signature:"<compact JWS>"}
 *
 * An item is a copy as a snapshot version stores it: its source id and content
 * columns (plus what capture records beside them, such as a stage's pipeline), each
 * column under its camelCase name. Source ids are the exporter's, but only as keys
 * inside the bundle (a stage names its pipeline, an agent its prompt, versions are
 * compared by them); stage and agent references and pipelines travel by name, so an
 * import never needs an id of the exporting instance.
 */

export const bundleFormat = 'tether-relay.snapshot-bundle'
export const bundleFormatVersion = 1

/** The snapshot-table columns of a kind a bundle carries. */
export function bundleColumns(kind: ItemKind): string[] {
  return [...new Set(['source_id', ...kind.columns, ...Object.keys(kind.captureAlso ?? {})])]
}

/** A column's name in a bundle: source_pipeline_id → sourcePipelineId. */
export const fieldOf = (column: string) => column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())

/** The kinds a bundle of this snapshot kind holds, in the order of their keys (canonical JSON sorts keys). */
export function bundleKinds(snapshotKind: SnapshotKind): ItemKind[] {
  return [...kindsOf(snapshotKind)].sort((a, b) => (a.countKey < b.countKey ? -1 : a.countKey > b.countKey ? 1 : 0))
}

export type BundleItem = Record<string, unknown>

export function toBundleItem(row: Record<string, unknown>, columns: readonly string[]): BundleItem {
  return Object.fromEntries(columns.map((column) => [fieldOf(column), row[column]]))
}

/**
 * The row as a bundle for a reader who may not see hidden content carries it (SPEC §10):
 * a hidden item's hidden columns are emptied. Empty rather than null, so the bundle
 * still imports (the columns are NOT NULL) and its checksum covers what was sent.
 */
export function withoutHidden(row: Record<string, unknown>, kind: ItemKind): Record<string, unknown> {
  if (!kind.hidden || row[kind.hidden.flagColumn] !== true) return row
  const emptied = { ...row }
  for (const field of kind.hidden.fields) emptied[kind.view?.fields[field] ?? field] = ''
  return emptied
}

/** A snapshot_refs row's columns and their names in a bundle, in capture order (`position` is the array index). */
export const refColumns = ['automation_name', 'ref_type', 'field', 'field_location', 'value', 'agent_name'] as const

/** Canonical JSON (RFC 8785) of a value, as the checksum reads it. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new Error('the value has no JSON form')
  return text
}

/** `sha256:<hex>` of the canonical JSON of a bundle without `checksum` and `signature`. */
export function checksumOf(unsigned: Record<string, unknown>): string {
  const { checksum: _checksum, signature: _signature, ...rest } = unsigned
  return `sha256:${createHash('sha256').update(canonicalJson(rest)).digest('hex')}`
}
