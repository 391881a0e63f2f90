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

describe('tether-relay snapshots push and jobs', () => {
  it('previews a push per target, pushes with --wait, and exits 1 when the job fails a target', async () => {
    const [env, source] = await Promise.all([signedIn(), tenant()])
    const other = await tenant()
    // The source has stages New and Won; the other organization only New, so a reference to Won cannot resolve there.
    await post(cli.server, source.token, '/api/pipelines', { name: 'Sales', type: 'Contact', stages: [{ name: 'New' }, { name: 'Won' }] })
    await post(cli.server, other.token, '/api/pipelines', { name: 'Leads', type: 'Contact', stages: [{ name: 'New' }] })
    const automation = (await post(cli.server, source.token, '/api/automations', { name: 'Qualify', event: 'message.received', sourceStatuses: ['New'] })).automation._id as string
    const prompt = (await post(cli.server, source.token, '/api/prompts', { name: 'Greeter', prompt: 'Say hello.' })).prompt._id as string
    const id = json((await ok(['snapshots', 'create', '--name', 'Pushed rep', '--source-org', source.organizationId, '--source-user', source.email, '--json'], env)).stdout).snapshot._id as string
    for (const [n, target] of [source, other].entries()) {
      await post(cli.server, cli.token, `/api/user-snapshots/${id}/apply?organizationId=${target.organizationId}`, {
        newUser: { email: `rep${n}@${target.organizationId}.test`, fullName: `Rep ${n}`, accessRole: 'SALES_REP', password: 'Rep-pass-123' },
      })
    }
    const applications = async () => {
      const listed = await http(cli.server, 'GET', `/api/user-snapshots/${id}/applications`, { token: cli.token })
      assert.equal(listed.status, 200)
      return new Map<string, { _id: string; version: number }>(listed.body.applications.map((a: { targetOrganizationId: string }) => [a.targetOrganizationId, a]))
    }
    const before = await applications()
    const mine = before.get(source.organizationId)!._id
    const theirs = before.get(other.organizationId)!._id

    // Version 2: the automation now moves contacts to Won, the prompt says more.
    for (const [path, body] of [
      [`/api/automations/${automation}`, { actions: { targetStage: 'Won' } }],
      [`/api/prompts/${prompt}`, { prompt: 'Say hello warmly.' }],
    ] as const) {
      const put = await http(cli.server, 'PUT', path, { token: source.token, body })
      assert.equal(put.status, 200, JSON.stringify(put.body))
    }
    await ok(['snapshots', 'recapture', id], env)

    const [preview, previewJson, previewMine] = await Promise.all([
      runCli(['snapshots', 'push', id, '--dry-run'], env),
      runCli(['snapshots', 'push', id, '--dry-run', '--json'], env),
      ok(['snapshots', 'push', id, '--dry-run', '--targets', mine], env),
    ])
    assert.equal(preview.code, 1, 'a dry run with a failing target exits 1')
    assert.match(preview.stdout, /^Dry run: the push would fail on 1 of 2 targets\.$/m)
    assert.match(preview.stdout, new RegExp(`^Application ${theirs} \\(organization ${other.organizationId}, user [0-9a-f]{24}\\): version 1 \u2192 2, FAILS$`, 'm'))
    assert.match(preview.stdout, /^ {2}422 Unresolved references: /m)
    assert.match(preview.stdout, /^ {2}update\s+automation\s+Qualify\s+\/actions\/targetStage \(snapshot\)/m)
    assert.match(preview.stdout, /^ {2}update\s+prompt\s+Greeter\s+\/prompt \(snapshot\)/m)
    assert.match(preview.stderr, /The push would fail on 1 of 2 target\(s\); nothing was changed/)
    const plan = json(previewJson.stdout).plan
    assert.deepEqual(
      plan.targets.map((t: { applicationId: string; fromVersion: number; toVersion: number; wouldSucceed: boolean }) => [t.applicationId, t.fromVersion, t.toVersion, t.wouldSucceed]).sort(),
      [
        [mine, 1, 2, true],
        [theirs, 1, 2, false],
      ].sort(),
    )
    assert.match(previewMine.stdout, /^Dry run: the push would succeed on its target\.$/m)
    assert.deepEqual([...(await applications()).values()].map((a) => a.version), [1, 1], 'dry runs write nothing')

    // The target that can take version 2, followed to the end: plain progress lines without a terminal, the job on stdout.
    const pushed = await ok(['snapshots', 'push', id, '--targets', mine, '--wait'], env)
    const jobId = /^Push started: job ([0-9a-f]{24}), 1 target\.$/m.exec(pushed.stderr)?.[1]
    assert.ok(jobId, pushed.stderr)
    assert.match(pushed.stderr, new RegExp(`^Job ${jobId}: succeeded \\(1 of 1 done, 0 failed, 0 conflicts\\)$`, 'm'))
    assert.match(pushed.stdout, /^Status:\s+succeeded \(1 of 1 done, 0 failed, 0 conflicts\)$/m)
    // What the dry run said for this target is what the job did.
    const planned = plan.targets.find((t: { applicationId: string }) => t.applicationId === mine).changes
    const count = (action: string) => planned.filter((c: { action: string }) => c.action === action).length
    const expected = { created: count('create'), updated: count('update'), deleted: count('delete'), kept: count('keep'), conflicts: count('conflict') }
    assert.ok(expected.updated >= 1, JSON.stringify(planned))
    const row = [expected.created, expected.updated, expected.deleted, expected.kept, expected.conflicts].join('\\s+')
    assert.match(pushed.stdout, new RegExp(`^${mine}\\s+${source.organizationId}\\s+succeeded\\s+${row}\\s+-$`, 'm'))
    const after = await applications()
    assert.deepEqual([after.get(source.organizationId)!.version, after.get(other.organizationId)!.version], [2, 1])

    const [shown, waited] = await Promise.all([ok(['jobs', 'show', jobId, '--json'], env), ok(['jobs', 'wait', jobId, '--json'], env)])
    const job = json(shown.stdout).job
    assert.equal(job.status, 'succeeded')
    assert.deepEqual(job.targets.map((t: { applicationId: string; changes: unknown }) => [t.applicationId, t.changes]), [
      [mine, expected],
    ])
    assert.deepEqual(json(waited.stdout).job, job, 'waiting for a finished job answers at once')

    // The rest (the other organization) fails: the job ends failed, exit 1, the target's error shown.
    const failed = await runCli(['snapshots', 'push', id, '--wait', '--json'], env)
    assert.equal(failed.code, 1, failed.stderr)
    const failedJob = json(failed.stdout).job
    assert.equal(failedJob.status, 'failed')
    assert.deepEqual(failedJob.targets.map((t: { applicationId: string; status: string }) => [t.applicationId, t.status]), [[theirs, 'failed']])
    assert.match(failed.stderr, new RegExp(`^error: Job ${failedJob._id} ended failed: 1 of 1 target failed`, 'm'))
    const failedHuman = await runCli(['jobs', 'wait', failedJob._id], env)
    assert.equal(failedHuman.code, 1)
    assert.match(failedHuman.stdout, /^Status:\s+failed \(0 of 1 done, 1 failed, 0 conflicts\)$/m)
    assert.match(failedHuman.stdout, /\s+failed\s+-\s+-\s+-\s+-\s+-\s+Unresolved references: /)
    assert.ok(failedHuman.stderr.includes(`tether-relay jobs retry ${failedJob._id} --wait`), failedHuman.stderr)

    // The cause fixed (the other organization gets a stage named Won), the failed target runs again and succeeds.
    await post(cli.server, other.token, '/api/pipelines', { name: 'Closing', type: 'Contact', stages: [{ name: 'Won' }] })
    const retried = await ok(['jobs', 'retry', failedJob._id, '--wait'], env)
    assert.match(retried.stderr, new RegExp(`^Retry started: job ${failedJob._id}, 1 target queued again\\.$`, 'm'))
    assert.match(retried.stdout, /^Status:\s+succeeded \(1 of 1 done, 0 failed, 0 conflicts\)$/m)
    assert.deepEqual([...(await applications()).values()].map((a) => a.version), [2, 2])

    const listed = json((await ok(['jobs', 'list', '--json'], env)).stdout).jobs.map((j: { _id: string }) => j._id)
    assert.ok(listed.includes(jobId) && listed.includes(failedJob._id), 'jobs list shows both pushes')
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
      [['snapshots', 'push', id, '--policy', 'mine'], /'--policy <policy>' argument 'mine' is invalid\. Allowed choices are keep-local, take-snapshot/, 'snapshots push'],
      [['org-snapshots', 'push', id, '--targets', 'a,b'], /the application id in --targets must be 24 hexadecimal characters/, 'org-snapshots push'],
      [['snapshots', 'push', id, '--dry-run', '--wait'], /nothing to --wait for/, 'snapshots push'],
      [['jobs', 'retry', id, '--timeout', '5'], /--timeout is for --wait/, 'jobs retry'],
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
