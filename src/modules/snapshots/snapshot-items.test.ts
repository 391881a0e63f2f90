import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedBulkItems, seedPipeline } from '../../../test/helpers/seed.ts'
import { orgSourceSetup, snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'
import { encodeKeyCursor } from '../../shared/cursor.ts'

/** GET /api/{user,org}-snapshots/{id}/items: a snapshot's copies of one kind, keyset-paged. */

type Page = { kind: string; items: Record<string, unknown>[]; nextCursor: string | null }

describe('snapshot items, page by page', () => {
  const t = useTestApp({ recordQueries: true })

  /** Every page of one kind, following nextCursor; returns the pages. */
  async function walk(base: string, token: string, kind: string, limit?: number): Promise<Page[]> {
    const pages: Page[] = []
    let cursor: string | null = null
    do {
      const query: URLSearchParams = new URLSearchParams({ kind, ...(limit ? { limit: String(limit) } : {}), ...(cursor ? { cursor } : {}) })
      const response: { status: number; body: Page; raw: string } = await api<Page>(t.app, 'GET', `${base}/items?${query.toString()}`, { token })
      assert.equal(response.status, 200, response.raw)
      assert.equal(response.body.kind, kind)
      pages.push(response.body)
      cursor = response.body.nextCursor
      assert.ok(pages.length < 1000, 'the walk ends')
    } while (cursor)
    return pages
  }

  it('user snapshot: the pages of each kind are exactly GET’s copies, in GET’s order', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const token = setup.tenant.admin.token
    const base = `/api/user-snapshots/${snapshot._id}`
    const detail = (await api(t.app, 'GET', base, { token })).body.snapshot
    for (const [kind, field] of [['automation', 'automations'], ['prompt', 'prompts'], ['template', 'templates']] as const) {
      assert.ok(detail[field].length >= 2, `the fixture has several ${field}`)
      const pages = await walk(base, token, kind, 1)
      assert.equal(pages.length, detail[field].length, 'one item per page with limit=1')
      assert.deepEqual(pages.flatMap((p) => p.items), detail[field])
      assert.equal(pages.at(-1)!.nextCursor, null)
      const whole = await walk(base, token, kind)
      assert.equal(whole.length, 1)
      assert.deepEqual(whole[0]!.items, detail[field])
    }
  })

  it('pages of 50 by default, up to 500, over a large snapshot, each item once', async () => {
    const source = await newTenant(t.app)
    await seedBulkItems(t.app, source.organization.id, source.salesRep.id, { automations: 1, prompts: 620, templates: 1 })
    const snapshot = await snapshotOf(t.app, { tenant: source, agentId: '', promptIds: {}, automationIds: {} })
    const base = `/api/user-snapshots/${snapshot._id}`
    const token = source.admin.token
    const byDefault = await walk(base, token, 'prompt')
    assert.deepEqual(byDefault.map((p) => p.items.length), [...Array(12).fill(50), 20])
    const names = byDefault.flatMap((p) => p.items.map((i) => i.name))
    assert.equal(new Set(names).size, 620)
    assert.deepEqual(names, [...names].sort())
    const big = await walk(base, token, 'prompt', 500)
    assert.deepEqual(big.map((p) => p.items.length), [500, 120])
    assert.deepEqual(big.flatMap((p) => p.items.map((i) => i.name)), names)
  })

  it('org snapshot: every top-level kind pages to GET’s copies, pipelines with their stages', async () => {
    const setup = await orgSourceSetup(t.app)
    // A second pipeline under the same name: pages stay stable (ties broken by the source id).
    await seedPipeline(t.app, setup.tenant.organization.id, 'Sales', ['Only'])
    const created = await api(t.app, 'POST', '/api/org-snapshots', {
      token: setup.root.token,
      body: { name: 'Twin pipelines', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    assert.equal(created.status, 201)
    const base = `/api/org-snapshots/${created.body.snapshot._id}`
    const detail = (await api(t.app, 'GET', base, { token: setup.root.token })).body.snapshot
    assert.equal(detail.pipelines.length, 2)
    const fields = { pipeline: 'pipelines', dynamicProperties: 'dynamicProperties', automation: 'automations', prompt: 'prompts', template: 'templates', agent: 'agents' }
    for (const [kind, field] of Object.entries(fields)) {
      assert.ok(detail[field].length >= 1, `the fixture has ${field}`)
      const pages = await walk(base, setup.root.token, kind, 1)
      const items = pages.flatMap((p) => p.items)
      if (kind !== 'pipeline') {
        assert.deepEqual(items, detail[field], kind)
        continue
      }
      // Same-named pipelines: GET lists them in the same (name, source id) order.
      assert.deepEqual(items, detail.pipelines)
      assert.deepEqual(items.map((p) => (p.stages as { name: string }[]).map((s) => s.name)).sort(), [['New', 'Contacted', 'Qualified'], ['Only']].sort())
    }
  })

  it('400 for a kind the snapshot kind does not show, a bad limit or a cursor it did not issue', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const token = setup.tenant.admin.token
    const base = `/api/user-snapshots/${snapshot._id}/items`
    for (const query of ['kind=pipeline', 'kind=agent', 'kind=stage', 'kind=credentialName', 'kind=nope', '', 'kind=automation&limit=0',
      'kind=automation&limit=501', 'kind=automation&limit=x', 'kind=automation&cursor=***', 'kind=automation&extra=1']) {
      const response = await api(t.app, 'GET', `${base}?${query}`, { token })
      assert.equal(response.status, 400, query)
      expectErrorShape(response)
    }
    const forged = [
      Buffer.from('nonsense').toString('base64url'),
      encodeKeyCursor('prompt', ['Greeter', 'x']),
      encodeKeyCursor('automation', ['only one part']),
    ]
    for (const cursor of forged) {
      const response = await api(t.app, 'GET', `${base}?kind=automation&cursor=${cursor}`, { token })
      assert.equal(response.status, 400, cursor)
      assert.deepEqual(expectErrorShape(response).details, [{ location: 'querystring', path: '/cursor', message: 'is invalid' }])
    }
    const root = await newSuperadmin(t.app)
    const org = await orgSourceSetup(t.app)
    for (const kind of ['stage', 'credentialName']) {
      const response = await api(t.app, 'GET', `/api/org-snapshots/${org.snapshot._id}/items?kind=${kind}`, { token: root.token })
      assert.equal(response.status, 400, kind)
    }
  })

  it('same access rules as GET of the snapshot', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const other = await newTenant(t.app)
    const url = `/api/user-snapshots/${snapshot._id}/items?kind=automation`
    assert.equal((await api(t.app, 'GET', url, { token: other.admin.token })).status, 404)
    assert.equal((await api(t.app, 'GET', url, { token: setup.tenant.salesRep.token })).status, 403)
    assert.equal((await api(t.app, 'GET', url)).status, 401)
    const root = await newSuperadmin(t.app)
    const shared = await api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, { token: root.token, body: { isGlobal: true } })
    assert.equal(shared.status, 200)
    const seen = await api<Page>(t.app, 'GET', url, { token: other.admin.token })
    assert.equal(seen.status, 200)
    assert.equal(seen.body.items.length, 3)
    // An org snapshot's items are not reachable through the user route, nor the other way round.
    const org = await orgSourceSetup(t.app)
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${org.snapshot._id}/items?kind=automation`, { token: root.token })).status, 404)
    assert.equal((await api(t.app, 'GET', `/api/org-snapshots/${snapshot._id}/items?kind=automation`, { token: root.token })).status, 404)
    assert.equal((await api(t.app, 'GET', `/api/org-snapshots/${org.snapshot._id}/items?kind=pipeline`, { token: org.tenant.admin.token })).status, 403)
  })

  it('a page costs the same queries whatever its size', async () => {
    const source = await newTenant(t.app)
    await seedBulkItems(t.app, source.organization.id, source.salesRep.id, { automations: 400, prompts: 1, templates: 1 })
    const snapshot = await snapshotOf(t.app, { tenant: source, agentId: '', promptIds: {}, automationIds: {} })
    const queriesFor = async (limit: number) => {
      const start = t.queries.length
      const response = await api<Page>(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/items?kind=automation&limit=${limit}`, {
        token: source.admin.token,
      })
      assert.equal(response.body.items.length, limit)
      return t.queries.slice(start).length
    }
    assert.equal(await queriesFor(300), await queriesFor(3))
    const root = await newSuperadmin(t.app)
    const org = await orgSourceSetup(t.app)
    const pipelineQueries = async (limit: number) => {
      const start = t.queries.length
      const response = await api<Page>(t.app, 'GET', `/api/org-snapshots/${org.snapshot._id}/items?kind=pipeline&limit=${limit}`, { token: root.token })
      assert.equal(response.status, 200)
      return t.queries.slice(start).length
    }
    assert.equal(await pipelineQueries(500), await pipelineQueries(1))
  })
})
