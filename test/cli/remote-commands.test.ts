import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { json, ok, post, root, useCliServer } from '../helpers/cli.ts'
import { http, runCli, type ServerProcess } from '../helpers/process.ts'

/**
 * The tether-relay commands that talk to a running server, run as real processes
 * against a real server on its own storage. There is no terminal: nothing is
 * asked, and passwords come from standard input. Each shell has its own config
 * directory, so the token file is the test's own.
 */
const cli = useCliServer()
const { tempDir } = cli

async function withServer(fn: (server: ServerProcess, token: string) => Promise<void>) {
  await fn(cli.server, cli.token)
}

/** The environment of one user's shell: their own config directory and the server's URL. */
function shell(server: { url: string }, extra: Record<string, string> = {}) {
  return { XDG_CONFIG_HOME: tempDir('config'), TETHER_RELAY_URL: server.url, ...extra }
}

const credentialsFile = (env: { XDG_CONFIG_HOME: string }) => join(env.XDG_CONFIG_HOME, 'tether-relay', 'credentials.json')

describe('tether-relay login, logout and the token file', () => {
  it('signs in with the password on stdin, keeps the token 0600, and forgets it on logout', async () => {
    await withServer(async (server) => {
      const env = shell(server)
      const file = credentialsFile(env)

      const refused = await runCli(['login', '--email', root.email, '--password-stdin'], env, 'Wrong-password-1\n')
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /^Invalid credentials: The email or password is incorrect$/m, 'the server\u2019s error and message')
      assert.equal(existsSync(file), false, 'nothing is stored for a refused login')

      const signedIn = await ok(['login', '--email', root.email, '--password-stdin'], env, `${root.password}\n`)
      assert.match(signedIn.stdout, new RegExp(`^Signed in to ${server.url} as root@example\\.test \\(SUPERADMIN\\)\\.$`, 'm'))
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the token file is readable by its owner only')
      assert.equal(statSync(dirname(file)).mode & 0o777, 0o700)
      const stored = JSON.parse(readFileSync(file, 'utf8'))
      assert.deepEqual(Object.keys(stored.servers), [server.url], 'the token is kept under the server it came from')
      assert.ok(!readFileSync(file, 'utf8').includes(root.password), 'the password is never stored')
      const verified = await http(server, 'GET', '/api/auth/verify-token', { token: stored.servers[server.url].token })
      assert.equal(verified.status, 200, 'the stored token is a real one')

      const whoami = json((await ok(['whoami', '--json'], env)).stdout)
      assert.equal(whoami.user.email, root.email)
      assert.equal(whoami.user.accessRole, 'SUPERADMIN')

      const loggedOut = await ok(['logout'], env)
      assert.match(loggedOut.stdout, /Signed out of/)
      assert.equal(existsSync(file), false)
      const after = await runCli(['snapshots', 'list'], env)
      assert.equal(after.code, 1)
      assert.match(after.stderr, new RegExp(`Not signed in to ${server.url}`))
      assert.match(after.stderr, /Run: tether-relay login/)
      assert.equal(json((await ok(['logout', '--json'], env)).stdout).loggedOut, false, 'a second logout has nothing to forget')

      // Tokens are kept per server: signed in here, a command aimed at another URL has no token to send.
      await ok(['login', '--email', root.email, '--password-stdin'], env, `${root.password}\n`)
      const elsewhere = await runCli(['snapshots', 'list', '--url', 'http://127.0.0.1:9'], env)
      assert.equal(elsewhere.code, 1)
      assert.match(elsewhere.stderr, /Not signed in to http:\/\/127\.0\.0\.1:9/)
    })
  })

  it('uses TETHER_RELAY_TOKEN without a login, and says when the server refuses a token', async () => {
    await withServer(async (server, token) => {
      const listed = json((await ok(['org-snapshots', 'list', '--json'], shell(server, { TETHER_RELAY_TOKEN: token }))).stdout)
      assert.ok(Array.isArray(listed.snapshots))

      const refused = await runCli(['snapshots', 'list', '--json'], shell(server, { TETHER_RELAY_TOKEN: 'not-a-token' }))
      assert.equal(refused.code, 1)
      assert.match(refused.stderr, /^Invalid or expired token: /m)
      assert.match(refused.stderr, /TETHER_RELAY_TOKEN was refused/)
      assert.equal(json(refused.stdout).error, 'Invalid or expired token', '--json puts the server\u2019s error body on stdout')

      const unreachable = await runCli(['snapshots', 'list'], shell({ url: 'http://127.0.0.1:9' }, { TETHER_RELAY_TOKEN: token }))
      assert.equal(unreachable.code, 1)
      assert.match(unreachable.stderr, /Cannot reach http:\/\/127\.0\.0\.1:9/)
    })
  })
})

describe('tether-relay snapshots and org-snapshots', () => {
  it('creates, lists, shows, dry-runs and applies a user snapshot from a mappings file', async () => {
    await withServer(async (server, token) => {
      // The superadmin's own setup in the platform organization: a pipeline, an agent, an automation using both.
      await post(server, token, '/api/pipelines', { name: 'Sales', type: 'Contact', stages: [{ name: 'New' }, { name: 'Contacted' }] })
      const agent = (await post(server, token, '/api/agents', { name: 'Closer' })).agent._id
      await post(server, token, '/api/automations', {
        name: 'Hand off',
        event: 'message.received',
        sourceStatuses: ['New'],
        actions: { targetStage: 'Contacted', agentId: agent },
      })
      await post(server, token, '/api/prompts', { name: 'Greeter', prompt: 'Say hello.' })
      // The target organization names its stages differently; its agent has the same name.
      const target = (
        await post(server, token, '/api/organizations', {
          name: 'Target Co',
          phoneNumber: '+12025550100',
          address: '1 Main St',
          adminDetails: { email: 'admin@target.test', password: 'Admin-pass-1', fullName: 'Target Admin' },
        })
      ).data.organizationId as string
      await post(server, token, '/api/pipelines', { name: 'Deals', type: 'Contact', stages: [{ name: 'Fresh' }, { name: 'Reached' }], organizationId: target })
      await post(server, token, '/api/agents', { name: 'Closer', organizationId: target })

      const env = shell(server)
      await ok(['login', '--email', root.email, '--password-stdin'], env, `${root.password}\n`)

      const created = json((await ok(['snapshots', 'create', '--name', 'Top rep', '--source-user', root.email, '--json'], env)).stdout)
      const id = created.snapshot._id as string
      assert.match(id, /^[0-9a-f]{24}$/)
      assert.deepEqual(
        { automations: created.snapshot.counts.automations, prompts: created.snapshot.counts.prompts },
        { automations: 1, prompts: 1 },
      )

      const [listedRun, tableRun, shownRun, humanRun, found, notFound] = await Promise.all([
        ok(['snapshots', 'list', '--json'], env),
        ok(['snapshots', 'list'], env),
        ok(['snapshots', 'show', id, '--json'], env),
        ok(['snapshots', 'show', id], env),
        ok(['snapshots', 'list', '--search', 'TOP', '--scope', 'mine', '--json'], env),
        ok(['snapshots', 'list', '--search', 'bottom', '--json'], env),
      ])
      assert.deepEqual(json(found.stdout).snapshots.map((s: { _id: string }) => s._id), [id], '--search matches any case')
      assert.deepEqual(json(notFound.stdout).snapshots, [])
      const listed = json(listedRun.stdout)
      assert.deepEqual(listed.snapshots.map((s: { _id: string }) => s._id), [id])
      const table = tableRun.stdout
      assert.match(table, /^ID\s+NAME\s+ITEMS\s+SOURCE\s+SHARED\s+CREATED$/m)
      assert.match(table, new RegExp(`^${id}  Top rep\\s+1 automation, 1 prompt, 0 templates\\s+root@example\\.test`, 'm'))

      const shown = json(shownRun.stdout).snapshot
      assert.deepEqual(shown.automations.map((a: { name: string }) => a.name), ['Hand off'])
      assert.deepEqual(shown.sourcePipelineStageRefs.map((r: { value: string }) => r.value).sort(), ['Contacted', 'New'])
      const human = humanRun.stdout
      assert.match(human, /^Stage references \(2\)$/m)
      assert.match(human, /^Hand off\s+agentId\s+Closer$/m, 'agent references by name')

      const newUser = ['--organization', target, '--email', 'rep@target.test', '--full-name', 'New Rep', '--role', 'SALES_REP']

      // A dry run with nothing mapped: the plan flags both stages, exits 1, and needs no password.
      const failing = await runCli(['snapshots', 'apply', id, ...newUser, '--dry-run'], env)
      assert.equal(failing.code, 1, failing.stderr)
      assert.match(failing.stdout, /^Dry run: the apply would fail \(1 problem\)\.$/m)
      assert.match(failing.stdout, /^ {2}422 Unresolved references: /m)
      assert.match(failing.stdout, /^Hand off\s+sourceStatuses\s+New\s+\(none\)\s+UNRESOLVED$/m)
      assert.match(failing.stdout, /^Hand off\s+agentId\s+[0-9a-f]{24}\s+[0-9a-f]{24}\s+name$/m, 'the agent resolves by name')
      assert.match(failing.stderr, /The apply would fail \(1 problem\(s\)\); nothing was changed/)

      const files = tempDir('files')
      mkdirSync(files)
      const mappings = join(files, 'mappings.json')
      writeFileSync(
        mappings,
        JSON.stringify({
          pipelineMapping: { 'Hand off': { New: 'Fresh', Contacted: 'Reached' } },
          newUser: { email: 'rep@target.test', fullName: 'New Rep', accessRole: 'SALES_REP' },
        }),
      )
      const planned = json((await ok(['snapshots', 'apply', id, '--organization', target, '--mappings', mappings, '--dry-run', '--json'], env)).stdout)
      assert.equal(planned.plan.wouldSucceed, true)
      assert.deepEqual(
        planned.plan.references.map((r: { field: string; to: string; resolvedBy: string }) => [r.field, r.to, r.resolvedBy]),
        [
          ['sourceStatuses', 'Fresh', 'mapping'],
          ['targetStage', 'Reached', 'mapping'],
          ['agentId', planned.plan.references[2].to, 'name'],
        ],
      )

      // The dry runs created nobody: the real apply with the same email succeeds.
      const applied = await ok(['snapshots', 'apply', id, '--organization', target, '--mappings', mappings, '--password-stdin'], env, 'Rep-pass-123\n')
      assert.match(applied.stdout, /^Applied\. Snapshot applied$/m)
      assert.match(applied.stdout, /^New user rep@target\.test [0-9a-f]{24}: cloned 1 automation, 1 prompt, 0 templates\.$/m)

      // The new user exists in the target, with the password from stdin and the mapped stages.
      const rep = await http(server, 'POST', '/api/auth/login', { body: { email: 'rep@target.test', password: 'Rep-pass-123' } })
      assert.equal(rep.status, 200)
      assert.equal(rep.body.user.organizationId, target)
      const automations = await http(server, 'GET', '/api/automations', { token: rep.body.token })
      assert.deepEqual(
        automations.body.automations.map((a: { name: string; sourceStatuses: string[]; actions: { targetStage: string } }) => [
          a.name,
          a.sourceStatuses,
          a.actions.targetStage,
        ]),
        [['Hand off', ['Fresh'], 'Reached']],
      )

      // Applying again: the server's 409, its error and message, exit 1; --json also gives the body on stdout.
      const again = await runCli(['snapshots', 'apply', id, '--organization', target, '--mappings', mappings, '--password-stdin', '--json'], env, 'Rep-pass-123\n')
      assert.equal(again.code, 1)
      assert.match(again.stderr, /^Email already exists: /m)
      assert.equal(json(again.stdout).error, 'Email already exists')

      // No password and no terminal for a real apply: a usage error, nothing sent.
      const noPassword = await runCli(['snapshots', 'apply', id, '--organization', target, '--mappings', mappings], env)
      assert.equal(noPassword.code, 2)
      assert.match(noPassword.stderr, /no terminal to ask for the password: pass it on standard input with --password-stdin/)
      assert.match(noPassword.stderr, /Usage: tether-relay snapshots apply/)
    })
  })

  it('creates, lists, shows and applies an organization snapshot', async () => {
    await withServer(async (server) => {
      const env = shell(server)
      await ok(['login', '--email', root.email, '--password-stdin'], env, `${root.password}\n`)
      const created = json((await ok(['org-snapshots', 'create', '--name', 'Platform setup', '--source-user', root.email, '--json'], env)).stdout)
      const id = created.snapshot._id as string
      const [listed, shown, human] = await Promise.all([
        ok(['org-snapshots', 'list', '--json'], env),
        ok(['org-snapshots', 'show', id, '--json'], env),
        ok(['org-snapshots', 'show', id], env),
      ])
      assert.deepEqual(json(listed.stdout).snapshots.map((s: { _id: string }) => s._id), [id])
      const snapshot = json(shown.stdout).snapshot
      assert.equal(snapshot._id, id)
      assert.ok(human.stdout.includes(`\nPipelines (${snapshot.pipelines.length})\n`), human.stdout)

      const org = ['--org-name', 'Cloned Co', '--org-phone', '+12025550199', '--org-address', '2 Side St']
      const plan = json((await ok(['org-snapshots', 'apply', id, ...org, '--dry-run', '--json'], env)).stdout)
      assert.equal(plan.plan.wouldSucceed, true)
      const applied = await ok(['org-snapshots', 'apply', id, ...org, '--admin-email', 'boss@cloned.test', '--admin-name', 'Boss', '--password-stdin'], env, 'Boss-pass-123\n')
      assert.match(applied.stdout, /^New organization Cloned Co [0-9a-f]{24}: cloned /m)
      assert.match(applied.stdout, /^First ADMIN: boss@cloned\.test [0-9a-f]{24}$/m)
      const boss = await http(server, 'POST', '/api/auth/login', { body: { email: 'boss@cloned.test', password: 'Boss-pass-123' } })
      assert.equal(boss.status, 200)
      assert.equal(boss.body.user.accessRole, 'ADMIN')
    })
  })
})

describe('tether-relay usage errors', () => {
  it('exit 2 with the command\u2019s help before any request is sent', async () => {
    // The URL is a closed port: a command that sent a request would fail with exit 1 instead.
    const env = { XDG_CONFIG_HOME: tempDir('config'), TETHER_RELAY_URL: 'http://127.0.0.1:9', TETHER_RELAY_TOKEN: 'unused' }
    const cases: [string[], RegExp, string][] = [
      [['snapshots', 'show', 'not-an-id'], /the snapshot id must be 24 hexadecimal characters/, 'snapshots show'],
      [['snapshots', 'list', '--limit', 'many'], /--limit <n>' argument 'many' is invalid\. must be a whole number/, 'snapshots list'],
      [['snapshots', 'list', '--limit', '0'], /--limit must be 1 to 500/, 'snapshots list'],
      [['org-snapshots', 'list', '--scope', 'global'], /argument 'global' is invalid\. Allowed choices are all, mine/, 'org-snapshots list'],
      [['snapshots', 'frobnicate'], /unknown command 'frobnicate'/, 'snapshots'],
      [['snapshots', 'create', '--source-user', 'a@b.test'], /required option '--name <name>' not specified/, 'snapshots create'],
      [['snapshots', 'apply', '0123456789abcdef01234567', '--role', 'SALES_REP'], /--email is required/, 'snapshots apply'],
      [['snapshots', 'apply', '0123456789abcdef01234567', '--email', 'x@y.test', '--full-name', 'X', '--role', 'KING'], /--role: must be one of/, 'snapshots apply'],
      [['org-snapshots', 'apply', '0123456789abcdef01234567', '--mappings', '/nonexistent/x.json'], /Cannot read/, ''],
      [['login'], /--email is required when there is no terminal/, 'login'],
      [['login', '--email', 'a@b.test'], /pass it on standard input with --password-stdin/, 'login'],
      [['whoami', '--url', 'ftp://example.test'], /--url must be an http:\/\/ or https:\/\/ URL/, 'whoami'],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(args, env)))
    results.forEach((result, i) => {
      const [args, message, usage] = cases[i]!
      if (!usage) {
        assert.equal(result.code, 1, `${args.join(' ')}: a missing file is a failure, not a usage error`)
        assert.match(result.stderr, message)
        return
      }
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
      assert.ok(result.stderr.includes(`Usage: tether-relay ${usage}`), `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stdout, '')
    })
  })
})
