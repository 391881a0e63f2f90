import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { api } from '../../../test/helpers/http.ts'
import { crossOrgScenario, newUserBody } from '../../../test/helpers/scenarios.ts'

/**
 * SPEC §10 (issue 10, item 8): a hidden prompt's text is shown only to a SUPERADMIN
 * and the organization the snapshot was captured from, however it is read (GET,
 * items, diff); an apply still clones it whole.
 */
describe('hidden prompts in snapshots', () => {
  const t = useTestApp()

  it('another organization sees the hidden prompt without its text; the source organization and a SUPERADMIN see it', async () => {
    const { setup, target, root } = await crossOrgScenario(t.app)
    const db = t.app.ctx.db
    const secretText = '<prompt>never show this to other tenants</prompt>'
    await sql`update prompts set is_hidden = true, prompt = ${secretText} where id = ${setup.promptIds.Objections}`.execute(db)
    const created = await api(t.app, 'POST', '/api/user-snapshots', {
      token: setup.tenant.admin.token,
      body: { name: 'With a hidden prompt', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    const id = created.body.snapshot._id
    await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, { token: setup.tenant.admin.token, body: { isGlobal: true } })

    const promptText = async (token: string) => {
      const detail = await api(t.app, 'GET', `/api/user-snapshots/${id}`, { token })
      assert.equal(detail.status, 200, detail.raw)
      const page = await api(t.app, 'GET', `/api/user-snapshots/${id}/items?kind=prompt`, { token })
      const fromDetail = detail.body.snapshot.prompts.find((p: { name: string }) => p.name === 'Objections')
      const fromPage = page.body.items.find((p: { name: string }) => p.name === 'Objections')
      assert.equal(fromDetail.isHidden, true)
      assert.deepEqual(fromPage, fromDetail)
      return { text: fromDetail.prompt, raw: detail.raw + page.raw }
    }
    const foreign = await promptText(target.tenant.admin.token)
    assert.equal(foreign.text, null)
    assert.ok(!foreign.raw.includes('never show this'))
    assert.equal((await promptText(setup.tenant.admin.token)).text, secretText)
    assert.equal((await promptText(root.token)).text, secretText)

    // The diff masks it on both sides too.
    await sql`update prompts set prompt = '<prompt>still secret, edited</prompt>' where id = ${setup.promptIds.Objections}`.execute(db)
    await api(t.app, 'POST', `/api/user-snapshots/${id}/versions`, { token: setup.tenant.admin.token, body: {} })
    const foreignDiff = await api(t.app, 'GET', `/api/user-snapshots/${id}/diff?from=1&to=2`, { token: target.tenant.admin.token })
    assert.equal(foreignDiff.status, 200)
    assert.ok(!foreignDiff.raw.includes('secret'), foreignDiff.raw)
    const ownDiff = await api(t.app, 'GET', `/api/user-snapshots/${id}/diff?from=1&to=2`, { token: setup.tenant.admin.token })
    assert.equal(ownDiff.body.changes[0].fields[0].path, '/prompt')

    // An apply by the other organization still clones the text: it runs, it is not shown.
    const applied = await api(t.app, 'POST', `/api/user-snapshots/${id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(applied.status, 201, applied.raw)
    const cloned = await sql<{ prompt: string; is_hidden: boolean }>`select prompt, is_hidden from prompts
      where user_id = ${applied.body.result.userId} and name = 'Objections'`.execute(db)
    assert.deepEqual(cloned.rows, [{ prompt: '<prompt>still secret, edited</prompt>', is_hidden: true }])

    // A bundle carries the text only to those who may read it (SPEC §7.6, §10), still signed and importable.
    const exportedPrompt = async (token: string) => {
      const bundle = await api(t.app, 'GET', `/api/user-snapshots/${id}/export`, { token })
      assert.equal(bundle.status, 200, bundle.raw)
      const objections = bundle.body.snapshot.items.prompts.find((p: { name: string }) => p.name === 'Objections')
      assert.equal(objections.isHidden, true)
      return { text: objections.prompt as string, raw: bundle.raw, bundle: bundle.body }
    }
    const foreignBundle = await exportedPrompt(target.tenant.admin.token)
    assert.equal(foreignBundle.text, '')
    assert.ok(!foreignBundle.raw.includes('secret'), 'the hidden text left in a bundle for another organization')
    assert.equal((await exportedPrompt(setup.tenant.admin.token)).text, '<prompt>still secret, edited</prompt>')
    assert.equal((await exportedPrompt(root.token)).text, '<prompt>still secret, edited</prompt>')
    const imported = await api(t.app, 'POST', '/api/user-snapshots/import', { token: target.tenant.admin.token, body: foreignBundle.bundle })
    assert.equal(imported.status, 201, imported.raw)
  })
})
