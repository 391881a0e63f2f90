import type { AppContext } from '../../context.ts'
import type { ItemCounts, SnapshotKind, Tx } from '../../db/database.ts'
import { withHooks, type TransactionHooks } from '../../db/transactions.ts'
import type { Actor } from '../../shared/actor.ts'
import { verifyWithEmbeddedKey } from '../../shared/bundle-signing.ts'
import { AppError, badRequest, conflict, unprocessable } from '../../shared/errors.ts'
import { newId } from '../../shared/ids.ts'
import { kindsOf } from '../snapshots/item-kinds.ts'
import { recordSnapshotEvent } from '../snapshots/snapshot-audit.ts'
import { findSnapshot, setVersionCounts, type SnapshotRow } from '../snapshots/snapshots.repository.ts'
import { bundleColumns, bundleFormat, bundleFormatVersion, checksumOf, fieldOf, refColumns } from './bundle-format.ts'
import type { BundleInput } from './bundle.schemas.ts'
import {
  findImportedSnapshot,
  findImportedVersion,
  insertImportedSnapshot,
  insertRows,
  insertVersion,
  setLatestImportedVersion,
  type ImportOrigin,
} from './bundles.repository.ts'

/**
 * POST …/import (SPEC §7.6): a bundle becomes a snapshot of this instance, created
 * by the importer and assigned to their organization, with no source organization
 * here (every apply of it is cross-organization). Checked in this order, each with
 * its own answer: format and version (before the schema, so a bundle of a later
 * format says so), the schema, the kind, the checksum, the signature, the trust,
 * then the content (every kind present, counts as listed, source ids unique).
 */

const bodyIssue = (path: string, message: string) => [{ location: 'body', path, message }]

/** Format name and version, checked before the body's schema (a later format may have other fields). */
export function checkBundleFormat(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return
  const { format, formatVersion } = body as { format?: unknown; formatVersion?: unknown }
  if (format !== bundleFormat) {
    throw badRequest('Unknown bundle format', `This is not a snapshot bundle: format must be "${bundleFormat}"`, bodyIssue('/format', `must be "${bundleFormat}"`))
  }
  if (formatVersion !== bundleFormatVersion) {
    const got = typeof formatVersion === 'number' ? ` (this bundle is version ${formatVersion})` : ''
    throw badRequest(
      'Unsupported bundle version',
      `This server reads bundles of formatVersion ${bundleFormatVersion}${got}`,
      bodyIssue('/formatVersion', `must be ${bundleFormatVersion}`),
    )
  }
}

/** Checksum, then signature, then trust: which one failed is the answer's title. */
async function verifyBundle(ctx: AppContext, bundle: BundleInput): Promise<void> {
  if (checksumOf(bundle) !== bundle.checksum) {
    throw badRequest(
      'Checksum mismatch',
      'The bundle\u2019s checksum does not match its content: it was changed after it was exported',
      bodyIssue('/checksum', 'does not match the canonical JSON of the bundle'),
    )
  }
  const signature = await verifyWithEmbeddedKey(bundle.signature)
  if (!signature.valid) {
    throw badRequest('Invalid signature', `The bundle\u2019s signature is not valid: ${signature.reason}`, bodyIssue('/signature', signature.reason))
  }
  if (signature.payload !== bundle.checksum) {
    throw badRequest('Invalid signature', 'The bundle\u2019s signature signs another checksum than this bundle\u2019s', bodyIssue('/signature', 'signs another checksum'))
  }
  if (signature.key.kid !== bundle.instance.keyId) {
    throw badRequest('Invalid signature', 'The bundle was signed by another key than instance.keyId names', bodyIssue('/signature', 'kid differs from instance.keyId'))
  }
  const trusted = ctx.config.bundles.trustedKeys
  if (trusted && !trusted.some((key) => key.kid === signature.key.kid && key.x === signature.key.x)) {
    throw unprocessable(
      'Untrusted signer',
      `The bundle is signed by key ${signature.key.kid}, which is not one of this server\u2019s BUNDLE_TRUSTED_KEYS`,
    )
  }
}

/** Every kind of the snapshot kind present, as many items as `counts` says, source ids unique within a kind. */
function checkContent(kind: SnapshotKind, bundle: BundleInput): void {
  const { items, counts } = bundle.snapshot
  const expected = kindsOf(kind).map((k) => k.countKey)
  const extra = Object.keys(items).filter((key) => !expected.includes(key))
  if (extra.length > 0) {
    throw badRequest('Invalid bundle', `A ${kind} snapshot bundle has no ${extra.join(', ')}`, extra.map((key) => bodyIssue(`/snapshot/items/${key}`, 'is not part of this kind of snapshot')[0]))
  }
  for (const key of expected) {
    const list = (items as Record<string, { sourceId: string }[] | undefined>)[key]
    if (!list) throw badRequest('Invalid bundle', `The bundle has no ${key} list`, bodyIssue(`/snapshot/items/${key}`, 'is required'))
    if (counts[key] !== list.length) {
      throw badRequest('Invalid bundle', `counts.${key} is ${counts[key] ?? 'missing'} but the bundle holds ${list.length}`, bodyIssue(`/snapshot/counts/${key}`, 'does not match the items'))
    }
    const seen = new Set<string>()
    for (const [index, item] of list.entries()) {
      if (seen.has(item.sourceId)) {
        throw badRequest('Invalid bundle', `Two ${key} have the same sourceId`, bodyIssue(`/snapshot/items/${key}/${index}/sourceId`, 'is not unique'))
      }
      seen.add(item.sourceId)
    }
  }
}

/** The copies and references of the bundle into a version's item tables: one statement per kind. */
async function insertContent(trx: Tx, kind: SnapshotKind, versionId: string, bundle: BundleInput): Promise<ItemCounts> {
  const counts: ItemCounts = {}
  const items = bundle.snapshot.items as Record<string, Record<string, unknown>[]>
  for (const itemKind of kindsOf(kind)) {
    const columns = bundleColumns(itemKind)
    const rows = items[itemKind.countKey]!.map((item) => ({
      version_id: versionId,
      ...Object.fromEntries(columns.map((column) => [column, item[fieldOf(column)]])),
    }))
    counts[itemKind.countKey] = await insertRows(trx, itemKind.snapshotTable, ['version_id', ...columns], rows)
  }
  const refs = bundle.snapshot.refs.map((ref, index) => ({
    version_id: versionId,
    position: index + 1,
    ...Object.fromEntries(refColumns.map((column) => [column, (ref as Record<string, unknown>)[fieldOf(column)]])),
  }))
  await insertRows(trx, 'snapshot_refs', ['version_id', 'position', ...refColumns], refs)
  return counts
}

export interface ImportResult {
  /** false: this very bundle was imported before, and `snapshot` is what it created. */
  created: boolean
  snapshot: SnapshotRow
}

export async function importBundle(
  ctx: AppContext,
  actor: Actor,
  kind: SnapshotKind,
  bundle: BundleInput,
  hooks?: TransactionHooks<ImportResult>,
): Promise<ImportResult> {
  if (bundle.kind !== kind) {
    const other = bundle.kind === 'org' ? 'org-snapshots' : 'user-snapshots'
    throw badRequest('Wrong kind of bundle', `This is a bundle of a ${bundle.kind} snapshot; import it with POST /api/${other}/import`, bodyIssue('/kind', `must be "${kind}"`))
  }
  await verifyBundle(ctx, bundle)
  checkContent(kind, bundle)
  const origin: ImportOrigin = { kind, organizationId: actor.organizationId, instanceId: bundle.instance.id, snapshotId: bundle.snapshot.id }
  return ctx.db.transaction().execute((trx) => withHooks(trx, hooks, () => importInto(trx, actor, kind, origin, bundle)))
}

async function importInto(trx: Tx, actor: Actor, kind: SnapshotKind, origin: ImportOrigin, bundle: BundleInput): Promise<ImportResult> {
  const { snapshot } = bundle
  const existing = await findImportedSnapshot(trx, origin)
  if (!existing) {
    const snapshotId = newId()
    await insertImportedSnapshot(trx, {
      snapshotId,
      kind,
      name: snapshot.name,
      description: snapshot.description,
      source: snapshot.source,
      actor,
      assignedOrgIds: kind === 'user' ? [actor.organizationId] : [],
      origin,
      importedVersion: snapshot.version,
      checksum: bundle.checksum,
    })
    const counts = await insertContent(trx, kind, snapshotId, bundle)
    await setVersionCounts(trx, snapshotId, snapshotId, counts)
    return imported(trx, actor, await reread(trx, kind, snapshotId), bundle)
  }
  const earlier = await findImportedVersion(trx, existing.id, snapshot.version)
  if (earlier) {
    if (earlier.bundle_checksum === bundle.checksum) return { created: false, snapshot: await reread(trx, kind, existing.id) }
    throw conflict(
      'Version already imported',
      `Version ${snapshot.version} of this snapshot was imported before with other content (local version ${earlier.version})`,
    )
  }
  if (existing.imported_from_version !== null && snapshot.version < existing.imported_from_version) {
    throw unprocessable(
      'Older version',
      `This bundle holds version ${snapshot.version}, older than version ${existing.imported_from_version} imported already; only newer versions become new versions`,
    )
  }
  const versionId = newId()
  const version = existing.version + 1
  await insertVersion(trx, {
    id: versionId,
    snapshotId: existing.id,
    version,
    description: snapshot.description,
    source: snapshot.source,
    createdBy: actor.id,
    createdByName: actor.fullName,
    importedVersion: snapshot.version,
    checksum: bundle.checksum,
  })
  const counts = await insertContent(trx, kind, versionId, bundle)
  await setVersionCounts(trx, existing.id, versionId, counts)
  await setLatestImportedVersion(trx, existing.id, { version, versionId, counts, importedVersion: snapshot.version })
  return imported(trx, actor, await reread(trx, kind, existing.id), bundle)
}

/** The audit event of an import that wrote something, in its transaction (a re-import of the same bundle writes none). */
async function imported(trx: Tx, actor: Actor, row: SnapshotRow, bundle: BundleInput): Promise<ImportResult> {
  await recordSnapshotEvent(trx, 'snapshot.imported', actor, row, {
    details: {
      importedFrom: { instanceId: bundle.instance.id, snapshotId: bundle.snapshot.id, version: bundle.snapshot.version },
      checksum: bundle.checksum,
      keyId: bundle.instance.keyId,
      counts: row.counts,
    },
  })
  return { created: true, snapshot: row }
}

async function reread(trx: Tx, kind: SnapshotKind, id: string): Promise<SnapshotRow> {
  const row = await findSnapshot(trx, kind, id)
  if (!row) throw new AppError('INTERNAL', 'Internal server error', 'the snapshot just imported is gone')
  return row
}
