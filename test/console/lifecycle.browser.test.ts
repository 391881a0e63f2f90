import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { expectAccessible, screenshot, signIn, superadmin, tabTo, useConsoleWorld } from './fixture.ts'

/**
 * A snapshot's lifecycle in the console, in headless Chromium against the real server:
 * its versions (capturing a new one, comparing two side by side, reading an earlier
 * one's items) and its applications (where it runs), by role. What the screens show is
 * compared with what the API answers.
 */
describe('admin console: versions, diff and applications (browser)', () => {
  const world = useConsoleWorld()
  let snapshotId = ''
  let appliedEmail = ''

  before(async () => {
    const { source, target } = world
    const created = await world.call('POST', '/api/user-snapshots', source.admin.token, {
      name: 'Evolving setup',
      sourceOrgId: source.orgId,
      sourceUserId: source.rep.id,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    snapshotId = created.body.snapshot._id
    const shared = await world.call('PATCH', `/api/user-snapshots/${snapshotId}/assign`, source.admin.token, { isGlobal: true })
    assert.equal(shared.status, 200, JSON.stringify(shared.body))
    // Applied (version 1) into the other organization by its admin.
    appliedEmail = `applied-${snapshotId.slice(-6)}@globex.test`
    const applied = await world.call('POST', `/api/user-snapshots/${snapshotId}/apply`, target.admin.token, {
      pipelineMapping: { 'Move to Contacted on first reply': { Contacted: 'Reached Out' } },
      newUser: { email: appliedEmail, password: 'Applied-pass-2026', fullName: 'Avery Applied', accessRole: 'SALES_REP' },
    })
    assert.equal(applied.status, 201, JSON.stringify(applied.body))
    // Then the source changes: one automation renamed and moved elsewhere, one prompt added.
    const automations = await world.call('GET', '/api/automations', source.rep.token)
    const moved = automations.body.automations.find((a: any) => a.name === 'Move to Contacted on first reply')
    const renamed = await world.call('PUT', `/api/automations/${moved._id}`, source.rep.token, {
      name: 'Move to Qualified on first reply',
      actions: { targetStage: 'Qualified' },
    })
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
    const prompt = await world.call('POST', '/api/prompts', source.rep.token, { name: 'Objection handler', prompt: 'Answer price objections.' })
    assert.equal(prompt.status, 201, JSON.stringify(prompt.body))
  })

  const detail = (query = '') => `${world.server.url}/user-snapshots/${snapshotId}${query}`

  it('captures a new version (the description checked first) and shows what changed side by side', async () => {
    const { page } = world
    await signIn(world, world.source.admin.email)
    await page.goto(detail('?tab=versions'))
    await page.getByTestId('single-version').waitFor()
    await expectAccessible(page, 'versions: one version')

    await page.getByRole('button', { name: 'Capture a new version…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Capture a new version' })
    const description = dialog.getByLabel('What changed (optional)')
    await description.fill('x'.repeat(501))
    await dialog.getByRole('button', { name: 'Capture version' }).click()
    await dialog.getByText('At most 500 characters').waitFor()
    assert.equal((await world.call('GET', `/api/user-snapshots/${snapshotId}/versions`, world.source.admin.token)).body.versions.length, 1)
    await description.fill('Qualified leads move on the first reply')
    await dialog.getByRole('button', { name: 'Capture version' }).click()
    await dialog.getByTestId('version-created').filter({ hasText: 'Version 2 captured: 1 added, 0 removed, 1 changed since version 1.' }).waitFor()
    const versions = await world.call('GET', `/api/user-snapshots/${snapshotId}/versions`, world.source.admin.token)
    assert.deepEqual(
      versions.body.versions.map((v: any) => [v.version, v.description]),
      [
        [2, 'Qualified leads move on the first reply'],
        [1, null],
      ],
    )

    await dialog.getByRole('button', { name: 'Compare with version 1' }).click()
    await page.waitForURL(/tab=versions&from=1&to=2/)
    const diff = (await world.call('GET', `/api/user-snapshots/${snapshotId}/diff?from=1&to=2`, world.source.admin.token)).body
    const shown = page.getByTestId('diff')
    await shown.getByText('Version 1 → version 2: 1 added, 0 removed, 1 changed.').waitFor()
    // Every change the API reports is on screen, and the renamed automation shows old and new values side by side.
    assert.equal(await shown.getByRole('article').count(), diff.changes.length)
    const renamed = shown.getByRole('article', { name: 'Move to Qualified on first reply: changed' })
    await renamed.getByText('renamed from “Move to Contacted on first reply”').waitFor()
    type Row = { children: ArrayLike<{ textContent: string | null }> }
    const rows = await renamed.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from((tr as Row).children, (td) => td.textContent)))
    const apiChange = diff.changes.find((c: any) => c.change === 'changed')
    assert.deepEqual(
      rows,
      apiChange.fields.map((f: any) => [f.path, f.from, f.to]),
    )
    assert.ok(rows.some((row) => row[0] === '/actions/targetStage' && row[1] === 'Contacted' && row[2] === 'Qualified'))
    await shown.getByRole('article', { name: 'Objection handler: added' }).waitFor()
    await expectAccessible(page, 'versions and diff')
    await screenshot(page, 'snapshot-versions-diff')

    // The earlier version's items, from the history.
    await page.getByRole('link', { name: 'Items of version 1' }).click()
    await page.waitForURL(/\?version=1$/)
    await page.getByTestId('older-version').filter({ hasText: 'Version 1 of 2' }).waitFor()
    await page.getByTestId('count-prompts').filter({ hasText: /^1$/ }).waitFor()
    const names = page.getByRole('table').locator('tbody tr td:first-child')
    await names.filter({ hasText: 'Move to Contacted on first reply' }).waitFor()
    await expectAccessible(page, 'an earlier version')
    await page.getByRole('link', { name: 'Show the latest version' }).click()
    await page.getByTestId('count-prompts').filter({ hasText: /^2$/ }).waitFor()
    await names.filter({ hasText: 'Move to Qualified on first reply' }).waitFor()
  })

  it('lists where the snapshot runs, to each admin only what lands in their organization', async () => {
    const { page } = world
    // The creator's organization received no apply: the list says so and what to do.
    await page.goto(detail('?tab=applications'))
    await page.getByTestId('no-applications').filter({ hasText: 'visible to platform superadmins only' }).waitFor()
    await expectAccessible(page, 'applications: none')

    // The admin who applied it sees their application, one version behind; no capture button (not the creator).
    await signIn(world, world.target.admin.email)
    await page.goto(detail('?tab=applications'))
    const caption = page.getByRole('table').locator('caption')
    await caption.filter({ hasText: /^Applications, newest first, page 1$/ }).waitFor()
    const api = await world.call('GET', `/api/user-snapshots/${snapshotId}/applications`, world.target.admin.token)
    assert.equal(api.body.applications.length, 1)
    const cells = await page.getByRole('table').locator('tbody tr').first().locator('td').allTextContents()
    assert.deepEqual(cells.slice(1, 5), [world.target.orgName, appliedEmail, '1behind', api.body.applications[0].appliedByName])
    await expectAccessible(page, 'applications')
    await page.getByRole('tab', { name: /Versions/ }).click()
    await page.getByRole('cell', { name: 'Qualified leads move on the first reply' }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Capture a new version…' }).count(), 0)

    // A superadmin sees it too.
    await signIn(world, superadmin.email, superadmin.password)
    await page.goto(detail('?tab=applications'))
    await caption.filter({ hasText: /^Applications, newest first, page 1$/ }).waitFor()
    assert.equal(await page.getByRole('table').locator('tbody tr').count(), 1)
    await screenshot(page, 'snapshot-applications')
  })

  it('pushes a new version: preview per target, live progress, a failed target retried once fixed', async () => {
    const { page, source, target } = world
    // A second target on version 2 (in the source organization), then version 3 adds an automation whose
    // stage the other organization lacks: that target will fail until the stage exists there.
    const sameOrgEmail = `same-org-${snapshotId.slice(-6)}@acme.test`
    const second = await world.call('POST', `/api/user-snapshots/${snapshotId}/apply`, source.admin.token, {
      newUser: { email: sameOrgEmail, password: 'Applied-pass-2026', fullName: 'Sam Sameorg', accessRole: 'SALES_REP' },
    })
    assert.equal(second.status, 201, JSON.stringify(second.body))
    const added = await world.call('POST', '/api/automations', source.rep.token, {
      name: 'Escalate to Contacted',
      event: 'message.received',
      sourceStatuses: ['New'],
      actions: { targetStage: 'Contacted' },
    })
    assert.equal(added.status, 201, JSON.stringify(added.body))
    const v3 = await world.call('POST', `/api/user-snapshots/${snapshotId}/versions`, source.admin.token, {})
    assert.equal(v3.status, 201, JSON.stringify(v3.body))

    // The superadmin (signed in by the previous test) starts from the applications.
    await page.getByRole('link', { name: 'Push updates…' }).click()
    await page.getByRole('heading', { name: 'Push updates: Evolving setup' }).waitFor()
    const targets = page.getByRole('group', { name: 'Targets' })
    assert.equal(await targets.getByRole('checkbox', { checked: true }).count(), 2)
    // With the keyboard alone: untick both targets (Space), then Preview (Enter). No target chosen is said
    // beside the list, before anything is sent.
    const boxes = await targets.getByRole('checkbox').all()
    for (const box of boxes) {
      await tabTo(page, box)
      await page.keyboard.press('Space')
    }
    assert.equal(await targets.getByRole('checkbox', { checked: true }).count(), 0)
    await tabTo(page, page.getByRole('button', { name: 'Preview' }))
    await page.keyboard.press('Enter')
    await page.getByText('Choose at least one target to preview.').waitFor()
    for (const box of boxes) await box.check()
    await expectAccessible(page, 'push: options')
    await page.getByRole('button', { name: 'Preview' }).click()
    const preview = page.getByTestId('push-preview')
    await preview.waitFor()
    const dryRun = await world.call('POST', `/api/user-snapshots/${snapshotId}/push?dryRun=true`, world.superadminToken, { version: 3 })
    assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body))
    const plans = dryRun.body.plan.targets
    assert.deepEqual(plans.map((t: any) => t.wouldSucceed).sort(), [false, true])
    for (const [orgName, email, plan] of [
      [target.orgName, appliedEmail, plans.find((t: any) => t.organizationId === target.orgId)],
      [source.orgName, sameOrgEmail, plans.find((t: any) => t.organizationId === source.orgId)],
    ]) {
      const card = preview.getByRole('article', { name: `Preview for ${orgName} · ${email}` })
      await card.getByText(plan.wouldSucceed ? 'Ready' : 'Would fail', { exact: true }).waitFor()
      assert.equal(await card.locator('tbody tr').count(), plan.changes.length)
      for (const problem of plan.problems) await card.getByText(problem.message).waitFor()
    }
    await preview.getByText('1 of 2 targets would fail').waitFor()
    await expectAccessible(page, 'push: preview')
    await screenshot(page, 'push-preview')

    await page.getByRole('button', { name: 'Start push to 2 targets' }).click()
    await page.waitForURL(/\/push\?job=/)
    const jobId = new URL(page.url()).searchParams.get('job')
    await page.getByTestId('job-status').filter({ hasText: 'Partly failed' }).waitFor({ timeout: 60_000 })
    const job = (await world.call('GET', `/api/jobs/${jobId}`, world.superadminToken)).body.job
    assert.deepEqual([job.status, job.done, job.failed], ['partially_failed', 1, 1])
    const failedTarget = job.targets.find((t: any) => t.status === 'failed')
    const rows = page.getByRole('table', { name: 'Targets of this push' }).locator('tbody tr')
    await rows.filter({ hasText: target.orgName }).filter({ hasText: failedTarget.error.message }).waitFor()
    await rows.filter({ hasText: source.orgName }).filter({ hasText: 'succeeded' }).waitFor()
    await expectAccessible(page, 'push: job with a failed target')
    await screenshot(page, 'push-progress')

    // The target organization gets the missing stage; the retry runs only the failed target.
    const pipelines = await world.call('GET', '/api/pipelines', target.admin.token)
    const pipeline = pipelines.body.pipelines.find((p: any) => p.name === 'Pipeline')
    const stages = [...pipeline.stages.map((stage: any) => ({ _id: stage._id, name: stage.name })), { name: 'Contacted' }]
    assert.equal((await world.call('PUT', `/api/pipelines/${pipeline._id}`, target.admin.token, { stages })).status, 200)
    await page.getByRole('button', { name: 'Retry failed targets' }).click()
    await page.getByTestId('job-status').filter({ hasText: 'Succeeded' }).waitFor({ timeout: 60_000 })
    assert.equal(await page.getByRole('button', { name: 'Retry failed targets' }).count(), 0)
    const applications = await world.call('GET', `/api/user-snapshots/${snapshotId}/applications`, world.superadminToken)
    assert.deepEqual(
      applications.body.applications.map((a: any) => a.version),
      [3, 3],
    )
    const applied = await world.call('POST', '/api/auth/login', '', { email: appliedEmail, password: 'Applied-pass-2026' })
    const theirs = await world.call('GET', '/api/automations', applied.body.token)
    assert.ok(theirs.body.automations.some((a: any) => a.name === 'Escalate to Contacted' && a.actions.targetStage === 'Contacted'))
  })
})
