import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import type { AccessRole } from '../../src/shared/roles.ts'
import { useTestApp } from '../helpers/app.ts'
import { databaseDigest } from '../helpers/digest.ts'
import { newSuperadmin, newTenant, type Tenant } from '../helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from '../helpers/http.ts'
import { matchingTarget, newUserBody, orgSourceSetup, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'
import { tenantFootprint } from '../helpers/seed.ts'

/**
 * Tenant isolation of snapshots beyond the role matrix: what an admin of
 * organization B can see and touch depends on the snapshot's sharing at the moment
 * of the request, a snapshot B may not see is indistinguishable from one that does
 * not exist, and superadmin-only routes refuse every other role.
 */
describe('tenant isolation', () => {
  const t = useTestApp()

  type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  const nonexistent = 'ffffffffffffffffffffffff'

  /** Every way an admin can address one user snapshot by id. */
  function idRoutes(id: string): [Method, string, unknown][] {
    return [
      ['GET', `/api/user-snapshots/${id}`, undefined],
      ['GET', `/api/user-snapshots/${id}/apply-refs`, undefined],
      ['POST', `/api/user-snapshots/${id}/apply`, { newUser: newUserBody() }],
      ['POST', `/api/user-snapshots/${id}/apply?dryRun=true`, { newUser: newUserBody() }],
      ['PATCH', `/api/user-snapshots/${id}/assign`, { isGlobal: true }],
      ['DELETE', `/api/user-snapshots/${id}`, undefined],
    ]
  }

  /** Every snapshot id in B's list, following every page (limit 1 and unpaged). */
  async function listedFor(token: string): Promise<string[]> {
    const unpaged = await api(t.app, 'GET', '/api/user-snapshots', { token })
    assert.equal(unpaged.status, 200)
    const ids: string[] = []
    let cursor: string | null = null
    do {
      const page: ApiResponse = await api(t.app, 'GET', `/api/user-snapshots?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token })
      assert.equal(page.status, 200)
      ids.push(...page.body.snapshots.map((s: { _id: string }) => s._id))
      cursor = page.body.nextCursor
    } while (cursor)
    assert.deepEqual(ids, unpaged.body.snapshots.map((s: { _id: string }) => s._id))
    return ids
  }

  /** B's admin gets exactly the answers a nonexistent id gets, and nothing changes. */
  async function assertInvisible(b: Tenant, id: string) {
    assert.ok(!(await listedFor(b.admin.token)).includes(id), 'not listed')
    const before = await databaseDigest(t.app.ctx.db)
    const routes = idRoutes(id)
    const control = idRoutes(nonexistent)
    for (let i = 0; i < routes.length; i++) {
      const [method, url, body] = routes[i]!
      const response = await api(t.app, method, url, { token: b.admin.token, body })
      const reference = await api(t.app, control[i]![0], control[i]![1], { token: b.admin.token, body: control[i]![2] })
      assert.equal(response.status, 404, `${method} ${url}: ${response.raw}`)
      assert.deepEqual(expectErrorShape(response), expectErrorShape(reference), `${method} ${url} reveals nothing`)
    }
    assert.deepEqual(await databaseDigest(t.app.ctx.db), before, 'nothing was written')
  }

  async function assign(root: string, id: string, body: { assignedOrgIds?: string[]; isGlobal?: boolean }) {
    const response = await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, { token: root, body })
    assert.equal(response.status, 200, response.raw)
  }

  it('an admin of B never sees, applies, assigns or deletes a snapshot not shared with B, whatever its history', async () => {
    const a = await sourceSetup(t.app)
    const b = await newTenant(t.app)
    const c = await newTenant(t.app)
    const root = (await newSuperadmin(t.app)).token

    // Created by A's admin: assigned to A only.
    const ownOnly = await snapshotOf(t.app, a, a.tenant.admin.token, 'A only')
    await assertInvisible(b, ownOnly._id)

    // Shared with C (not B) by a superadmin.
    const sharedWithC = await snapshotOf(t.app, a, root, 'Shared with C')
    await assign(root, sharedWithC._id, { assignedOrgIds: [c.organization.id] })
    await assertInvisible(b, sharedWithC._id)
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${sharedWithC._id}`, { token: c.admin.token })).status, 200)

    // Once global, then no longer: visible only while global.
    const wasGlobal = await snapshotOf(t.app, a, a.tenant.admin.token, 'Was global')
    await assign(a.tenant.admin.token, wasGlobal._id, { isGlobal: true })
    assert.ok((await listedFor(b.admin.token)).includes(wasGlobal._id))
    await assign(a.tenant.admin.token, wasGlobal._id, { isGlobal: false })
    await assertInvisible(b, wasGlobal._id)

    // Once assigned to B, then unassigned.
    const wasAssigned = await snapshotOf(t.app, a, root, 'Was assigned to B')
    await assign(root, wasAssigned._id, { assignedOrgIds: [b.organization.id] })
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${wasAssigned._id}`, { token: b.admin.token })).status, 200)
    await assign(root, wasAssigned._id, { assignedOrgIds: [a.tenant.organization.id] })
    await assertInvisible(b, wasAssigned._id)
  })

  it('a global snapshot: B may read and apply it into B only, never manage it or reach into A', async () => {
    const a = await sourceSetup(t.app)
    const b = await matchingTarget(t.app)
    const snapshot = await snapshotOf(t.app, a, a.tenant.admin.token, 'Global')
    await assign(a.tenant.admin.token, snapshot._id, { isGlobal: true })
    const token = b.tenant.admin.token
    const url = `/api/user-snapshots/${snapshot._id}`
    const aBefore = await tenantFootprint(t.app, a.tenant.organization.id)

    assert.equal((await api(t.app, 'GET', url, { token })).status, 200)
    // Managing it is for its creator (or a superadmin).
    for (const [method, path, body] of [
      ['PATCH', `${url}/assign`, { isGlobal: false }],
      ['DELETE', url, undefined],
    ] as const) {
      const response = await api(t.app, method, path, { token, body })
      assert.equal(response.status, 403, `${method} ${path}`)
    }
    // Naming A as the target organization is refused, for the mapping helper, the dry run and the apply.
    const intoA = `?organizationId=${a.tenant.organization.id}`
    assert.equal((await api(t.app, 'GET', `${url}/apply-refs${intoA}`, { token })).status, 403)
    for (const suffix of [intoA, `${intoA}&dryRun=true`]) {
      const response = await api(t.app, 'POST', `${url}/apply${suffix}`, { token, body: { newUser: newUserBody() } })
      assert.equal(response.status, 403, suffix)
    }
    // A's users cannot be listed or snapshotted from B.
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/orgs/${a.tenant.organization.id}/users`, { token })).status, 404)
    const snapshotA = await api(t.app, 'POST', '/api/user-snapshots', {
      token,
      body: { name: 'Steal', sourceOrgId: a.tenant.organization.id, sourceUserId: a.tenant.salesRep.id },
    })
    assert.equal(snapshotA.status, 403)
    const disguised = await api(t.app, 'POST', '/api/user-snapshots', {
      token,
      body: { name: 'Steal', sourceOrgId: b.tenant.organization.id, sourceUserId: a.tenant.salesRep.id },
    })
    assert.equal(disguised.status, 404)
    // An agent mapping pointing at A's agent is not a valid target in B.
    const automation = 'Hand qualified leads to Closer'
    const crossMapped = await api(t.app, 'POST', `${url}/apply`, {
      token,
      body: { newUser: newUserBody(), agentMapping: { [automation]: { Closer: a.agentId } } },
    })
    assert.equal(crossMapped.status, 422, crossMapped.raw)
    assert.equal(expectErrorShape(crossMapped).error, 'Invalid mapping target')

    // Applying creates the user and every item in B, and nothing in A.
    const applied = await api(t.app, 'POST', `${url}/apply`, { token, body: { newUser: newUserBody() } })
    assert.equal(applied.status, 201, applied.raw)
    const { rows } = await sql<{ table: string; organization_id: string }>`
      select 'users' as table, organization_id from users where id = ${applied.body.result.userId}
      union all select 'automations', organization_id from automations where user_id = ${applied.body.result.userId}
      union all select 'prompts', organization_id from prompts where user_id = ${applied.body.result.userId}
      union all select 'templates', organization_id from templates where user_id = ${applied.body.result.userId}
    `.execute(t.app.ctx.db)
    assert.equal(rows.length, 8)
    assert.ok(rows.every((r) => r.organization_id === b.tenant.organization.id))
    const agentIds = await sql<{ agent: string | null }>`
      select actions ->> 'agentId' as agent from automations where user_id = ${applied.body.result.userId}
    `.execute(t.app.ctx.db)
    assert.ok(agentIds.rows.every((r) => r.agent === null || r.agent === b.agents.Closer), 'agent references point into B')
    assert.deepEqual(await tenantFootprint(t.app, a.tenant.organization.id), aBefore)
  })

  it('superadmin-only routes answer 403 to every other role, before touching anything', async () => {
    const source = await orgSourceSetup(t.app)
    const other = await newTenant(t.app)
    const roles: [AccessRole, string][] = []
    for (const tenant of [source.tenant, other]) {
      roles.push(['ADMIN', tenant.admin.token], ['DEPARTMENT_HEAD', tenant.departmentHead.token], ['SALES_REP', tenant.salesRep.token])
    }
    const superadminOnly = t.app.routeCatalog.filter((r) => r.auth !== 'public' && r.auth.length === 1 && r.auth[0] === 'SUPERADMIN')
    const urls = superadminOnly.map((r) => `${r.method} ${r.url}`)
    for (const expected of ['GET /api/org-snapshots', 'POST /api/org-snapshots/:id/apply', 'DELETE /api/org-snapshots/:id']) {
      assert.ok(urls.includes(expected), `${expected} is superadmin-only`)
    }
    for (const route of superadminOnly) {
      // Real ids: the org snapshot for snapshot routes, the source organization for the rest.
      const url = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) =>
        name === 'id' && route.url.startsWith('/api/org-snapshots') ? source.snapshot._id : source.tenant.organization.id,
      )
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined
      const before = await databaseDigest(t.app.ctx.db)
      for (const [role, token] of roles) {
        const response = await api(t.app, route.method as Method, url, { token, body })
        assert.equal(response.status, 403, `${role} on ${route.method} ${route.url}: ${response.raw}`)
        expectErrorShape(response)
      }
      assert.deepEqual(await databaseDigest(t.app.ctx.db), before)
      // The same request from a superadmin reaches the route (refused, if at all, for its body, never its role).
      const control = await api(t.app, route.method as Method, url, { token: source.root.token, body })
      assert.notEqual(control.status, 403, `${route.method} ${route.url} as superadmin`)
      assert.notEqual(control.status, 401)
    }
  })
})
