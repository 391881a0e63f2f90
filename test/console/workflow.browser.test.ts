import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { choose, expectAccessible, password, screenshot, signIn, superadmin, tabTo, useConsoleWorld, type PageGlobals } from './fixture.ts'

/**
 * The admin console end to end, in headless Chromium against the real server:
 * every role signs in and sees only what it may do; an ADMIN captures and shares
 * a snapshot; another organization's ADMIN applies it with a mapping fixed in the
 * form, previews, applies, and the new user's items exist; a SUPERADMIN stands
 * up an organization from an org snapshot. axe-core checks every screen.
 */
describe('admin console (browser)', () => {
  const world = useConsoleWorld()
  const snapshotName = 'Top rep setup'
  let snapshotUrl = ''

  it('loads less than 300 KB of gzipped JavaScript before the first screen', () => {
    const html = readFileSync('dist/console/index.html', 'utf8')
    const scripts = [...html.matchAll(/src="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!)
    assert.ok(scripts.length > 0)
    const bytes = scripts.reduce((sum, file) => sum + gzipSync(readFileSync(`dist/console/${file}`), { level: 9 }).length, 0)
    assert.ok(bytes < 300 * 1024, `initial JavaScript is ${(bytes / 1024).toFixed(1)} KB gzipped`)
  })

  it('keeps signed-out visitors on the sign-in screen and refuses wrong passwords', async () => {
    const { page, server } = world
    await page.goto(`${server.url}/user-snapshots`)
    await page.waitForURL(/\/sign-in\?next=%2Fuser-snapshots/)
    await expectAccessible(page, 'sign-in')
    await screenshot(page, 'sign-in')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('Required').first().waitFor()
    await page.getByLabel(/^Email/).fill('root@console.test')
    await page.getByLabel(/^Password/).fill('wrong-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Could not sign in' }).waitFor()
  })

  it('shows a sales rep that their role has no snapshot access', async () => {
    await signIn(world, world.source.rep.email)
    await world.page.getByTestId('no-access').waitFor()
    assert.equal(await world.page.getByRole('link', { name: 'User snapshots' }).count(), 0)
    assert.equal(await world.page.getByRole('link', { name: 'Create snapshot' }).count(), 0)
    await expectAccessible(world.page, 'no access')
  })

  it('lets an ADMIN capture a user of their organization, then share it globally (the only sharing an ADMIN has)', async () => {
    const { page } = world
    await signIn(world, world.source.admin.email)
    assert.equal(await page.getByRole('link', { name: 'Org snapshots' }).count(), 0, 'org snapshots are SUPERADMIN only')
    await page.getByTestId('empty-catalogue').waitFor()
    await expectAccessible(page, 'empty catalogue')
    await page.getByRole('link', { name: 'Create snapshot' }).first().click()
    await page.getByRole('heading', { name: 'Create a user snapshot' }).waitFor()
    assert.equal(await page.getByRole('combobox', { name: /^Organization/ }).count(), 0, 'an ADMIN has no organization picker')
    // Validation before sending: nothing chosen yet.
    await page.getByRole('button', { name: 'Create snapshot' }).click()
    await page.getByText('Required').first().waitFor()
    await expectAccessible(page, 'create snapshot')
    await screenshot(page, 'create-snapshot')
    await choose(page, /^User to capture/, /Riley Rep/)
    await page.getByLabel(/^Name/).fill(snapshotName)
    await page.getByLabel(/^Description/).fill('Automations, prompts and templates of our best rep')
    await page.getByRole('button', { name: 'Create snapshot' }).click()
    await page.getByRole('heading', { name: snapshotName }).waitFor()
    snapshotUrl = page.url()
    assert.equal(await page.getByTestId('count-automations').textContent(), '2')
    assert.equal(await page.getByTestId('count-prompts').textContent(), '1')
    assert.equal(await page.getByTestId('count-templates').textContent(), '1')
    await page.getByRole('tab', { name: /References/ }).click()
    await page.getByRole('cell', { name: 'stage "Contacted"' }).waitFor()
    await expectAccessible(page, 'snapshot detail')
    await screenshot(page, 'snapshot-detail')

    await page.getByRole('button', { name: 'Share…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Share snapshot' })
    await dialog.waitFor()
    assert.equal(await dialog.getByRole('combobox', { name: /^Organizations/ }).count(), 0, 'an ADMIN cannot pick organizations')
    await expectAccessible(page, 'share dialog (ADMIN)')
    await dialog.getByLabel('Visible to every organization (global)').check()
    await dialog.getByRole('button', { name: 'Save sharing' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await page.getByText('Everyone').waitFor()
  })

  it('lets another organization’s ADMIN apply it: fix the unresolved stage in the form, preview, apply', async () => {
    const { page } = world
    await signIn(world, world.target.admin.email)
    await page.getByRole('link', { name: snapshotName }).waitFor()
    await expectAccessible(page, 'catalogue')
    await screenshot(page, 'catalogue')
    await page.getByRole('link', { name: snapshotName }).click()
    await page.getByRole('heading', { name: snapshotName }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Share…' }).count(), 0, 'not their snapshot: no sharing')
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0, 'not their snapshot: no delete')
    await page.getByRole('link', { name: 'Apply…' }).click()
    await page.getByRole('heading', { name: `Apply “${snapshotName}”` }).waitFor()
    assert.equal(await page.getByRole('combobox', { name: /Organization to create the user in/ }).count(), 0)

    // Inline validation on the new-user step.
    const email = `casey-${Date.now()}@globex.test`
    await page.getByLabel(/^Email/).fill('not-an-email')
    await page.getByLabel(/^Full name/).focus()
    await page.getByText('Enter an email address such as name@example.com').waitFor()
    await page.getByLabel(/^Email/).fill(email)
    await page.getByLabel(/^Temporary password/).fill(password)
    await page.getByLabel(/^Full name/).fill('Casey New')
    await page.getByLabel(/^Phone/).fill('12345')
    await page.getByRole('button', { name: 'Next: mappings' }).click()
    await page.getByText('Use +1 or +91 followed by 10 digits, e.g. +14155550177').waitFor()
    await expectAccessible(page, 'apply: new user')
    await page.getByLabel(/^Phone/).fill('')
    await page.getByRole('button', { name: 'Next: mappings' }).click()

    // Mapping: "Contacted" has no match in the target and is flagged; the rest are matched by name.
    await page.getByTestId('unresolved-alert').waitFor()
    assert.equal(await page.locator('[data-testid="mapping-row"][data-unresolved="true"]').count(), 1)
    assert.equal(await page.locator('[data-testid="mapping-row"]').count(), 4)
    await expectAccessible(page, 'apply: mappings')
    await screenshot(page, 'apply-mappings')
    await choose(page, /Target stage for stage “Contacted”/, 'Reached Out')
    assert.equal(await page.locator('[data-testid="mapping-row"][data-unresolved="true"]').count(), 0)
    await page.getByRole('button', { name: 'Preview', exact: true }).click()

    await page.getByText('Ready to apply').waitFor()
    await page.getByRole('cell', { name: 'Reached Out' }).first().waitFor()
    await expectAccessible(page, 'apply: preview')
    await screenshot(page, 'apply-preview')
    await page.getByRole('button', { name: 'Apply snapshot' }).click()
    await page.getByTestId('apply-result').waitFor()
    await expectAccessible(page, 'apply: result')
    await screenshot(page, 'apply-result')
    const resultText = (await page.getByTestId('apply-result').textContent()) ?? ''
    assert.match(resultText, new RegExp(email))
    const userId = /id ([0-9a-f]{24})/.exec(resultText)?.[1]
    assert.ok(userId, resultText)

    // The new user's items exist, with the stage mapped as chosen in the form.
    const automations = await world.call('GET', `/api/automations?userId=${userId}`, world.target.admin.token)
    assert.equal(automations.status, 200)
    const byName = new Map<string, any>(automations.body.automations.map((a: any) => [a.name, a]))
    assert.equal(byName.get('Move to Contacted on first reply')?.actions.targetStage, 'Reached Out')
    const closer = await world.call('GET', '/api/agents', world.target.admin.token)
    assert.equal(byName.get('Hand qualified leads to Closer')?.actions.agentId, closer.body.agents[0]._id)
    const login = await world.call('POST', '/api/auth/login', '', { email, password })
    assert.equal(login.status, 200)
    const prompts = await world.call('GET', '/api/prompts/user', login.body.token)
    assert.deepEqual(prompts.body.prompts.map((p: any) => p.name), ['Greeter'])
  })

  it('works with the keyboard alone: sign in, open a snapshot, start the apply wizard, pick a mapping target', async () => {
    const { page, server } = world
    await page.goto(`${server.url}/sign-in`)
    await page.evaluate(() => (globalThis as unknown as PageGlobals).sessionStorage.clear())
    await page.reload()
    // The e-mail field has the focus; Tab moves to the password; Enter submits.
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('type') === 'email')
    await page.keyboard.type(world.target.admin.email)
    await page.keyboard.press('Tab')
    await page.keyboard.type(password)
    await page.keyboard.press('Enter')
    const link = page.getByRole('link', { name: snapshotName })
    await link.waitFor()
    await tabTo(page, link)
    await page.keyboard.press('Enter')
    const apply = page.getByRole('link', { name: 'Apply…' })
    await apply.waitFor()
    await tabTo(page, apply)
    await page.keyboard.press('Enter')
    const emailField = page.getByLabel(/^Email/)
    await tabTo(page, emailField)
    await page.keyboard.type(`kim-${Date.now()}@globex.test`)
    await page.keyboard.press('Tab')
    await page.keyboard.type(password)
    await tabTo(page, page.getByLabel(/^Full name/))
    await page.keyboard.type('Kim Keyboard')
    await page.keyboard.press('Enter') // submits the step
    const target = page.getByRole('combobox', { name: /Target stage for stage “Contacted”/ })
    await target.waitFor()
    await tabTo(page, target)
    await page.keyboard.type('Reached')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    assert.equal(await target.inputValue(), 'Reached Out')
    assert.equal(await page.locator('[data-testid="mapping-row"][data-unresolved="true"]').count(), 0)
  })

  it('sends an expired session back to sign-in and keeps the half-filled form', async () => {
    const { page, server } = world
    await signIn(world, world.source.admin.email)
    await page.goto(`${server.url}/user-snapshots/new`)
    await page.getByLabel(/^Name/).fill('Half-typed name')
    // The token stops working (as when it expires): the next API call answers 401.
    await page.evaluate(() => {
      const storage = (globalThis as unknown as PageGlobals).sessionStorage
      const stored = JSON.parse(storage.getItem('tether.session')!)
      stored.token = 'expired.token.value'
      storage.setItem('tether.session', JSON.stringify(stored))
    })
    await page.reload()
    await page.waitForURL(/\/sign-in\?next=%2Fuser-snapshots%2Fnew/)
    await page.getByText('Your session has expired').waitFor()
    await page.getByLabel(/^Email/).fill(world.source.admin.email)
    await page.getByLabel(/^Password/).fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Create a user snapshot' }).waitFor()
    assert.equal(await page.getByLabel(/^Name/).inputValue(), 'Half-typed name')
  })

  it('gives a SUPERADMIN the organization pickers, and stands up an organization from an org snapshot', async () => {
    const { page } = world
    await signIn(world, superadmin.email, superadmin.password)
    await page.goto(snapshotUrl)
    await page.getByRole('button', { name: 'Share…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Share snapshot' })
    await dialog.getByRole('combobox', { name: /^Organizations/ }).waitFor()
    await expectAccessible(page, 'share dialog (SUPERADMIN)')
    await screenshot(page, 'share-superadmin')
    await dialog.getByRole('button', { name: 'Cancel' }).click()

    await page.getByRole('link', { name: 'Org snapshots' }).click()
    await page.getByRole('link', { name: 'Create snapshot' }).first().click()
    await choose(page, /^Organization/, world.source.orgName)
    await choose(page, /^User whose automations/, /Riley Rep/)
    await page.getByLabel(/^Name/).fill('Acme starter kit')
    await page.getByRole('button', { name: 'Create snapshot' }).click()
    await page.getByRole('heading', { name: 'Acme starter kit' }).waitFor()
    assert.equal(await page.getByTestId('count-pipelines').textContent(), '1')
    await page.getByRole('link', { name: 'Apply…' }).click()

    const orgName = `Initech ${Date.now()}`
    await page.getByLabel(/^Name/).fill(orgName)
    await page.getByLabel(/^Phone/).fill('+1415555')
    await page.getByLabel(/^Address/).fill('1 Initech Way')
    await page.getByRole('button', { name: 'Next: first user' }).click()
    await page.getByText('Use +1 or +91 followed by 10 digits, e.g. +14155550177').waitFor()
    await expectAccessible(page, 'org apply: organization')
    await page.getByLabel(/^Phone/).fill(`+1415${String(Date.now()).slice(-7)}`)
    await page.getByRole('button', { name: 'Next: first user' }).click()
    const adminEmail = `morgan-${Date.now()}@initech.test`
    await page.getByLabel(/^Email/).fill(adminEmail)
    await page.getByLabel(/^Temporary password/).fill(password)
    await page.getByLabel(/^Full name/).fill('Morgan Admin')
    await expectAccessible(page, 'org apply: first user')
    await page.getByRole('button', { name: 'Next: credentials' }).click()
    assert.equal(await page.getByLabel(/^Anthropic API key/).getAttribute('type'), 'password')
    await expectAccessible(page, 'org apply: credentials')
    await screenshot(page, 'org-apply-credentials')
    await page.getByRole('button', { name: 'Preview', exact: true }).click()
    await page.getByText('Ready to apply').waitFor()
    await page.getByTestId('missing-credentials').filter({ hasText: 'anthropicApiKey' }).waitFor()
    await expectAccessible(page, 'org apply: preview')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByTestId('apply-result').waitFor()
    await page.getByTestId('missing-credentials').filter({ hasText: 'anthropicApiKey' }).waitFor()
    await expectAccessible(page, 'org apply: result')
    await screenshot(page, 'org-apply-result')

    const organizations = await world.call('GET', '/api/organizations', world.superadminToken)
    const created = organizations.body.organizations.find((o: any) => o.name === orgName)
    assert.ok(created, 'the organization exists')
    const login = await world.call('POST', '/api/auth/login', '', { email: adminEmail, password })
    assert.equal(login.body.user.accessRole, 'ADMIN')
    assert.equal(login.body.user.organizationId, created._id)
    const pipelines = await world.call('GET', '/api/pipelines', login.body.token)
    assert.deepEqual(pipelines.body.pipelines[0].stages.map((s: any) => s.name), ['New', 'Contacted', 'Qualified'])
  })

  it('signs out', async () => {
    await world.page.getByRole('button', { name: 'Sign out' }).click()
    await world.page.getByText('You have signed out.').waitFor()
    await expectAccessible(world.page, 'signed out')
  })
})
