import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { json, ok, post, root, useCliServer } from '../helpers/cli.ts'
import { http, runCli } from '../helpers/process.ts'

/**
 * The lifecycle commands (versions, recapture, diff, export, import, jobs) run as
 * real processes against one real server. Each test captures an organization of
 * its own, so counts and diffs are that test's only.
 */
const cli = useCliServer()

let tenants = 0

/** A new organization with an ADMIN, whose setup the tests capture; `token` is the ADMIN's. */
async function tenant() {
  const n = ++tenants
  const email = `admin${n}@lifecycle.test`
  const created = await post(cli.server, cli.token, '/api/organizations', {
    name: `Lifecycle ${n}`,
    phoneNumber: `+1202555${String(1000 + n).slice(-4)}`,
    address: `${n} Main St`,
    adminDetails: { email, password: 'Admin-pass-1', fullName: `Admin ${n}` },
  })
  const login = await http(cli.server, 'POST', '/api/auth/login', { body: { email, password: 'Admin-pass-1' } })
  assert.equal(login.status, 200)
  return { organizationId: created.data.organizationId as string, email, token: login.body.token as string }
}

async function signedIn() {
  const env = cli.shell()
  await ok(['login', '--email', root.email, '--password-stdin'], env, `${root.password}\n`)
  return env
}

function filesDir() {
  const dir = cli.tempDir('files')
  mkdirSync(dir)
  return dir
}

describe('tether-relay snapshots versions, recapture and diff', () => {
  it('captures a new version, lists the versions, and shows the diff for people and as JSON', async () => {
    const [env, t] = await Promise.all([signedIn(), tenant()])
    const automation = (await post(cli.server, t.token, '/api/automations', { name: 'Hand off', event: 'message.received' })).automation._id as string
    await post(cli.server, t.token, '/api/prompts', { name: 'Greeter', prompt: 'Say hello.' })
    const source = ['--source-org', t.organizationId, '--source-user', t.email]
    const id = json((await ok(['snapshots', 'create', '--name', 'Top rep', ...source, '--json'], env)).stdout).snapshot._id as string

    // The source changes: the automation is renamed and gets a status filter, a prompt is added.
    const put = await http(cli.server, 'PUT', `/api/automations/${automation}`, {
      token: t.token,
      body: { name: 'Hand off now', event: 'message.received', sourceStatuses: ['New'] },
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    await post(cli.server, t.token, '/api/prompts', { name: 'Closer', prompt: 'Close the deal.' })

    const recaptured = await ok(['snapshots', 'recapture', id, '--description', 'Renamed the hand-off'], env)
    assert.match(recaptured.stdout, new RegExp(`^Captured version 2 of Top rep ${id}: 1 automation, 2 prompts, 0 templates\\.$`, 'm'))
    assert.match(recaptured.stdout, /^Since version 1: 1 added, 0 removed, 1 changed\./m)

    const [versionsJson, versionsTable, diffHuman, diffJson, diffApi, shownFirst, shownLatest] = await Promise.all([
      ok(['snapshots', 'versions', id, '--json'], env),
      ok(['snapshots', 'versions', id], env),
      ok(['snapshots', 'diff', id], env),
      ok(['snapshots', 'diff', id, '--from', '1', '--to', '2', '--json'], env),
      http(cli.server, 'GET', `/api/user-snapshots/${id}/diff?from=1&to=2`, { token: cli.token }),
      ok(['snapshots', 'show', id, '--version', '1', '--json'], env),
      ok(['snapshots', 'show', id], env),
    ])

    const versions = json(versionsJson.stdout).versions
    assert.deepEqual(
      versions.map((v: { version: number; description: string | null; counts: { prompts: number } }) => [v.version, v.description, v.counts.prompts]),
      [
        [2, 'Renamed the hand-off', 2],
        [1, null, 1],
      ],
    )
    assert.match(versionsTable.stdout, /^VERSION\s+CAPTURED\s+BY\s+ITEMS\s+DESCRIPTION$/m)
    assert.match(versionsTable.stdout, /^2 \(latest\)\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+Platform Superadmin\s+1 automation, 2 prompts, 0 templates\s+Renamed the hand-off$/m)

    // Without --from/--to: the latest version against the one before it; per kind, field paths, old → new.
    assert.equal(
      diffHuman.stdout,
      [
        'Version 1 \u2192 2: 1 added, 0 removed, 1 changed',
        '',
        'Automations',
        '  ~ Hand off now (was "Hand off")',
        '      /name: "Hand off" \u2192 "Hand off now"',
        '      /sourceStatuses: [] \u2192 ["New"]',
        '',
        'Prompts',
        '  + Closer',
        '',
      ].join('\n'),
    )
    assert.equal(diffApi.status, 200)
    assert.deepEqual(json(diffJson.stdout), diffApi.body, '--json prints the server\u2019s answer')

    const first = json(shownFirst.stdout).snapshot
    assert.equal(first.version, 1)
    assert.deepEqual(first.automations.map((a: { name: string }) => a.name), ['Hand off'])
    assert.match(shownLatest.stdout, /^Version:\s+2$/m)

    const unknown = await runCli(['snapshots', 'diff', id, '--from', '1', '--to', '9'], env)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /^Snapshot version not found: /m)
  })
})

describe('tether-relay snapshots export and import', () => {
  it('exports a user snapshot to a file and imports it back: same items, re-import changes nothing, a changed byte is refused', async () => {
    const [env, t] = await Promise.all([signedIn(), tenant()])
    await post(cli.server, t.token, '/api/automations', { name: 'Follow up', event: 'message.received' })
    await post(cli.server, t.token, '/api/prompts', { name: 'Greeter', prompt: 'Say hello.' })
    await post(cli.server, t.token, '/api/templates', { name: 'Welcome', type: 'sms', template: 'Hi there' })
    const original = json((await ok(['snapshots', 'create', '--name', 'Exported rep', '--source-org', t.organizationId, '--source-user', t.email, '--json'], env)).stdout).snapshot
    const files = filesDir()
    const file = join(files, 'rep.bundle.json')

    const exported = json((await ok(['snapshots', 'export', original._id, '--output', file, '--json'], env)).stdout)
    const bundle = JSON.parse(readFileSync(file, 'utf8'))
    assert.deepEqual(exported, { file, bytes: statSync(file).size, version: 1, checksum: bundle.checksum })
    assert.equal(bundle.format, 'tether-relay.snapshot-bundle')
    assert.equal(bundle.snapshot.id, original._id)

    const again = await runCli(['snapshots', 'export', original._id, '--output', file], env)
    assert.equal(again.code, 1, 'an existing file is not replaced without --force')
    assert.match(again.stderr, /already exists/)
    const forced = await ok(['snapshots', 'export', original._id, '--output', file, '--force'], env)
    assert.match(forced.stdout, new RegExp(`^Exported version 1 of ${original._id} to .*rep\\.bundle\\.json \\([\\d.]+ (B|KiB)\\)\\.$`, 'm'))

    const imported = await ok(['snapshots', 'import', file], env)
    const match = /^Imported Exported rep as ([0-9a-f]{24}), version 1 on this server\.$/m.exec(imported.stdout)
    assert.ok(match, imported.stdout)
    const copyId = match[1]!
    assert.notEqual(copyId, original._id)
    assert.match(imported.stdout, /^Verified:\s+format and version, checksum \(SHA-256\), signature \(Ed25519, key [\w-]+\)$/m)
    assert.match(imported.stdout, new RegExp(`^From:\\s+instance [0-9a-f]{24}, snapshot ${original._id}, version 1$`, 'm'))

    const [copyRun, originalRun, reimported] = await Promise.all([
      ok(['snapshots', 'show', copyId, '--json'], env),
      ok(['snapshots', 'show', original._id, '--json'], env),
      ok(['snapshots', 'import', file, '--json'], env),
    ])
    const copy = json(copyRun.stdout).snapshot
    const source = json(originalRun.stdout).snapshot
    assert.deepEqual(copy.counts, source.counts)
    assert.deepEqual(copy.counts, { automations: 1, prompts: 1, templates: 1 })
    for (const kind of ['automations', 'prompts', 'templates']) {
      assert.deepEqual(copy[kind].map((i: { name: string }) => i.name), source[kind].map((i: { name: string }) => i.name), kind)
    }
    assert.deepEqual(copy.importedFrom, { instanceId: bundle.instance.id, snapshotId: original._id, version: 1 })
    const second = json(reimported.stdout)
    assert.equal(second.message, 'Snapshot already imported')
    assert.equal(second.snapshot._id, copyId)

    // One byte changed: the server's 400 says which check failed; nothing is imported.
    const tampered = join(files, 'tampered.json')
    writeFileSync(tampered, readFileSync(file, 'utf8').replace('"Greeter"', '"Greetor"'))
    const refused = await runCli(['snapshots', 'import', tampered, '--json'], env)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^Checksum mismatch: /m)
    assert.equal(json(refused.stdout).error, 'Checksum mismatch')
    const wrongKind = await runCli(['org-snapshots', 'import', file], env)
    assert.equal(wrongKind.code, 1)
    assert.match(wrongKind.stderr, /^Wrong kind of bundle: /m)
    const listed = json((await ok(['snapshots', 'list', '--search', 'Exported rep', '--json'], env)).stdout)
    assert.deepEqual(listed.snapshots.map((s: { _id: string }) => s._id).sort(), [original._id, copyId].sort(), 'the refused imports created nothing')

    const missingVersion = await runCli(['snapshots', 'export', original._id, '--version', '2', '--output', join(files, 'v2.json')], env)
    assert.equal(missingVersion.code, 1)
    assert.match(missingVersion.stderr, /^Version not found: Snapshot [0-9a-f]{24} has no version 2$/m)
  })

  it('round-trips an organization snapshot at a chosen version', async () => {
    const [env, t] = await Promise.all([signedIn(), tenant()])
    await post(cli.server, t.token, '/api/pipelines', { name: 'Sales', type: 'Contact', stages: [{ name: 'New' }, { name: 'Won' }] })
    const source = ['--source-org', t.organizationId, '--source-user', t.email]
    const id = json((await ok(['org-snapshots', 'create', '--name', 'Org setup', ...source, '--json'], env)).stdout).snapshot._id as string
    await post(cli.server, t.token, '/api/agents', { name: 'Closer' })
    await ok(['org-snapshots', 'recapture', id], env)

    const file = join(filesDir(), 'org.bundle.json')
    assert.equal(json((await ok(['org-snapshots', 'export', id, '--version', '1', '-o', file, '--json'], env)).stdout).version, 1)
    const imported = json((await ok(['org-snapshots', 'import', file, '--json'], env)).stdout)
    assert.equal(imported.message, 'Snapshot imported')
    const [copyRun, latestRun] = await Promise.all([
      ok(['org-snapshots', 'show', imported.snapshot._id, '--json'], env),
      ok(['org-snapshots', 'show', id, '--json'], env),
    ])
    const copy = json(copyRun.stdout).snapshot
    const latest = json(latestRun.stdout).snapshot
    assert.deepEqual(copy.pipelines.map((p: { name: string; stages: { name: string }[] }) => [p.name, p.stages.map((s) => s.name)]), [['Sales', ['New', 'Won']]])
    assert.deepEqual([copy.agents.length, latest.agents.length], [0, 1], 'the import holds version 1, not the latest with the agent')
  })
})

describe('tether-relay lifecycle usage errors', () => {
  it('exit 2 with the command\u2019s help, exit 1 for a missing file or an unknown job', async () => {
    // A closed port: a command that sent a request would fail with "Cannot reach" instead.
    const offline = { XDG_CONFIG_HOME: cli.tempDir('config'), TETHER_RELAY_URL: 'http://127.0.0.1:9', TETHER_RELAY_TOKEN: 'unused' }
    const id = '0123456789abcdef01234567'
    const cases: [string[], RegExp, string][] = [
      [['snapshots', 'diff', id, '--from', 'one'], /'--from <n>' argument 'one' is invalid/, 'snapshots diff'],
      [['snapshots', 'export', id, '--version', '0'], /'--version <n>' argument '0' is invalid/, 'snapshots export'],
      [['org-snapshots', 'show', id, '--version', 'latest'], /'--version <n>' argument 'latest' is invalid/, 'org-snapshots show'],
      [['snapshots', 'export', id, '-o', '-', '--json'], /cannot also print --json/, 'snapshots export'],
      [['snapshots', 'versions', 'nope'], /the snapshot id must be 24 hexadecimal characters/, 'snapshots versions'],
      [['jobs', 'wait', 'nope'], /the job id must be 24 hexadecimal characters/, 'jobs wait'],
      [['jobs', 'wait', id, '--timeout', '0'], /'--timeout <seconds>' argument '0' is invalid/, 'jobs wait'],
      [['snapshots', 'import'], /missing required argument 'file'/, 'snapshots import'],
    ]
    const results = await Promise.all(cases.map(([args]) => runCli(args, offline)))
    results.forEach((result, i) => {
      const [args, message, usage] = cases[i]!
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.match(result.stderr, message, args.join(' '))
      assert.ok(result.stderr.includes(`Usage: tether-relay ${usage}`), `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stdout, '')
    })

    const env = await signedIn()
    const [missingFile, unknownJob] = await Promise.all([
      runCli(['snapshots', 'import', '/nonexistent/bundle.json'], env),
      runCli(['jobs', 'show', id, '--json'], env),
    ])
    assert.equal(missingFile.code, 1)
    assert.match(missingFile.stderr, /Cannot read \/nonexistent\/bundle\.json/)
    assert.equal(unknownJob.code, 1)
    assert.match(unknownJob.stderr, /^Job not found: No job exists with the given id$/m)
    assert.equal(json(unknownJob.stdout).error, 'Job not found')
  })
})
