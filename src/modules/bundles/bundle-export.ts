import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { AppContext } from '../../context.ts'
import type { Executor } from '../../db/database.ts'
import type { Actor } from '../../shared/actor.ts'
import { notFound } from '../../shared/errors.ts'
import { readRows, type ReadMode } from '../snapshots/items.repository.ts'
import { recordSnapshotEvent } from '../snapshots/snapshot-audit.ts'
import { streamedReads } from '../snapshots/snapshot-stream.ts'
import { mayReadHidden } from '../snapshots/snapshot-views.ts'
import { findVersion, type SnapshotRow, type VersionRow } from '../snapshots/snapshots.repository.ts'
import { bundleColumns, bundleFormat, bundleFormatVersion, bundleKinds, canonicalJson, refColumns, toBundleItem, withoutHidden } from './bundle-format.ts'
import { instanceId } from './bundles.repository.ts'

/**
 * GET …/{id}/export: the bundle of SPEC §7.6, streamed.
 *
 * The bytes are written in canonical JSON order (RFC 8785: keys sorted, no
 * whitespace, each item canonicalized), so the bundle without its checksum and
 * signature *is* its own canonical form and the checksum is computed over the bytes
 * as they go out: the copies are read a page at a time (a cursor on PostgreSQL, keyset
 * pages on PGlite, as GET of a snapshot reads them) and a 10,000-item bundle costs
 * the memory of one page. `checksum` and `signature` come last, once the hash is
 * known; JSON does not care where a key stands, and the checksum leaves them out.
 */

const chunkRows = 256
const flushBytes = 64 * 1024

interface BundleHead {
  exportedAt: string
  format: string
  formatVersion: number
  instance: { id: string; keyId: string }
  kind: SnapshotRow['kind']
}

export interface BundleExport {
  fileName: string
  body: Readable
}

/** The export of `snapshot` (already checked against the caller's rights) at `version` (latest when undefined). */
export async function exportBundle(ctx: AppContext, actor: Actor, snapshot: SnapshotRow, version: number | undefined): Promise<BundleExport> {
  const versionRow = await findVersion(ctx.db, snapshot.id, version ?? snapshot.version)
  if (!versionRow) throw notFound('Version', `Snapshot ${snapshot.id} has no version ${version}`)
  const [instance, key] = await Promise.all([instanceId(ctx.db), ctx.bundleSigner.publicKey()])
  const head: BundleHead = {
    exportedAt: new Date().toISOString(),
    format: bundleFormat,
    formatVersion: bundleFormatVersion,
    instance: { id: instance, keyId: key.kid },
    kind: snapshot.kind,
  }
  const slug = snapshot.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'snapshot'
  return {
    fileName: `${slug}-v${versionRow.version}.bundle.json`,
    body: Readable.from(bundleChunks(ctx, actor, snapshot, versionRow, head), { objectMode: false }),
  }
}

/**
 * A version never changes, so fewer rows than its counts means the snapshot was
 * deleted while it was read: before the first byte is sent that is a plain 404;
 * after it, the answer can only be cut short (and has no valid checksum).
 */
const deletedWhileRead = (what: string, sentAnything: boolean) =>
  sentAnything
    ? new Error(`the snapshot was deleted while it was exported (${what}); the bundle was cut short`)
    : notFound('Snapshot', 'No snapshot exists with the given id')

async function* bundleChunks(
  ctx: AppContext,
  actor: Actor,
  snapshot: SnapshotRow,
  version: VersionRow,
  head: BundleHead,
): AsyncGenerator<string> {
  const hash = createHash('sha256')
  const redact = !mayReadHidden(actor, snapshot)
  for await (const chunk of streamedReads(ctx, (db, mode) => unsignedChunks(db, mode, snapshot, version, head, redact))) {
    hash.update(chunk)
    yield chunk
  }
  // The closing brace of the unsigned bundle is hashed; the bytes sent go on with the checksum and signature.
  const checksum = `sha256:${hash.update('}').digest('hex')}`
  const signature = await ctx.bundleSigner.sign(checksum)
  // The audit event is written once the whole bundle was read, naming exactly which bundle left.
  await recordSnapshotEvent(ctx.db, 'snapshot.exported', actor, snapshot, {
    version: version.version,
    details: { checksum, keyId: head.instance.keyId },
  })
  yield `,"checksum":${canonicalJson(checksum)},"signature":${canonicalJson(signature)}}`
}

/** The bundle without checksum and signature, and without its closing brace: canonical JSON, a page at a time. */
async function* unsignedChunks(
  db: Executor,
  mode: ReadMode,
  snapshot: SnapshotRow,
  version: VersionRow,
  head: BundleHead,
  redact: boolean,
): AsyncGenerator<string> {
  let out = ''
  let sent = false
  const flush = function* () {
    if (out.length < flushBytes) return
    yield out
    sent = true
    out = ''
  }
  const kinds = bundleKinds(snapshot.kind)
  const counts = Object.fromEntries(kinds.map((kind) => [kind.countKey, version.counts[kind.countKey] ?? 0]))

  // Keys in canonical order: exportedAt, format, formatVersion, instance, kind, snapshot.
  out += canonicalJson(head).slice(0, -1)
  // snapshot: counts, description, id, items, name, refs, source, version.
  out += `,"snapshot":{"counts":${canonicalJson(counts)},"description":${canonicalJson(snapshot.description)}`
  out += `,"id":${canonicalJson(snapshot.id)},"items":{`
  for (const [index, kind] of kinds.entries()) {
    const columns = bundleColumns(kind)
    out += `${index === 0 ? '' : ','}${canonicalJson(kind.countKey)}:[`
    let written = 0
    const source = { table: kind.snapshotTable, columns, versionId: version.id, order: ['source_id'] }
    for await (const rows of readRows(db, source, mode, chunkRows)) {
      for (const row of rows) out += (written++ === 0 ? '' : ',') + canonicalJson(toBundleItem(redact ? withoutHidden(row, kind) : row, columns))
      yield* flush()
    }
    if (written !== counts[kind.countKey]) throw deletedWhileRead(`${written} of ${counts[kind.countKey]} ${kind.countKey}`, sent)
    out += ']'
  }
  out += `},"name":${canonicalJson(snapshot.name)},"refs":[`
  let refs = 0
  const refSource = { table: 'snapshot_refs', columns: ['position', ...refColumns], versionId: version.id, order: ['position'] }
  for await (const rows of readRows(db, refSource, mode, chunkRows)) {
    for (const row of rows) out += (refs++ === 0 ? '' : ',') + canonicalJson(toBundleItem(row, refColumns))
    yield* flush()
  }
  const source = { orgName: version.source_org_name, userEmail: version.source_user_email, userName: version.source_user_name }
  yield `${out}],"source":${canonicalJson(source)},"version":${version.version}}`
}
