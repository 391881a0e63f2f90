import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { after } from 'node:test'
import { createPostgresDatabase, testDatabaseKind } from './database.ts'

/**
 * Real server and CLI processes for tests of the runtime contract: the TypeScript
 * sources started with `node --import tsx` (npm start runs the same code compiled
 * to dist/; scripts/smoke-package.mjs proves the compiled package), on a free port
 * (PORT=0, the port read back from the log), with a clean environment, bounded
 * waits, and every child killed when the test file ends.
 */
const root = new URL('../..', import.meta.url).pathname
const children = new Set<ChildProcess>()

function killAll() {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}
process.on('exit', killAll)

/** Kills every child still running and waits (bounded) until they are gone. */
export async function stopAllProcesses(): Promise<void> {
  const exits = [...children].map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve())))
  killAll()
  await within(10_000, 'child processes to exit', Promise.all(exits)).catch(() => {})
}

/** Registers cleanup for the calling test file: kill leftover children, remove scratch dirs. */
export function useProcesses() {
  const scratch = mkdtempSync(join(tmpdir(), 'tether-process-'))
  let dirs = 0
  after(() => {
    killAll()
    rmSync(scratch, { recursive: true, force: true })
  })
  return { tempDir: (name = 'data') => join(scratch, `${name}-${++dirs}`) }
}

/** Only what a fresh shell would have: nothing from the parent's DATABASE_URL, secrets or NODE_ENV leaks in. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR }
  return { ...base, LOG_LEVEL: 'info', ...env }
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface Finished extends Exit {
  stdout: string
  stderr: string
  durationMs: number
}

function spawnNode(script: string, args: string[], env: Record<string, string>, input?: string) {
  // TypeScript runs through tsx as `npm start` does; a .mjs launcher brings its own loader.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : []
  const child = spawn(process.execPath, [...loader, script, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>
  children.add(child)
  child.stdin?.end(input)
  // Keep the most recent output only: a server under load logs every request.
  const output = { stdout: '', stderr: '' }
  const keep = (stream: 'stdout' | 'stderr') => (chunk: string) => {
    output[stream] += chunk
    if (output[stream].length > 512 * 1024) output[stream] = output[stream].slice(-256 * 1024)
  }
  child.stdout.setEncoding('utf8').on('data', keep('stdout'))
  child.stderr.setEncoding('utf8').on('data', keep('stderr'))
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    })
  })
  return { child, output, exited }
}

/** Resolves with the promise's value, or rejects after `ms` saying what was awaited. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Runs a script to completion (killed after timeoutMs); `input` is written to its standard input. */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
  input?: string,
): Promise<Finished> {
  const started = Date.now()
  const { child, output, exited } = spawnNode(script, args, env, input)
  try {
    const exit = await within(timeoutMs, `${script} ${args.join(' ')} to exit`, exited)
    return { ...exit, ...output, durationMs: Date.now() - started }
  } finally {
    child.kill('SIGKILL')
  }
}

export const runCli = (args: string[], env: Record<string, string>, input?: string) =>
  runScript('src/cli/main.ts', args, env, 60_000, input)

export interface ServerProcess {
  readonly child: ChildProcess
  readonly pid: number
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly output: { stdout: string; stderr: string }
  readonly exited: Promise<Exit>
  /** Sends the signal and waits (bounded) for the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>
}

/** Starts `src/server.ts` on a free port and waits until it listens. */
export async function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const { child, output, exited } = spawnNode('src/server.ts', [], { HOST: '127.0.0.1', PORT: '0', ...env })
  const listening = new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout)
      if (match?.[1]) {
        child.stdout?.off('data', onData)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    void exited.then((exit) =>
      reject(new Error(`server exited (${exit.code ?? exit.signal}) before listening:\n${output.stderr}\n${output.stdout}`)),
    )
  })
  let url: string
  try {
    url = await within(timeoutMs, 'the server to listen', listening)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    child,
    pid: child.pid!,
    url,
    output,
    exited,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 30_000) {
      child.kill(signal)
      try {
        return await within(stopTimeoutMs, `the server to exit after ${signal}`, exited)
      } finally {
        child.kill('SIGKILL')
      }
    },
  }
}

/** Starts `tether-relay worker` (background jobs, no HTTP) and waits until it works. */
export async function startWorkerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<Omit<ServerProcess, 'url'>> {
  const { child, output, exited } = spawnNode('src/cli/main.ts', ['worker'], env)
  const started = new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.stdout.includes('Worker started')) {
        child.stdout?.off('data', onData)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    void exited.then((exit) => reject(new Error(`worker exited (${exit.code ?? exit.signal}) before starting:\n${output.stderr}\n${output.stdout}`)))
  })
  try {
    await within(timeoutMs, 'the worker to start', started)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    child,
    pid: child.pid!,
    output,
    exited,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 30_000) {
      child.kill(signal)
      try {
        return await within(stopTimeoutMs, `the worker to exit after ${signal}`, exited)
      } finally {
        child.kill('SIGKILL')
      }
    },
  }
}

/**
 * Runs `fn` with the environment that gives a service process its own storage in
 * this test pass: a PGlite DATA_DIR, or (TEST_DB=postgres) a fresh PostgreSQL
 * database plus a DATA_DIR for the generated development secrets. The PostgreSQL
 * database is dropped afterwards.
 */
export async function withStorage(
  dataDir: string,
  fn: (env: Record<string, string>) => Promise<void>,
): Promise<void> {
  if (testDatabaseKind !== 'postgres') return fn({ DATA_DIR: dataDir })
  const database = await createPostgresDatabase()
  try {
    await fn({ DATA_DIR: dataDir, DATABASE_URL: database.url })
  } finally {
    await database.drop()
  }
}

/** A raw TCP connection to a running server, for requests a fetch cannot pace. */
export async function openSocket(server: { url: string }): Promise<Socket> {
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1')
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return socket
}

/** JSON over real HTTP, with a bounded wait; `body` is the parsed JSON (or the text when it is not JSON). */
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
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  })
  const raw = await response.text()
  let body: unknown = raw || undefined
  try {
    body = raw ? JSON.parse(raw) : undefined
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, raw }
}

/** Status and parsed body only (for deep-equal assertions). */
export async function http(
  server: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const { status, body } = await httpJson(server, method, path, options)
  return { status, body }
}
