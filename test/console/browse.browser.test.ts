import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { expectAccessible, screenshot, signIn, tabTo, useConsoleWorld } from './fixture.ts'

/**
 * Browsing in the console, in headless Chromium against the real server: the
 * catalogue's search, scopes and cursor pages, and a big snapshot's items page
 * by page. What the screens show is compared with what the API answers.
 */
describe('admin console: catalogue and snapshot detail (browser)', () => {
  const world = useConsoleWorld()
  const bulk = 27
  const automations = 32
  let bigSnapshotId = ''

  before(async () => {
    const { source } = world
    for (let i = 1; i <= automations; i++) {
      const answer = await world.call('POST', '/api/automations', source.rep.token, {
        name: `Follow-up ${String(i).padStart(2, '0')}`,
        event: 'message.received',
        sourceStatuses: ['New'],
        actions: { targetStage: 'Contacted' },
      })
      assert.equal(answer.status, 201, JSON.stringify(answer.body))
    }
    const capture = (name: string) =>
      world.call('POST', '/api/user-snapshots', source.admin.token, { name, sourceOrgId: source.orgId, sourceUserId: source.rep.id })
    for (let i = 1; i <= bulk; i++) assert.equal((await capture(`Bulk setup ${String(i).padStart(2, '0')}`)).status, 201)
    const needle = await capture('Needle in the haystack')
    assert.equal(needle.status, 201)
    bigSnapshotId = needle.body.snapshot._id
    // Shared with everyone, so the other organization's admin sees it (and only it).
    const shared = await world.call('PATCH', `/api/user-snapshots/${bigSnapshotId}/assign`, source.admin.token, { isGlobal: true })
    assert.equal(shared.status, 200, JSON.stringify(shared.body))
  })

  const rowNames = (page: Page) => page.getByRole('table').getByRole('link').allTextContents()
  const apiNames = async (token: string, query: string) => {
    const answer = await world.call('GET', `/api/user-snapshots?limit=25&${query}`, token)
    assert.equal(answer.status, 200)
    return { names: answer.body.snapshots.map((s: any) => s.name as string), nextCursor: answer.body.nextCursor as string | null }
  }

  it('pages through the catalogue by cursor, as the API pages it', async () => {
    const { page } = world
    await signIn(world, world.source.admin.email)
    await page.getByTestId('catalogue-page').filter({ hasText: 'Page 1' }).waitFor()
    const first = await apiNames(world.source.admin.token, '')
    assert.equal(first.names.length, 25)
    assert.deepEqual(await rowNames(page), first.names)
    await expectAccessible(page, 'catalogue with pages')

    await page.getByRole('button', { name: 'Next page' }).click()
    await page.getByTestId('catalogue-page').filter({ hasText: /^Page 2$/ }).waitFor()
    const second = await apiNames(world.source.admin.token, `cursor=${first.nextCursor}`)
    assert.deepEqual(await rowNames(page), second.names)
    assert.equal(second.names.length, bulk + 1 - 25)
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled(), 'the last page has no next page')

    await page.getByRole('button', { name: 'Previous page' }).click()
    await page.getByTestId('catalogue-page').filter({ hasText: /^Page 1$/ }).waitFor()
    assert.deepEqual(await rowNames(page), first.names)
  })

  it('searches by name and filters by scope, keeping both in the address', async () => {
    const { page, server } = world
    await page.goto(`${server.url}/user-snapshots`)
    const caption = page.getByTestId('catalogue-page')
    await caption.filter({ hasText: /^Page 1$/ }).waitFor()
    // The search's answer is held back, as from a slow server: meanwhile the rows on screen are still the
    // unfiltered list, and the caption must say that it is loading rather than title them as the matches.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let answered: Promise<void> = Promise.resolve()
    await page.route(
      /\/api\/user-snapshots\?.*q=needle/,
      (route) => {
        answered = held.then(() => route.continue())
        return answered
      },
      { times: 1 },
    )
    const search = page.getByRole('searchbox', { name: 'Search by name' })
    await tabTo(page, search)
    await page.keyboard.type('needle')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\?q=needle$/)
    await caption.filter({ hasText: /^Loading…/ }).waitFor()
    assert.equal(await search.inputValue(), 'needle')
    release()
    await answered
    // The caption names the filter its rows answer.
    await caption.filter({ hasText: /^Page 1 of the snapshots matching “needle”$/ }).waitFor()
    const matches = await apiNames(world.source.admin.token, 'q=needle')
    assert.deepEqual(matches.names, ['Needle in the haystack'])
    assert.deepEqual(await rowNames(page), matches.names)
    await expectAccessible(page, 'catalogue search')
    await screenshot(page, 'catalogue-search')

    // "Created by me" with the search kept; then a search nothing matches says what to do.
    await page.getByText('Created by me').click()
    await page.waitForURL(/q=needle&scope=mine/)
    await caption.filter({ hasText: /^Page 1 of the snapshots created by you matching “needle”$/ }).waitFor()
    assert.deepEqual(await rowNames(page), (await apiNames(world.source.admin.token, 'q=needle&scope=mine')).names)
    await search.fill('no such snapshot')
    await page.getByTestId('no-matches').waitFor()
    assert.deepEqual((await apiNames(world.source.admin.token, 'q=no%20such%20snapshot&scope=mine')).names, [])
    await expectAccessible(page, 'catalogue without matches')
    await page.getByRole('button', { name: 'show every snapshot' }).click()
    await page.waitForURL(/\/user-snapshots$/)
    await page.getByTestId('catalogue-page').filter({ hasText: /^Page 1$/ }).waitFor()
    assert.equal(await search.inputValue(), '')
  })

  it('shows another organization’s admin the global snapshot under "Global" and nothing under "Assigned"', async () => {
    const { page } = world
    await signIn(world, world.target.admin.email)
    await page.getByText('Global', { exact: true }).click()
    await page.waitForURL(/scope=global/)
    await page.getByRole('link', { name: 'Needle in the haystack' }).waitFor()
    assert.deepEqual(await rowNames(page), (await apiNames(world.target.admin.token, 'scope=global')).names)
    await page.getByText('Assigned to my organization').click()
    await page.getByTestId('no-matches').waitFor()
    assert.deepEqual((await apiNames(world.target.admin.token, 'scope=assigned')).names, [])
  })

  it('pages through a snapshot’s items with the items route, and lists its references', async () => {
    const { page, server } = world
    await signIn(world, world.source.admin.email)
    await page.goto(`${server.url}/user-snapshots/${bigSnapshotId}`)
    await page.getByRole('heading', { name: 'Needle in the haystack' }).waitFor()
    const total = automations + 2
    const caption = page.getByRole('table').locator('caption')
    await caption.filter({ hasText: new RegExp(`^Automations: ${total} in all, page 1 of 2$`) }).waitFor()
    const firstPage = await world.call('GET', `/api/user-snapshots/${bigSnapshotId}/items?kind=automation&limit=25`, world.source.admin.token)
    const secondPage = await world.call(
      'GET',
      `/api/user-snapshots/${bigSnapshotId}/items?kind=automation&limit=25&cursor=${firstPage.body.nextCursor}`,
      world.source.admin.token,
    )
    const firstColumn = () => page.getByRole('table').locator('tbody tr td:first-child').allTextContents()
    assert.deepEqual(await firstColumn(), firstPage.body.items.map((a: any) => a.name))
    await page.getByRole('navigation', { name: 'Pages of automations' }).getByRole('button', { name: 'Next page' }).click()
    await caption.filter({ hasText: new RegExp(`^Automations: ${total} in all, page 2 of 2$`) }).waitFor()
    assert.deepEqual(await firstColumn(), secondPage.body.items.map((a: any) => a.name))
    assert.equal(secondPage.body.items.length, total - 25)
    await expectAccessible(page, 'snapshot items, page 2')
    await screenshot(page, 'snapshot-items')

    await page.getByText('Prompts (1)').click()
    await page.waitForURL(/items=prompt/)
    await caption.filter({ hasText: 'Prompts: 1 in all' }).waitFor()
    assert.deepEqual(await firstColumn(), ['Greeter'])

    await page.getByRole('tab', { name: /References/ }).click()
    await page.waitForURL(/tab=references/)
    const refs = await world.call('GET', `/api/user-snapshots/${bigSnapshotId}`, world.source.admin.token)
    const refCount = refs.body.snapshot.sourcePipelineStageRefs.length + refs.body.snapshot.sourceAgentRefs.length
    await caption.filter({ hasText: `References: ${refCount} in all` }).waitFor()
    await expectAccessible(page, 'snapshot references')
    // The address keeps the open section: a reload opens it again.
    await page.reload()
    await caption.filter({ hasText: `References: ${refCount} in all` }).waitFor()
  })
})
