import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { testDatabaseKind } from './helpers/database.ts'
import { http, runCli, runScript, startServer, useProcesses, withStorage, type ServerProcess } from './helpers/process.ts'

/**
 * SPEC §10: the embedded database directory is held by one process at a time. Real
 * processes, as a user would start them: a second server or CLI command on the same
 * DATA_DIR exits 1 naming the directory and the holder; a holder killed with -9
 * leaves nothing that blocks the next start.
 */
const { tempDir } = useProcesses()

const superadmin = { email: 'lock-root@example.test', password: 'Lock-pass-123' }
const bootstrap = { BOOTSTRAP_SUPERADMIN_EMAIL: superadmin.email, BOOTSTRAP_SUPERADMIN_PASSWORD: superadmin.password }

async function login(server: ServerProcess): Promise<string> {
  const r = await http(server, 'POST', '/api/auth/login', { body: superadmin })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body.token as string
}

async function createOrganization(server: ServerProcess, token: string, name: string) {
  const r = await http(server, 'POST', '/api/organizations', {
    token,
    body: {
      name,
      phoneNumber: `+1${String(Date.now()).slice(-10)}`,
      address: 'x',
      adminDetails: { email: `${name.toLowerCase().replace(/\W/g, '')}@example.test`, password: 'Admin-pass-1', fullName: 'A' },
    },
  })
  assert.equal(r.status, 201, JSON.stringify(r.body))
}

const refusal = (dataDir: string, pid: number) =>
  new RegExp(`DATA_DIR ${dataDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by process ${pid} \\(.*src/server\\.ts`)

describe('one process per embedded DATA_DIR', { skip: testDatabaseKind === 'postgres' }, () => {
  it('refuses a second server and every CLI command on the same directory, naming it and the holder', async () => {
    const dataDir = tempDir()
    const holder = await startServer({ DATA_DIR: dataDir, ...bootstrap })
    try {
      const token = await login(holder)
      const second = await runScript('src/server.ts', [], { DATA_DIR: dataDir, PORT: '0' }, 30_000)
      assert.equal(second.code, 1, second.stdout)
      assert.match(second.stderr, /^Failed to start: /m)
      assert.match(second.stderr, refusal(dataDir, holder.pid))
      assert.doesNotMatch(second.stdout, /Server listening/)

      // The same directory through a symlink is the same directory.
      const link = join(dirname(dataDir), 'link-to-data')
      symlinkSync(dataDir, link)
      for (const [args, dir] of [
        [['create-superadmin', '--email', 'second@example.test', '--password', 'Second-pass-1'], dataDir],
        [['migrate'], link],
      ] as const) {
        const cli = await runCli([...args], { DATA_DIR: dir })
        assert.equal(cli.code, 1, `${args[0]}: ${cli.stdout}`)
        assert.match(cli.stderr, /is in use by process \d+ .*stop that process first/, args[0])
        assert.match(cli.stderr, new RegExp(`process ${holder.pid} `), args[0])
      }

      // The holder was never disturbed: it still writes and reads, and the CLI created nobody.
      await createOrganization(holder, token, 'Still Served')
      const users = await http(holder, 'GET', '/api/user/list', { token })
      assert.deepEqual(users.body.users.map((u: { email: string }) => u.email), [superadmin.email])
      assert.deepEqual(await holder.stop(), { code: 0, signal: null })

      // Released on a clean exit: the CLI now runs.
      const migrate = await runCli(['migrate'], { DATA_DIR: dataDir })
      assert.equal(migrate.code, 0, migrate.stderr)
    } finally {
      await holder.stop('SIGKILL')
    }
  })

  it('starts after the holder was killed with -9, with everything it acknowledged', async () => {
    const dataDir = tempDir()
    const first = await startServer({ DATA_DIR: dataDir, ...bootstrap })
    const token = await login(first)
    await createOrganization(first, token, 'Acknowledged Org')
    assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL')

    const next = await startServer({ DATA_DIR: dataDir })
    try {
      const organizations = await http(next, 'GET', '/api/organizations', { token: await login(next) })
      assert.ok(organizations.body.organizations.some((o: { name: string }) => o.name === 'Acknowledged Org'))
    } finally {
      await next.stop()
    }
  })

  it('lets exactly one of two servers started at once on a fresh directory run', async () => {
    const dataDir = tempDir()
    mkdirSync(dataDir, { recursive: true })
    const starts = await Promise.allSettled([0, 1].map(() => startServer({ DATA_DIR: dataDir })))
    const running = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    try {
      assert.equal(running.length, 1, starts.map((s) => (s.status === 'rejected' ? String(s.reason) : 'listening')).join('\n'))
      for (const s of starts) {
        if (s.status === 'rejected') assert.match(String(s.reason), /server exited \(1\)[\s\S]*is in use by process/)
      }
    } finally {
      for (const server of running) await server.stop()
    }
  })
})

describe('DATA_DIR with DATABASE_URL', { skip: testDatabaseKind !== 'postgres' }, () => {
  it('holds no lock: the directory only keeps generated secrets, and several servers share PostgreSQL', async () => {
    await withStorage(tempDir(), async (storage) => {
      const first = await startServer({ ...storage, ...bootstrap })
      const second = await startServer(storage)
      try {
        assert.equal((await http(second, 'POST', '/api/auth/login', { body: superadmin })).status, 200)
      } finally {
        await Promise.all([first.stop(), second.stop()])
      }
    })
  })
})
