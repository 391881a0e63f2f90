import { createHash } from 'node:crypto'
import { closeSync, openSync, realpathSync, statSync, unlinkSync } from 'node:fs'
import { createConnection, createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * One process at a time on an embedded database directory. PGlite, like
 * PostgreSQL, assumes it owns its data directory; two processes on one corrupt it.
 *
 * The lock is a Unix-domain socket the holder listens on inside DATA_DIR: binding
 * an address is exclusive, the kernel closes the socket when the holder dies (even
 * by kill -9), and whoever connects learns who holds it. No heartbeat: PGlite runs
 * queries on the event loop, and a lock that expires while a long statement blocks
 * the loop would hand a live directory to a second process. A socket file left by
 * a dead holder refuses connections, which proves it stale; removing it is guarded
 * by an O_EXCL file so two starters cannot both take it over.
 */
export interface DataDirLock {
  release(): Promise<void>
}

export interface LockHolder {
  pid: number
  command: string
  startedAt: string
}

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    const who = holder
      ? `process ${holder.pid} (${holder.command}, running since ${holder.startedAt})`
      : 'another process (it did not say which)'
    super(
      `DATA_DIR ${dataDir} is in use by ${who}. The embedded database can be opened by one process at a time: ` +
        'stop that process first, or point DATA_DIR at another directory (or use DATABASE_URL for several processes).',
    )
  }
}

const socketName = '.tether-relay.lock'
const guardName = '.tether-relay.lock.takeover'
/** A takeover takes milliseconds; a guard this old was left by a process that died during one. */
const guardStaleMs = 10_000
/** sun_path holds 108 bytes on Linux, 104 on macOS. */
const maxSocketPath = 100

/** The socket address for a directory: a file in it, or (long paths, Linux) an abstract name derived from it. */
function socketAddress(dataDir: string): string {
  const path = join(dataDir, socketName)
  if (Buffer.byteLength(path) <= maxSocketPath) return path
  if (process.platform !== 'linux') {
    throw new Error(`DATA_DIR ${dataDir} is too long to lock (at most ${maxSocketPath - socketName.length - 1} bytes)`)
  }
  const { dev, ino } = statSync(dataDir)
  const digest = createHash('sha256').update(`${dev}:${ino}:${realpathSync(dataDir)}`).digest('hex').slice(0, 32)
  return `\0tether-relay-${digest}`
}

const holderInfo = (): LockHolder => ({
  pid: process.pid,
  command: [process.argv0, ...process.argv.slice(1).map((arg) => arg.replace(/^.*\/(src|bin)\//, '$1/'))].join(' '),
  startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
})

function listen(address: string): Promise<Server> {
  const info = JSON.stringify(holderInfo())
  const server = createServer((socket) => {
    socket.on('error', () => {})
    socket.end(info)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(address, () => {
      server.off('error', reject)
      // The lock must never keep a finished CLI command alive.
      server.unref()
      resolve(server)
    })
  })
}

/**
 * Who holds the address: the holder's description, `null` when nobody listens
 * (a stale socket file or none), or an unknown holder when one accepted the
 * connection but did not answer in time (its event loop may be busy).
 */
function askHolder(address: string): Promise<LockHolder | null | 'unknown'> {
  return new Promise((resolve) => {
    let text = ''
    let connected = false
    const socket = createConnection(address)
    const timer = setTimeout(() => socket.destroy(), 2_000)
    socket.setEncoding('utf8')
    socket.on('connect', () => (connected = true))
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      if (!connected) return resolve(null)
      try {
        const parsed = JSON.parse(text) as LockHolder
        resolve(typeof parsed.pid === 'number' ? parsed : 'unknown')
      } catch {
        resolve('unknown')
      }
    })
  })
}

/** Removes a stale socket file unless another starter is doing the same; true when the caller should retry at once. */
async function takeOverStale(dataDir: string, address: string): Promise<boolean> {
  const guard = join(dataDir, guardName)
  let fd: number
  try {
    fd = openSync(guard, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    try {
      if (Date.now() - statSync(guard).mtimeMs > guardStaleMs) unlinkSync(guard)
    } catch {
      // removed meanwhile by its owner
    }
    return false
  }
  try {
    // Checked again under the guard: someone may have taken over in between.
    if ((await askHolder(address)) === null && !address.startsWith('\0')) {
      try {
        unlinkSync(address)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    return true
  } finally {
    closeSync(fd)
    unlinkSync(guard)
  }
}

/** Takes the directory for this process, or throws DataDirInUseError naming the holder. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const address = socketAddress(dataDir)
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      const server = await listen(address)
      return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
    const holder = await askHolder(address)
    if (holder !== null) throw new DataDirInUseError(dataDir, holder === 'unknown' ? null : holder)
    if (Date.now() > deadline) throw new DataDirInUseError(dataDir, null)
    if (!(await takeOverStale(dataDir, address))) await sleep(50)
  }
}
