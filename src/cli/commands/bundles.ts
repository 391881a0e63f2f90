import { createReadStream, createWriteStream } from 'node:fs'
import { access, open, rename, rm, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { pipeline as pipe, Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { createGzip } from 'node:zlib'
import { callForResponse, connect, type RemoteOptions } from '../api.ts'
import { CommandFailure, UsageError } from '../errors.ts'
import { counts, fields, out, print, printJson } from '../output.ts'
import { bytesText, formatBytes, startProgress, type Progress } from '../progress.ts'
import { checkId, type SnapshotKind } from './snapshots.ts'

/**
 * snapshots / org-snapshots export and import (SPEC §7.6). Bundles can be large:
 * both stream (the download to a file, the upload from one, gzip-compressed on
 * the way), so the CLI's memory stays flat, and both show progress.
 */

/** Counts the bytes that pass and reports them. */
function counter(onBytes: (total: number) => void): Transform {
  let total = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length
      onBytes(total)
      done(null, chunk)
    },
  })
}

/** The file name the server suggests (Content-Disposition), without any directory part. */
function suggestedName(response: Response, id: string): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')
  const name = match?.[1] ? basename(match[1]) : ''
  return name && name !== '..' && name !== '.' ? name : `${id}.bundle.json`
}

const exists = (path: string) => access(path).then(() => true, () => false)

/** The bundle's last bytes hold its version, checksum and signature: reading them proves the file is whole. */
async function tailOf(path: string, bytes = 4096): Promise<{ version?: number; checksum?: string }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    const start = Math.max(0, size - bytes)
    const buffer = Buffer.alloc(size - start)
    await handle.read(buffer, 0, buffer.length, start)
    const match = /"version":(\d+)\},"checksum":"(sha256:[0-9a-f]{64})","signature":"[^"]+"\}\s*$/.exec(buffer.toString('utf8'))
    return match ? { version: Number(match[1]), checksum: match[2] } : {}
  } finally {
    await handle.close()
  }
}

interface ExportOptions extends RemoteOptions {
  version?: number
  output?: string
  force?: boolean
}

export async function exportBundle(kind: SnapshotKind, id: string, options: ExportOptions): Promise<void> {
  checkId(id)
  if (options.version !== undefined && options.version < 1) throw new UsageError('--version must be 1 or more')
  const toStdout = options.output === '-'
  if (toStdout && options.json) throw new UsageError('--output - writes the bundle to standard output: it cannot also print --json')
  if (options.output && !toStdout && !options.force && (await exists(options.output))) {
    throw new CommandFailure(`${options.output} already exists`, 'Pass --force to replace it, or choose another file with --output.')
  }

  const c = await connect(options)
  const request = { params: { path: { id }, query: { version: options.version } }, parseAs: 'stream' as const }
  const { data: body, response } =
    kind === 'user'
      ? await callForResponse(c, c.client.GET('/api/user-snapshots/{id}/export', request))
      : await callForResponse(c, c.client.GET('/api/org-snapshots/{id}/export', request))
  if (!body) throw new CommandFailure('The server answered without a bundle')

  const file = toStdout ? undefined : (options.output ?? suggestedName(response, id))
  if (file && !options.output && !options.force && (await exists(file))) {
    await body.cancel()
    throw new CommandFailure(`${file} already exists`, 'Pass --force to replace it, or choose another file with --output.')
  }
  const length = Number(response.headers.get('content-length')) || undefined
  const progress = startProgress({ label: 'Export', lineEveryMs: 2000 })
  const source = Readable.fromWeb(body as WebReadableStream<Uint8Array>)
  let bytes = 0
  const counted = counter((total) => {
    bytes = total
    progress.update(total, length, bytesText(total, length))
  })

  if (!file) {
    // A reader that stops early (| head) closes the pipe: that ends the export, it is not a failure.
    const unlessClosed = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error
    }
    await streamOrFail(progress, pipeline(source, counted, process.stdout).catch(unlessClosed))
    progress.stop(`Exported ${formatBytes(bytes)} to standard output.`)
    return
  }
  // Written beside the target and renamed once whole: an interrupted export leaves no half bundle under its name.
  const partial = `${file}.partial-${process.pid}`
  try {
    await streamOrFail(progress, pipeline(source, counted, createWriteStream(partial, { flags: 'wx' })))
    const tail = await tailOf(partial)
    if (!tail.checksum) throw new CommandFailure('The bundle was cut short (it does not end with its checksum and signature); nothing was saved.', 'Try the export again.')
    await rename(partial, file)
    progress.stop()
    if (options.json) return printJson({ file, bytes, version: tail.version, checksum: tail.checksum })
    print(`Exported version ${tail.version} of ${id} to ${out.bold(file)} (${formatBytes(bytes)}).`)
    print(out.dim(`Checksum ${tail.checksum}; signed by this server (its key: /.well-known/jwks.json).`))
  } finally {
    await rm(partial, { force: true })
  }
}

async function streamOrFail(progress: Progress, streaming: Promise<void>): Promise<void> {
  try {
    await streaming
  } catch (error) {
    progress.stop()
    if (error instanceof CommandFailure) throw error
    throw new CommandFailure(`The transfer failed: ${(error as Error).message}`)
  }
}

const gzipMagic = [0x1f, 0x8b]

/** The first bytes of the file: whether it is gzip already, and the key id in the bundle's head when it is plain JSON. */
async function headOf(path: string): Promise<{ gzipped: boolean; keyId?: string }> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(2048)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    const head = buffer.subarray(0, bytesRead)
    if (head[0] === gzipMagic[0] && head[1] === gzipMagic[1]) return { gzipped: true }
    return { gzipped: false, keyId: /"instance":\{"id":"[^"]*","keyId":"([^"]+)"\}/.exec(head.toString('utf8'))?.[1] }
  } finally {
    await handle.close()
  }
}

export async function importBundle(kind: SnapshotKind, file: string, options: RemoteOptions): Promise<void> {
  let size: number
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new Error('not a file')
    size = info.size
  } catch (error) {
    throw new CommandFailure(`Cannot read ${file}: ${(error as Error).message}`)
  }
  const head = await headOf(file)
  const c = await connect(options)

  const progress = startProgress({ label: 'Import', lineEveryMs: 2000 })
  const read = counter((bytes) => progress.update(bytes, size, bytes < size ? bytesText(bytes, size) : `${bytesText(bytes, size)}, verifying on the server`))
  // Sent gzip-compressed (Content-Encoding: gzip), unless the file is compressed already; a read error ends the upload.
  const ended = () => {}
  const sent = head.gzipped ? pipe(createReadStream(file), read, ended) : pipe(createReadStream(file), read, createGzip(), ended)
  const request = {
    body: Readable.toWeb(sent) as never,
    bodySerializer: (body: unknown) => body as ReadableStream,
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    // A streamed request body needs half duplex in Node's fetch.
    duplex: 'half' as const,
  }
  const posting =
    kind === 'user'
      ? callForResponse(c, c.client.POST('/api/user-snapshots/import', request))
      : callForResponse(c, c.client.POST('/api/org-snapshots/import', request))
  const { data, response } = await posting.finally(() => progress.stop())
  if (options.json) return printJson(data)
  const s = data.snapshot
  const created = response.status === 201
  print(
    created
      ? `${out.green('Imported')} ${out.bold(s.name)} as ${s._id}, version ${s.version} on this server.`
      : `${out.bold(s.name)} was imported before (${s._id}, version ${s.version}): nothing changed.`,
  )
  print(
    fields([
      ['Verified', `format and version, checksum (SHA-256), signature (Ed25519${head.keyId ? `, key ${head.keyId}` : ''})`],
      ['Trusted', 'the signing key is one of BUNDLE_TRUSTED_KEYS, when the server sets them (else any valid signature is accepted)'],
      ['From', s.importedFrom ? `instance ${s.importedFrom.instanceId}, snapshot ${s.importedFrom.snapshotId}, version ${s.importedFrom.version}` : null],
      ['Items', counts(s.counts)],
      ['Sent', `${formatBytes(size)}${head.gzipped ? '' : ', gzip-compressed'}`],
    ]),
  )
}
