import { Readable } from 'node:stream'
import type { TSchema } from '@sinclair/typebox'
import type { ControlledTransaction } from 'kysely'
import type { AppContext } from '../../context.ts'
import type { Database, Executor, ItemCounts, SnapshotKind } from '../../db/database.ts'
import { groupBy } from '../../shared/collections.ts'
import { notFound } from '../../shared/errors.ts'
import { Semaphore } from '../../shared/semaphore.ts'
import { allChildCopies, readCopies, readReferences, type CopyRow, type ReadMode } from './items.repository.ts'
import { childKinds, topLevelKinds, type ShownKind } from './item-views.ts'
import { toReference } from './plan.repository.ts'
import { RefSchema } from './snapshot.schemas.ts'
import { toCopy, type Copy } from './snapshot-items.ts'

/**
 * GET …/{id} as a stream (SPEC §5): the JSON the route's response schema gives
 * `{snapshot: {...summary, <one array per kind>, sourcePipelineStageRefs,
 * sourceAgentRefs}}`, written as the copies arrive from the database, each with
 * the same compiled serializer, so a 10,000-item snapshot costs the memory of one
 * batch of rows, and a client that reads slowly slows the reading down.
 *
 * On PostgreSQL the whole answer is read in one read-only REPEATABLE READ
 * transaction, one cursor per list (a constant number of statements), so it is
 * one consistent moment. Each stream holds a pooled connection while its client
 * reads, so at most half the pool (up to 4) serves streams at once and the other
 * routes keep theirs; further readers wait their turn before anything is sent.
 * On PGlite (one connection) the lists are read in keyset pages, each a short
 * statement, so a slow reader never holds the database.
 * Either way each list's length is checked against the version's counts: a
 * snapshot deleted while it was read ends the answer with an error, never with
 * valid but partial JSON.
 */

/** A compiled serializer; every value serialized here is an object (a summary, a copy, a reference). */
export type Serializer = (value: { [key: string]: unknown }) => string

export interface DetailStreamInput {
  snapshotKind: SnapshotKind
  /** The version shown: its id and the counts recorded when it was captured. */
  version: { id: string; counts: ItemCounts }
  /** Everything the answer shows besides the copies and references, already in its API shape. */
  summary: Record<string, unknown>
  summarySchema: TSchema
  /** The route's serializer of a schema (reply.compileSerializationSchema), so the bytes are the route's own. */
  serializerOf: (schema: TSchema) => Serializer
  /** The reader may not see hidden content: hidden fields are written as null. */
  redact: boolean
}

/** Rows per cursor fetch or page. */
const chunkRows = 256
/** Bytes collected before they are handed to the socket. */
const flushBytes = 64 * 1024

const slotsByDatabase = new WeakMap<object, Semaphore>()

/** Streams that hold a connection while their client reads share these slots (exports too). */
export function streamSlots(ctx: AppContext): Semaphore {
  let slots = slotsByDatabase.get(ctx.db)
  if (!slots) {
    const { database } = ctx.config
    const size = database.kind === 'postgres' ? Math.max(1, Math.min(4, Math.floor(database.poolSize / 2))) : 2
    slots = new Semaphore(size)
    slotsByDatabase.set(ctx.db, slots)
  }
  return slots
}

/** The stream of one snapshot's detail; nothing is read until the response pulls. */
export function snapshotDetailStream(ctx: AppContext, input: DetailStreamInput): Readable {
  return Readable.from(detailChunks(ctx, input), { objectMode: false })
}

interface ChildList {
  kind: ShownKind
  byParent: Map<unknown, CopyRow[]>
  grandchildren: ChildIndex
}
type ChildIndex = ChildList[]

/** Every copy of the child kinds of `kind` (stages: few per organization), grouped by parent. */
async function loadChildren(db: Executor, kind: ShownKind, versionId: string): Promise<ChildIndex> {
  const index: ChildIndex = []
  for (const child of childKinds(kind)) {
    const rows = await allChildCopies(db, child, versionId)
    index.push({
      kind: child,
      byParent: groupBy(rows, (row) => row[child.view.parent!.column]),
      grandchildren: await loadChildren(db, child, versionId),
    })
  }
  return index
}

function copyWithChildren(row: CopyRow, kind: ShownKind, children: ChildIndex, redact: boolean): Copy {
  const copy = toCopy(row, kind, redact)
  for (const { kind: child, byParent, grandchildren } of children) {
    copy[child.view.field] = (byParent.get(row.source_id) ?? []).map((r) => copyWithChildren(r, child, grandchildren, redact))
  }
  return copy
}

/**
 * A version never changes once captured, so a list shorter than its count means the
 * snapshot was deleted while it was read. Before the first byte is sent that is a
 * plain 404 (the same answer a moment later would get); after it, the answer can
 * only be cut short.
 */
const changedWhileRead = (what: string, sentAnything: boolean) =>
  sentAnything
    ? new Error(`the snapshot changed while it was read (${what}); the answer was cut short`)
    : notFound('Snapshot', 'No snapshot exists with the given id')

/**
 * Runs the reads of one streamed answer: in a stream slot, and on PostgreSQL inside
 * one read-only REPEATABLE READ transaction read through cursors (committed when the
 * reads end, rolled back when the stream fails or its client goes away); on PGlite
 * in keyset pages. GET of a snapshot and the bundle export share it.
 */
export async function* streamedReads<T>(
  ctx: AppContext,
  read: (db: Executor, mode: ReadMode) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const release = await streamSlots(ctx).acquire()
  let trx: ControlledTransaction<Database> | null = null
  try {
    const mode: ReadMode = ctx.dbKind === 'postgres' ? 'cursor' : 'pages'
    if (mode === 'cursor') {
      trx = await ctx.db.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute()
    }
    yield* read(trx ?? ctx.db, mode)
    if (trx) {
      await trx.commit().execute()
      trx = null
    }
  } finally {
    if (trx) await trx.rollback().execute().catch(() => {})
    release()
  }
}

function detailChunks(ctx: AppContext, input: DetailStreamInput): AsyncGenerator<string> {
  return streamedReads(ctx, (db, mode) => detailReads(db, mode, input))
}

async function* detailReads(db: Executor, mode: ReadMode, input: DetailStreamInput): AsyncGenerator<string> {
  const versionId = input.version.id

  const summary = input.serializerOf(input.summarySchema)(input.summary)
  if (!summary.startsWith('{') || !summary.endsWith('}') || summary === '{}') throw new Error('the summary is not a JSON object')
  let out = '{"snapshot":' + summary.slice(0, -1)
  let sent = false

  for (const kind of topLevelKinds(input.snapshotKind)) {
    const serialize = input.serializerOf(kind.copySchema)
    const children = await loadChildren(db, kind, versionId)
    out += `,${JSON.stringify(kind.view.field)}:[`
    let written = 0
    for await (const rows of readCopies(db, kind, versionId, mode, chunkRows)) {
      for (const row of rows) out += (written++ === 0 ? '' : ',') + serialize(copyWithChildren(row, kind, children, input.redact))
      if (out.length >= flushBytes) {
        yield out
        sent = true
        out = ''
      }
    }
    out += ']'
    const expected = input.version.counts[kind.countKey]
    if (expected !== undefined && expected !== written) throw changedWhileRead(`${written} of ${expected} ${kind.countKey}`, sent)
  }

  const serializeRef = input.serializerOf(RefSchema)
  for (const [field, refType] of [
    ['sourcePipelineStageRefs', 'pipelineStage'],
    ['sourceAgentRefs', 'agent'],
  ] as const) {
    out += `,"${field}":[`
    let written = 0
    for await (const rows of readReferences(db, versionId, refType, mode, chunkRows)) {
      for (const row of rows) out += (written++ === 0 ? '' : ',') + serializeRef(toReference(row as Parameters<typeof toReference>[0]))
      if (out.length >= flushBytes) {
        yield out
        out = ''
      }
    }
    out += ']'
  }
  out += '}}'
  yield out
}
