import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, newTenant, uniqueSuffix } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { orgSourceSetup } from '../helpers/scenarios.ts'
import { toOrgSnapshotSummary } from '../../src/modules/org-snapshots/org-snapshots.service.ts'
import { findSnapshot } from '../../src/modules/snapshots/snapshots.repository.ts'
import { toUserSnapshotSummary } from '../../src/modules/user-snapshots/user-snapshots.service.ts'

/**
 * The listings get each summary from the database as one json value (issue 11: no
 * per-row work the database could do). A summary must stay exactly what the rest
 * of the API shows for that snapshot (create, assign, GET), down to the timestamps.
 */

type Listing = { snapshots: Record<string, unknown>[]; nextCursor?: string | null }

describe('snapshot listings: summaries built by the database', () => {
  const t = useTestApp({ recordQueries: true })

  /** What the API shows as the summary of a snapshot elsewhere, as a client reads it. */
  async function summaryOf(kind: 'user' | 'org', id: string) {
    const row = await findSnapshot(t.app.ctx.db, kind, id)
    assert.ok(row)
    return JSON.parse(JSON.stringify(kind === 'user' ? toUserSnapshotSummary(row) : toOrgSnapshotSummary(row))) as unknown
  }

  async function listAll(route: string, token: string, query = ''): Promise<Record<string, unknown>[]> {
    const response = await api<Listing>(t.app, 'GET', `${route}?${query}`, { token })
    assert.equal(response.status, 200, response.raw)
    return response.body.snapshots
  }

  it('user snapshots: each listed summary equals the snapshot’s own summary, timestamps to the millisecond', async () => {
    const root = await newSuperadmin(t.app)
    const tenant = await newTenant(t.app)
    const other = await newTenant(t.app)
    const tag = uniqueSuffix()
    const ids: string[] = []
    for (const [i, body] of [{ description: 'Has one' }, {}, { description: '' }].entries()) {
      const created = await api(t.app, 'POST', '/api/user-snapshots', {
        token: root.token,
        body: { name: `Listed ${tag} ${i}`, sourceOrgId: tenant.organization.id, sourceUserId: tenant.salesRep.id, ...body },
      })
      assert.equal(created.status, 201, created.raw)
      ids.push(created.body.snapshot._id)
    }
    const shared = await api(t.app, 'PATCH', `/api/user-snapshots/${ids[0]}/assign`, {
      token: root.token,
      body: { assignedOrgIds: [other.organization.id, tenant.organization.id], isGlobal: true },
    })
    assert.equal(shared.status, 200, shared.raw)
    // Microseconds the API truncates, a leap day, the last millisecond of a year, and a
    // counts object missing a kind (shown as 0).
    const stamps = ['2028-02-29 23:59:59.999999+00', '2026-12-31 23:59:59.9995+05:30', '2001-01-01 00:00:00.000001+00']
    for (const [i, id] of ids.entries()) {
      await t.app.ctx.db
        .updateTable('snapshots')
        .set({ created_at: stamps[i]! as never, updated_at: stamps[(i + 1) % 3]! as never })
        .where('id', '=', id)
        .execute()
    }
    await t.app.ctx.db.updateTable('snapshots').set({ counts: JSON.stringify({ automations: 7 }) }).where('id', '=', ids[2]!).execute()

    const listed = (await listAll('/api/user-snapshots', root.token, `q=${tag}`)).reverse()
    assert.deepEqual(listed.map((s) => s._id), ids)
    for (const [i, id] of ids.entries()) assert.deepEqual(listed[i], await summaryOf('user', id))
    assert.equal(listed[0]!.createdAt, '2028-02-29T23:59:59.999Z')
    assert.equal(listed[1]!.createdAt, '2026-12-31T18:29:59.999Z')
    assert.deepEqual(listed[2]!.counts, { automations: 7, prompts: 0, templates: 0 })
    // An ADMIN of the other organization sees the shared one, with the same summary.
    assert.deepEqual(await listAll('/api/user-snapshots', other.admin.token, `q=${tag}`), [listed[0]])
  })

  it('org snapshots: the same, credential names included', async () => {
    const setup = await orgSourceSetup(t.app)
    const created = await api(t.app, 'POST', '/api/org-snapshots', {
      token: setup.root.token,
      body: { name: `Org listed ${uniqueSuffix()}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    assert.equal(created.status, 201, created.raw)
    const id = created.body.snapshot._id as string
    const [listed] = await listAll('/api/org-snapshots', setup.root.token, `q=${encodeURIComponent(created.body.snapshot.name)}`)
    assert.deepEqual(listed, await summaryOf('org', id))
    assert.ok((listed!.credentialNames as string[]).length > 0)
  })

  it('one query per page, whatever the page size, for both listings', async () => {
    const root = await newSuperadmin(t.app)
    const tenant = await newTenant(t.app)
    for (let i = 0; i < 6; i++) {
      for (const route of ['/api/user-snapshots', '/api/org-snapshots']) {
        const created = await api(t.app, 'POST', route, {
          token: root.token,
          body: { name: `Counted ${i} ${uniqueSuffix()}`, sourceOrgId: tenant.organization.id, sourceUserId: tenant.salesRep.id },
        })
        assert.equal(created.status, 201, created.raw)
      }
    }
    for (const route of ['/api/user-snapshots', '/api/org-snapshots']) {
      const queriesFor = async (query: string) => {
        const start = t.queries.length
        const rows = (await listAll(route, root.token, query)).length
        return { rows, queries: t.queries.length - start }
      }
      const one = await queriesFor('limit=1')
      const five = await queriesFor('limit=5')
      const all = await queriesFor('')
      assert.deepEqual([one.rows, five.rows], [1, 5])
      assert.ok(all.rows >= 6)
      // The caller's token lookup, then the page.
      assert.deepEqual([one.queries, five.queries, all.queries], [2, 2, 2], route)
    }
  })
})
