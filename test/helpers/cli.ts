import assert from 'node:assert/strict'
import { after, before } from 'node:test'
import { createPostgresDatabase, testDatabaseKind } from './database.ts'
import { http, runCli, startServer, useProcesses, type ServerProcess } from './process.ts'

/**
 * One real server per CLI test file (starting one costs seconds) on storage of
 * its own, with the bootstrap SUPERADMIN signed in; the tests run the real
 * `tether-relay` command against it, each in a shell with its own config directory.
 */

export const root = { email: 'root@example.test', password: 'Root-pass-123' }

export interface CliServer {
  readonly server: ServerProcess
  /** The SUPERADMIN's token, for setting up data over HTTP. */
  readonly token: string
  readonly tempDir: (name?: string) => string
  /** The environment of one user's shell: their own config directory and the server's URL. */
  readonly shell: (extra?: Record<string, string>) => Record<string, string> & { XDG_CONFIG_HOME: string }
}

export function useCliServer(env: Record<string, string> = {}): CliServer {
  const { tempDir } = useProcesses()
  let server: ServerProcess | undefined
  let token: string | undefined
  let dropDatabase: (() => Promise<void>) | undefined

  before(async () => {
    const storage: Record<string, string> = { DATA_DIR: tempDir() }
    if (testDatabaseKind === 'postgres') {
      const database = await createPostgresDatabase()
      storage.DATABASE_URL = database.url
      dropDatabase = () => database.drop()
    }
    server = await startServer({ ...storage, BOOTSTRAP_SUPERADMIN_EMAIL: root.email, BOOTSTRAP_SUPERADMIN_PASSWORD: root.password, ...env })
    const login = await http(server, 'POST', '/api/auth/login', { body: root })
    assert.equal(login.status, 200)
    token = login.body.token
  })

  after(async () => {
    await server?.stop()
    await dropDatabase?.()
  })

  return {
    get server() {
      assert.ok(server, 'the server has started')
      return server
    },
    get token() {
      assert.ok(token, 'the superadmin is signed in')
      return token
    },
    tempDir,
    shell: (extra = {}) => {
      assert.ok(server, 'the server has started')
      return { XDG_CONFIG_HOME: tempDir('config'), TETHER_RELAY_URL: server.url, ...extra }
    },
  }
}

export const json = (stdout: string) => JSON.parse(stdout)

/** Runs the command and asserts it exited 0 (the message shows what it printed). */
export async function ok(args: string[], env: Record<string, string>, input?: string) {
  const result = await runCli(args, env, input)
  assert.equal(result.code, 0, `${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`)
  return result
}

/** A POST that must succeed (200 or 201); its body. */
export async function post(server: ServerProcess, token: string, path: string, body: unknown) {
  const response = await http(server, 'POST', path, { token, body })
  assert.ok(response.status === 200 || response.status === 201, `${path}: ${response.status} ${JSON.stringify(response.body)}`)
  return response.body
}
