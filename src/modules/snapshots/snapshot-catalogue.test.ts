import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, newUser, uniqueSuffix, type Tenant, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { listQuery } from './snapshots.repository.ts'

/** GET /api/{user,org}-snapshots: `q` (name search) and `scope`, within the caller's visibility. */

type Listing = { snapshots: { _id: string; name: string }[]; nextCursor?: string | null }

describe('snapshot catalogue: search and scopes', () => {
  const t = useTestApp({ recordQueries: true })

  async function capture(token: string, tenant: Tenant, name: string, route = '/api/user-snapshots'): Promise<string> {
    const response = await api(t.app, 'POST', route, {
      token,
      body: { name, sourceOrgId: tenant.organization.id, sourceUserId: tenant.salesRep.id },
    })
    assert.equal(response.status, 201, response.raw)
    return response.body.snapshot._id
  }

  const list = async (token: string, query: string, route = '/api/user-snapshots') => {
    const response = await api<Listing>(t.app, 'GET', `${route}?${query}`, { token })
    assert.equal(response.status, 200, response.raw)
    return response.body.snapshots.map((s) => s.name)
  }

  it('q: a case-insensitive substring of the name; %, _ and \\ are plain characters', async () => {
    const tenant = await newTenant(t.app)
    const tag = uniqueSuffix()
    const names = [`Alpha ${tag} Onboarding`, `beta ${tag} ONBOARDING flow`, `Gamma ${tag} 100%_done`, `Delta ${tag} 100x done`, `Back\\slash ${tag}`]
    for (const name of names) await capture(tenant.admin.token, tenant, name)
    const token = tenant.admin.token
    // Newest first, as without q.
    assert.deepEqual(await list(token, `q=${encodeURIComponent(`${tag} onboard`)}`), [names[1], names[0]])
    assert.deepEqual(await list(token, `q=${encodeURIComponent(`${tag} 100%_`)}`), [names[2]])
    assert.deepEqual(await list(token, `q=${encodeURIComponent(`${tag} 100_`)}`), [])
    assert.deepEqual(await list(token, `q=${encodeURIComponent(`k\\slash ${tag}`)}`), [names[4]])
    assert.deepEqual(await list(token, `q=${tag}`), [...names].reverse())
    assert.deepEqual(await list(token, `q=${tag}-nothing`), [])
    for (const bad of ['q=', `q=${'x'.repeat(121)}`, 'scope=everything', 'scope=']) {
      const response = await api(t.app, 'GET', `/api/user-snapshots?${bad}`, { token })
      assert.equal(response.status, 400, bad)
      expectErrorShape(response)
    }
  })

  it('q pages like the plain listing', async () => {
    const tenant = await newTenant(t.app)
    const tag = uniqueSuffix()
    for (let i = 0; i < 7; i++) await capture(tenant.admin.token, tenant, `Paged ${tag} ${i}`)
    await capture(tenant.admin.token, tenant, `Other ${uniqueSuffix()}`)
    const seen: string[] = []
    let cursor: string | null | undefined
    do {
      const response = await api<Listing>(t.app, 'GET', `/api/user-snapshots?q=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, {
        token: tenant.admin.token,
      })
      assert.equal(response.status, 200)
      seen.push(...response.body.snapshots.map((s) => s.name))
      cursor = response.body.nextCursor
    } while (cursor)
    assert.deepEqual(seen, [6, 5, 4, 3, 2, 1, 0].map((i) => `Paged ${tag} ${i}`))
  })

  it('scope: global, assigned (to the caller’s organization), mine; never beyond what the caller may see', async () => {
    const root = await newSuperadmin(t.app)
    const home = await newTenant(t.app)
    const away = await newTenant(t.app)
    const secondAdmin: TestUser = await newUser(t.app, home.organization.id, 'ADMIN')
    const tag = uniqueSuffix()
    await capture(home.admin.token, home, `${tag} mine assigned`)
    await capture(secondAdmin.token, home, `${tag} colleague assigned`)
    const awayPrivate = await capture(away.admin.token, away, `${tag} away private`)
    const awayGlobal = await capture(away.admin.token, away, `${tag} away global`)
    const mineGlobalElsewhere = await capture(home.admin.token, home, `${tag} mine global unassigned`)
    const mineHidden = await capture(home.admin.token, home, `${tag} mine moved away`)
    const assign = async (id: string, body: Record<string, unknown>) =>
      assert.equal((await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, { token: root.token, body })).status, 200)
    await assign(awayGlobal, { isGlobal: true })
    await assign(mineGlobalElsewhere, { isGlobal: true, assignedOrgIds: [away.organization.id] })
    await assign(mineHidden, { assignedOrgIds: [away.organization.id] })
    const names = (query: string, token = home.admin.token) => list(token, `q=${tag}&${query}`)
    const n = (suffix: string) => `${tag} ${suffix}`

    assert.deepEqual(await names('scope=all'), [n('mine global unassigned'), n('away global'), n('colleague assigned'), n('mine assigned')])
    assert.deepEqual(await names(''), await names('scope=all'))
    assert.deepEqual(await names('scope=global'), [n('mine global unassigned'), n('away global')])
    assert.deepEqual(await names('scope=assigned'), [n('colleague assigned'), n('mine assigned')])
    // Mine, but only what the caller can still see: the one moved to another organization is gone for them.
    assert.deepEqual(await names('scope=mine'), [n('mine global unassigned'), n('mine assigned')])

    // A SUPERADMIN sees everything; global and mine work the same way, assigned means their own organization.
    assert.deepEqual(await names('scope=all', root.token), [
      n('mine moved away'), n('mine global unassigned'), n('away global'), n('away private'), n('colleague assigned'), n('mine assigned'),
    ])
    assert.deepEqual(await names('scope=global', root.token), [n('mine global unassigned'), n('away global')])
    assert.deepEqual(await names('scope=assigned', root.token), [])
    assert.deepEqual(await names('scope=mine', root.token), [])
    await assign(awayPrivate, { assignedOrgIds: [away.organization.id, root.organizationId] })
    assert.deepEqual(await names('scope=assigned', root.token), [n('away private')])
  })

  it('org snapshots: q and scope=mine; global and assigned do not apply (400)', async () => {
    const root = await newSuperadmin(t.app)
    const otherRoot = await newSuperadmin(t.app)
    const tenant = await newTenant(t.app)
    const tag = uniqueSuffix()
    await capture(root.token, tenant, `${tag} Whole Tenant`, '/api/org-snapshots')
    await capture(otherRoot.token, tenant, `${tag} whole tenant (other)`, '/api/org-snapshots')
    const route = '/api/org-snapshots'
    assert.deepEqual(await list(root.token, `q=${tag}%20WHOLE`, route), [`${tag} whole tenant (other)`, `${tag} Whole Tenant`])
    assert.deepEqual(await list(root.token, `q=${tag}&scope=mine`, route), [`${tag} Whole Tenant`])
    assert.deepEqual(await list(otherRoot.token, `q=${tag}&scope=mine`, route), [`${tag} whole tenant (other)`])
    assert.deepEqual(await list(root.token, `q=${tag}-none`, route), [])
    for (const scope of ['global', 'assigned']) {
      const response = await api(t.app, 'GET', `${route}?scope=${scope}`, { token: root.token })
      assert.equal(response.status, 400, scope)
      expectErrorShape(response)
    }
  })

  it('q is served by the trigram index, and the listing is one query whatever the page size', async () => {
    const tenant = await newTenant(t.app)
    const tag = uniqueSuffix()
    for (let i = 0; i < 5; i++) await capture(tenant.admin.token, tenant, `Indexed ${tag} ${i}`)
    // A catalogue of thousands, so the planner weighs the index against reading the table as it would in use.
    await sql`
      insert into snapshots (kind, name, source_org_id, source_org_name, source_user_id, source_user_email, source_user_name,
                             created_by, created_by_name, created_by_role, version_id)
      select 'user', 'Catalogue ' || md5(i::text), 'o', 'O', 'u', 'u@example.test', 'U', 'c', 'C', 'ADMIN', 'v' || i
      from generate_series(1, 5000) as i
    `.execute(t.app.ctx.db)
    await sql`analyze snapshots`.execute(t.app.ctx.db)
    const plan = (await listQuery(t.app.ctx.db, { kind: 'user', nameContains: tag, limit: 51 }).explain())
      .map((row) => Object.values(row).join(' '))
      .join('\n')
    assert.match(plan, /Bitmap Index Scan on snapshots_name_trgm_idx/, plan)

    const queriesFor = async (query: string) => {
      const start = t.queries.length
      const response = await api<Listing>(t.app, 'GET', `/api/user-snapshots?${query}`, { token: tenant.admin.token })
      assert.equal(response.status, 200)
      return { rows: response.body.snapshots.length, queries: t.queries.length - start }
    }
    const one = await queriesFor(`q=${tag}&limit=1`)
    const five = await queriesFor(`q=${tag}&limit=50&scope=mine`)
    assert.deepEqual([one.rows, five.rows], [1, 5])
    assert.equal(one.queries, five.queries)
  })
})
