import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { testSecrets } from './app.ts'

/**
 * The real server (`node --import tsx src/server.ts`) as a child process on a
 * random port, for tests that kill or double it. Children are always killed:
 * by stop(), by stopAllServers() in an after() hook, and on process exit.
 */
export interface ServerProcess {
  readonly url: string
  readonly pid: number
  /** What the process wrote so far (JSON log lines; the most recent 256 KiB at least). */
  output(): string
  /** Sends the signal and waits (bounded) for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export interface StartServerOptions {
  databaseUrl: string
  /** Tags the server's database sessions (pg_stat_activity.application_name). */
  applicationName?: string
  env?: Record<string, string>
  startTimeoutMs?: number
}

const root = new URL('../..', import.meta.url).pathname
const running = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export async function startServer(options: StartServerOptions): Promise<ServerProcess> {
  const databaseUrl = new URL(options.databaseUrl)
  if (options.applicationName) databaseUrl.searchParams.set('application_name', options.applicationName)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl.toString(),
      ...testSecrets,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  const exited = once(child, 'exit').then(([code, signal]) => {
    running.delete(child)
    return { code: code as number | null, signal: signal as NodeJS.Signals | null }
  })
  // The last 256 KiB of output (a long load run logs every request).
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (output.length > 512 * 1024) output = output.slice(-256 * 1024)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    const result = await Promise.race([exited, sleep(15_000).then(() => null)])
    if (result) return result
    child.kill('SIGKILL')
    return exited
  }

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000)
  for (;;) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
    if (match?.[1]) return { url: match[1], pid: child.pid!, output: () => output, stop }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop('SIGKILL')
      throw new Error(`the server did not start:\n${output.slice(-4000)}`)
    }
    await sleep(50)
  }
}

export async function stopAllServers(): Promise<void> {
  for (const child of running) child.kill('SIGKILL')
  const deadline = Date.now() + 10_000
  while (running.size > 0 && Date.now() < deadline) await sleep(20)
}

/** JSON over HTTP to a started server, with a bounded wait. */
export async function httpJson(
  server: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: any; raw: string }> {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  })
  const raw = await response.text()
  let body: unknown = raw
  try {
    body = JSON.parse(raw)
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, raw }
}
