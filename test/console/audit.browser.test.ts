import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { choose, expectAccessible, screenshot, signIn, superadmin, useConsoleWorld } from './fixture.ts'

/**
 * The audit log in headless Chromium against the real server: what each role is
 * offered, the filters (kept in the address), and the same events the API lists.
 */
describe('admin console: audit log (browser)', () => {
  const world = useConsoleWorld()
  let snapshotId = ''

  before(async () => {
    const { source } = world
    const created = await world.call('POST', '/api/user-snapshots', source.admin.token, {
      name: 'Audited setup',
      sourceOrgId: source.orgId,
      sourceUserId: source.rep.id,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    snapshotId = created.body.snapshot._id
    const shared = await world.call('PATCH', `/api/user-snapshots/${snapshotId}/assign`, source.admin.token, { isGlobal: true })
    assert.equal(shared.status, 200)
  })

  const actionsOnScreen = async () => {
    const rows = world.page.getByRole('table').locator('tbody tr')
    const cells = await rows.locator('td:nth-child(2)').allTextContents()
    return cells
  }

  it('shows an ADMIN their organization’s events, newest first, filtered by action in the address', async () => {
    const { page } = world
    await signIn(world, world.source.admin.email)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await page.getByRole('heading', { name: 'Audit log' }).waitFor()
    await page.getByRole('cell', { name: 'Sharing changed' }).first().waitFor()
    assert.equal(await page.getByRole('combobox', { name: 'Organization' }).count(), 0, 'an ADMIN sees only their organization')
    const all = await world.call('GET', '/api/audit-events?limit=25', world.source.admin.token)
    assert.equal(all.status, 200)
    const labels: Record<string, string> = { 'snapshot.created': 'Created', 'snapshot.assigned': 'Sharing changed' }
    assert.deepEqual(await actionsOnScreen(), all.body.events.map((e: any) => labels[e.action] ?? e.action))
    await expectAccessible(page, 'audit log')
    await screenshot(page, 'audit-log')

    await choose(page, 'Action', 'Created')
    await page.waitForURL(/action=snapshot\.created/)
    await page.getByRole('cell', { name: 'Sharing changed' }).waitFor({ state: 'detached' })
    const created = await world.call('GET', '/api/audit-events?limit=25&action=snapshot.created', world.source.admin.token)
    assert.deepEqual(await actionsOnScreen(), created.body.events.map(() => 'Created'))

    // A snapshot id is checked before it is sent.
    await page.getByLabel('Snapshot id').fill('not-an-id')
    await page.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByText('A snapshot id is 24 hexadecimal characters').waitFor()
    await page.getByLabel('Snapshot id').fill('0'.repeat(24))
    await page.getByRole('button', { name: 'Apply filter' }).click()
    await page.getByTestId('no-events').waitFor()
    await expectAccessible(page, 'audit log without matches')
  })

  it('lists a snapshot’s own events on its page', async () => {
    const { page, server } = world
    await page.goto(`${server.url}/user-snapshots/${snapshotId}?tab=audit`)
    await page.getByRole('cell', { name: 'Sharing changed' }).waitFor()
    const events = await world.call('GET', `/api/audit-events?limit=25&snapshotId=${snapshotId}`, world.source.admin.token)
    assert.equal(await page.getByRole('table').locator('tbody tr').count(), events.body.events.length)
  })

  it('gives a SUPERADMIN the organization filter, and a sales rep no audit log', async () => {
    const { page } = world
    await signIn(world, superadmin.email, superadmin.password)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await choose(page, 'Organization', world.source.orgName)
    await page.waitForURL(new RegExp(`organizationId=${world.source.orgId}`))
    const events = await world.call('GET', `/api/audit-events?limit=25&organizationId=${world.source.orgId}`, world.superadminToken)
    await page.getByRole('table').locator('caption').filter({ hasText: /^Audit events, newest first, page 1$/ }).waitFor()
    assert.equal(await page.getByRole('table').locator('tbody tr').count(), events.body.events.length)
    await expectAccessible(page, 'audit log (SUPERADMIN)')

    await signIn(world, world.source.rep.email)
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0)
  })
})
