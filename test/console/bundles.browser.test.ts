import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { expectAccessible, screenshot, signIn, useConsoleWorld } from './fixture.ts'

/**
 * Export and import in headless Chromium against the real server: a bundle is
 * downloaded from a snapshot's page, uploaded by another organization's admin
 * with the verification shown, and a tampered one is refused. Checked through the API.
 */
describe('admin console: export and import bundles (browser)', () => {
  const world = useConsoleWorld()
  const scratch = mkdtempSync(join(tmpdir(), 'tether-bundles-'))
  after(() => rmSync(scratch, { recursive: true, force: true }))
  let snapshotId = ''
  let bundlePath = ''

  before(async () => {
    const created = await world.call('POST', '/api/user-snapshots', world.source.admin.token, {
      name: 'Portable setup',
      sourceOrgId: world.source.orgId,
      sourceUserId: world.source.rep.id,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    snapshotId = created.body.snapshot._id
  })

  const importedCount = async () => {
    const list = await world.call('GET', '/api/user-snapshots?q=Portable', world.target.admin.token)
    assert.equal(list.status, 200)
    return list.body.snapshots.length as number
  }

  it('downloads a signed bundle from the snapshot’s page', async () => {
    const { page, server } = world
    await signIn(world, world.source.admin.email)
    await page.goto(`${server.url}/user-snapshots/${snapshotId}`)
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export bundle' }).click()
    const file = await download
    bundlePath = join(scratch, file.suggestedFilename())
    await file.saveAs(bundlePath)
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'))
    assert.equal(bundle.format, 'tether-relay.snapshot-bundle')
    assert.equal(bundle.kind, 'user')
    assert.equal(bundle.snapshot.id, snapshotId)
    assert.equal(bundle.snapshot.name, 'Portable setup')
    assert.match(bundle.checksum, /^sha256:[0-9a-f]{64}$/)
    // The same bundle the API exports, but for the moment of export.
    const viaApi = await world.call('GET', `/api/user-snapshots/${snapshotId}/export`, world.source.admin.token)
    assert.equal(viaApi.status, 200)
    assert.deepEqual(bundle.snapshot.counts, viaApi.body.snapshot.counts)
    assert.equal(bundle.instance.keyId, viaApi.body.instance.keyId)
  })

  it('lets another organization’s admin import it, showing what was verified, and refuses a tampered copy', async () => {
    const { page } = world
    await signIn(world, world.target.admin.email)
    assert.equal(await importedCount(), 0)
    await page.getByRole('button', { name: 'Import bundle…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Import a user snapshot bundle' })
    await dialog.waitFor()
    // Checked in the browser before sending: nothing chosen, then a file that is no bundle.
    await dialog.getByRole('button', { name: 'Verify and import' }).click()
    await dialog.getByText('Choose a bundle file').waitFor()
    const notABundle = join(scratch, 'not-a-bundle.json')
    writeFileSync(notABundle, JSON.stringify({ hello: 'world' }))
    await dialog.locator('input[type="file"]').setInputFiles(notABundle)
    await dialog.getByRole('button', { name: 'Verify and import' }).click()
    await dialog.getByText('This JSON file is not a Tether Relay snapshot bundle.').waitFor()

    // A copy changed after export: the server's checksum check refuses it, and nothing is created.
    const tampered = join(scratch, 'tampered.json')
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'))
    writeFileSync(tampered, JSON.stringify({ ...bundle, snapshot: { ...bundle.snapshot, name: 'Portable setup (edited)' } }))
    await dialog.locator('input[type="file"]').setInputFiles(tampered)
    await dialog.getByTestId('bundle-preview').waitFor()
    await dialog.getByRole('button', { name: 'Verify and import' }).click()
    await dialog.getByRole('alert').filter({ hasText: 'Checksum mismatch' }).waitFor()
    await expectAccessible(page, 'import refused')
    assert.equal(await importedCount(), 0)

    await dialog.locator('input[type="file"]').setInputFiles(bundlePath)
    await dialog.getByTestId('bundle-preview').filter({ hasText: '“Portable setup”, version 1' }).waitFor()
    await expectAccessible(page, 'import preview')
    await dialog.getByRole('button', { name: 'Verify and import' }).click()
    await dialog.getByTestId('import-result').filter({ hasText: 'Snapshot imported' }).waitFor()
    await dialog.getByText('Checksum verified').waitFor()
    await expectAccessible(page, 'import result')
    await screenshot(page, 'import-result')
    assert.equal(await importedCount(), 1)
    const imported = (await world.call('GET', '/api/user-snapshots?q=Portable', world.target.admin.token)).body.snapshots[0]
    assert.notEqual(imported._id, snapshotId, 'a new snapshot of this instance')
    assert.deepEqual(imported.assignedOrgIds, [world.target.orgId])

    await dialog.getByRole('link', { name: 'Open “Portable setup”' }).click()
    await page.getByRole('heading', { name: 'Portable setup' }).waitFor()
    assert.match(page.url(), new RegExp(`/user-snapshots/${imported._id}$`))
  })
})
