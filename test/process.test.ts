import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { openDatabase } from '../src/db/connect.ts'
import { testDatabaseKind } from './helpers/database.ts'
import { http, openSocket, runCli, runScript, startServer, useProcesses, withStorage, within } from './helpers/process.ts'

/**
 * The runtime contract, on real processes: the server (src/server.ts, what
 * npm start runs compiled) and the CLI, each against a DATA_DIR of its own, or a fresh
 * PostgreSQL database in the PostgreSQL pass.
 */
const { tempDir } = useProcesses()

const superadmin = { email: 'Root@Example.test', password: 'Bootstrap-pass-1' }
const bootstrapEnv = {
  BOOTSTRAP_SUPERADMIN_EMAIL: superadmin.email,
  BOOTSTRAP_SUPERADMIN_PASSWORD: superadmin.password,
}

/** Logs in and returns the token. */
async function login(server: { url: string }, email = superadmin.email, password = superadmin.password) {
  const r = await http(server, 'POST', '/api/auth/login', { body: { email, password } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body as { token: string; user: { id: string; organizationId: string; accessRole: string } }
}

describe('npm start', () => {
  it('refuses to start in production without secrets, quickly, naming what is missing', async () => {
    const dataDir = tempDir()
    const result = await runScript('src/server.ts', [], { NODE_ENV: 'production', DATA_DIR: dataDir, PORT: '0' }, 20_000)
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^Configuration error: JWT_SECRET and ENCRYPTION_KEY must be set when NODE_ENV=production/m,
    )
    assert.ok(result.durationMs < 15_000, `took ${result.durationMs} ms`)
    assert.doesNotMatch(result.stdout, /listening/)
    assert.equal(existsSync(dataDir), false, 'nothing was written')
  })

  it('serves /health, bootstraps the superadmin once, and keeps tokens valid across a restart', async () => {
    const dataDir = tempDir()
    await withStorage(dataDir, async (storage) => {
      const env = { ...storage, ...bootstrapEnv, BOOTSTRAP_ORG_NAME: 'Platform HQ' }
      const first = await startServer(env)
      assert.deepEqual(await http(first, 'GET', '/health'), { status: 200, body: { status: 'ok' } })
      const { token, user } = await login(first, superadmin.email.toLowerCase())
      assert.equal(user.accessRole, 'SUPERADMIN')
      assert.match(first.output.stdout, /bootstrap superadmin created/)
      const docs = await fetch(`${first.url}/openapi.json`)
      assert.equal(docs.status, 200)
      assert.deepEqual(await first.stop(), { code: 0, signal: null })

      const secrets = join(dataDir, 'secrets.json')
      assert.equal(statSync(secrets).mode & 0o777, 0o600)

      const second = await startServer(env)
      assert.match(second.output.stdout, /bootstrap superadmin already exists/)
      const verified = await http(second, 'GET', '/api/auth/verify-token', { token })
      assert.equal(verified.status, 200, 'a token from before the restart still verifies')
      assert.equal(verified.body.user.id, user.id)

      const organizations = await http(second, 'GET', '/api/organizations', { token })
      assert.deepEqual(
        organizations.body.organizations.map((o: { name: string }) => o.name),
        ['Platform HQ'],
      )
      const users = await http(second, 'GET', '/api/user/list', { token })
      assert.deepEqual(
        users.body.users.map((u: { email: string; accessRole: string }) => [u.email, u.accessRole]),
        [[superadmin.email, 'SUPERADMIN']],
      )
      assert.deepEqual(await second.stop('SIGINT'), { code: 0, signal: null })
    })
  })

  it('finishes an in-flight request on SIGTERM, then closes the database and exits 0', async () => {
    const dataDir = tempDir()
    await withStorage(dataDir, async (storage) => {
      const server = await startServer({ ...storage, ...bootstrapEnv })
      const body = JSON.stringify(superadmin)
      const half = Math.floor(body.length / 2)

      // A login whose body arrives slowly: headers and half the body now, the rest after SIGTERM.
      const socket = await openSocket(server)
      const response = readResponse(socket)
      socket.write(
        `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
      )
      await sleep(300)
      server.child.kill('SIGTERM')
      await sleep(500)
      assert.equal(server.child.exitCode, null, 'still running while a request is in flight')
      const refused = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5000) }).then(
        (r) => r.status,
        () => 'refused',
      )
      assert.notEqual(refused, 200, 'no new requests are served while draining')

      socket.write(body.slice(half))
      const { status, body: answer } = await within(10_000, 'the in-flight response', response)
      assert.equal(status, 200)
      assert.equal(typeof JSON.parse(answer).token, 'string')

      assert.deepEqual(await within(15_000, 'the exit', server.exited), { code: 0, signal: null })
      assert.match(server.output.stdout, /"signal":"SIGTERM".*shutting down/)

      if (testDatabaseKind === 'pglite') {
        // PGlite is single-process: opening the directory proves the server let go of it cleanly.
        const reopened = await openDatabase({ kind: 'pglite', dataDir })
        try {
          const rows = await reopened.db.selectFrom('users').select('email').execute()
          assert.deepEqual(rows, [{ email: superadmin.email }])
        } finally {
          await reopened.close()
        }
      }
    })
  })

  it('gives up after SHUTDOWN_TIMEOUT_MS when a request never finishes, exiting non-zero', async () => {
    await withStorage(tempDir(), async (storage) => {
      const server = await startServer({ ...storage, SHUTDOWN_TIMEOUT_MS: '1000' })
      const socket = await openSocket(server)
      socket.on('error', () => {})
      socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
      await sleep(300)
      const started = Date.now()
      const exit = await server.stop('SIGTERM', 10_000)
      socket.destroy()
      assert.equal(exit.code, 1)
      assert.ok(Date.now() - started >= 900, 'waited for the grace period')
      assert.match(server.output.stderr, /killed by timeout \(1000ms\)/)
    })
  })

  it('fails with a clear message when the port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const address = blocker.address()
    assert.ok(address && typeof address === 'object')
    try {
      const result = await runScript('src/server.ts', [], { DATA_DIR: 'memory://', PORT: String(address.port) }, 30_000)
      assert.equal(result.code, 1)
      assert.match(result.stderr, /Failed to start: listen EADDRINUSE/)
    } finally {
      blocker.close()
    }
  })
})

describe('CLI', () => {
  it('create-superadmin creates the user once; a second run says it exists and exits 0', async () => {
    await withStorage(tempDir(), async (storage) => {
      // The platform organization's name comes from BOOTSTRAP_ORG_NAME unless --org-name says otherwise.
      const env = { ...storage, BOOTSTRAP_ORG_NAME: 'Ops Platform' }
      const args = ['create-superadmin', '--email', 'ops@example.test', '--password', 'Cli-pass-123']
      const created = await runCli(args, env)
      assert.equal(created.code, 0, created.stderr)
      assert.match(created.stdout, /^Created SUPERADMIN ops@example\.test \(user [0-9a-f]{24}\) in organization [0-9a-f]{24}$/m)

      const again = await runCli([...args.slice(0, 4), 'Another-pass-1', '--org-name', 'Elsewhere'], env)
      assert.equal(again.code, 0, again.stderr)
      assert.match(again.stdout, /A user with the email ops@example\.test already exists .*nothing changed/)

      // The user is real: the server on the same storage lets them in, with the first password only.
      const server = await startServer(storage)
      try {
        const { token, user } = await login(server, 'ops@example.test', 'Cli-pass-123')
        assert.equal(user.accessRole, 'SUPERADMIN')
        assert.equal((await http(server, 'POST', '/api/auth/login', { body: { email: 'ops@example.test', password: 'Another-pass-1' } })).status, 401)
        const organizations = await http(server, 'GET', '/api/organizations', { token })
        assert.deepEqual(organizations.body.organizations.map((o: { name: string }) => o.name), ['Ops Platform'])
      } finally {
        await server.stop()
      }
    })
  })

  it('exits 2 with the usage for bad arguments, touching no database', async () => {
    const dataDir = tempDir()
    const cases: [string[], RegExp][] = [
      [['create-superadmin'], /--email must be an email address/],
      [['create-superadmin', '--email', 'not-an-email', '--password', 'Cli-pass-123'], /--email must be an email address/],
      [['create-superadmin', '--email', 'a@example.test', '--password', 'short'], /--password must be at least 8 characters/],
      [['create-superadmin', '--email', 'a@example.test', '--password', 'Cli-pass-123', '--org-phone', '12345'], /--org-phone must be \+1 or \+91/],
      [['create-superadmin', '--email', 'a@example.test', '--password', 'Cli-pass-123', '--admin'], /unknown option '--admin'/],
      [['create-superadmin', '--email'], /--email/],
      [['create-superadmin', '--email', 'a@example.test', '--password', 'Cli-pass-123', '--org-name', ' '], /--org-name must be 1 to 200 characters/],
      [['drop-everything'], /unknown command 'drop-everything'/],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(args, { DATA_DIR: dataDir })))
    results.forEach((result, i) => {
      const [args, message] = cases[i]!
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
      // The help of the command that was called: the program's for an unknown command.
      const usage = args[0] === 'create-superadmin' ? 'create-superadmin [options]' : '<command> [options]'
      assert.ok(result.stderr.includes(`Usage: tether-relay ${usage}`), `${args.join(' ')}: ${result.stderr}`)
    })
    assert.equal(existsSync(dataDir), false, 'no database was opened')
  })

  it('migrate brings the schema up to date and can run again; help and the npx launcher print the usage', async () => {
    const dataDir = tempDir()
    await withStorage(dataDir, async (storage) => {
      for (let run = 0; run < 2; run++) {
        const migrated = await runCli(['migrate'], storage)
        assert.equal(migrated.code, 0, migrated.stderr)
        assert.match(migrated.stdout, /Database schema is up to date/)
      }
      if (testDatabaseKind === 'pglite') assert.ok(readdirSync(dataDir).includes('secrets.json'))

      const help = await runCli(['help'], {})
      assert.equal(help.code, 0)
      assert.match(help.stdout, /create-superadmin/)
      const launcher = await runScript('bin/tether-relay.mjs', ['--help'], {})
      assert.equal(launcher.code, 0, launcher.stderr)
      assert.equal(launcher.stdout, help.stdout)
    })
  })
})

/** Reads one HTTP/1.1 response (status and body, Content-Length framed) from a socket. */
function readResponse(socket: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let raw = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('data', (chunk: string) => {
      raw += chunk
      const end = raw.indexOf('\r\n\r\n')
      if (end === -1) return
      const length = Number(/content-length: (\d+)/i.exec(raw.slice(0, end))?.[1] ?? 0)
      if (raw.length - end - 4 < length) return
      resolve({ status: Number(raw.slice(9, 12)), body: raw.slice(end + 4, end + 4 + length) })
      socket.destroy()
    })
  })
}
