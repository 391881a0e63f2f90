import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { TestApp } from './app.ts'
import { newSuperadmin, newTenant, newUser, type TestUser } from './fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from './http.ts'
import { expectInvalid } from './validation.ts'

/**
 * The rules every user-owned entity (automation, prompt, template) shares, as
 * tests: names unique per owner; the owner writes; a same-organization ADMIN and
 * any SUPERADMIN read but get 403 on writes; anyone else gets 404 on every id
 * route, exactly as for an id that does not exist.
 */
export interface OwnedItemSpec {
  /** Entity name as in error titles: "Automation" → "Automation not found". */
  what: string
  table: 'automations' | 'prompts' | 'templates'
  createUrl: string
  listUrl: string
  /** Response envelopes: {automation} and {automations}. */
  itemKey: string
  listKey: string
  /** A valid create body with this name. */
  createBody(name: string): Record<string, unknown>
  /** Every id route: its method, URL and (for writes) a valid body. */
  idRoutes(id: string): { method: 'GET' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: Record<string, unknown> }[]
}

type Method = 'GET' | 'PUT' | 'PATCH' | 'DELETE'
const isWrite = (method: Method) => method !== 'GET'

export function itBehavesLikeAnOwnedItem(t: TestApp, spec: OwnedItemSpec): void {
  const create = async (user: TestUser, name: string): Promise<string> => {
    const r = await api(t.app, 'POST', spec.createUrl, { token: user.token, body: spec.createBody(name) })
    assert.equal(r.status, 201, r.raw)
    return r.body[spec.itemKey]._id as string
  }
  const rowInDb = (id: string) => t.app.ctx.db.selectFrom(spec.table).selectAll().where('id', '=', id).executeTakeFirst()
  const callEveryIdRoute = async (user: TestUser, id: string) => {
    const results: { method: Method; url: string; response: ApiResponse }[] = []
    for (const route of spec.idRoutes(id)) {
      const response = await api(t.app, route.method, route.url, { token: user.token, body: route.body })
      results.push({ method: route.method, url: route.url, response })
    }
    return results
  }
  const listOf = (user: TestUser, userId: string) =>
    api(t.app, 'GET', `${spec.listUrl}${spec.listUrl.includes('?') ? '&' : '?'}userId=${userId}`, { token: user.token })

  it(`${spec.what}: names are unique per owner (409), and two users may share a name`, async () => {
    const { salesRep, departmentHead, organization } = await newTenant(t.app)
    const first = await create(salesRep, 'Intro')
    const again = await api(t.app, 'POST', spec.createUrl, { token: salesRep.token, body: spec.createBody('Intro') })
    assert.equal(again.status, 409)
    assert.deepEqual(expectErrorShape(again).details, { field: 'name' })
    await create(departmentHead, 'Intro')
    await create(salesRep, 'Follow-up')
    const rename = spec.idRoutes(first).find((r) => r.method === 'PUT')
    assert.ok(rename, 'an update route')
    const clash = await api(t.app, 'PUT', rename.url, { token: salesRep.token, body: { name: 'Follow-up' } })
    assert.equal(clash.status, 409)
    const rows = await t.app.ctx.db
      .selectFrom(spec.table)
      .select(['name', 'user_id'])
      .where('organization_id', '=', organization.id)
      .orderBy('created_at')
      .orderBy('name')
      .execute()
    assert.deepEqual(
      rows.map((r) => [r.name, r.user_id]).sort(),
      [
        ['Follow-up', salesRep.id],
        ['Intro', departmentHead.id],
        ['Intro', salesRep.id],
      ].sort(),
    )
  })

  it(`${spec.what}: other non-admin users of the organization get 404 on every id route and 403 listing with userId`, async () => {
    const { salesRep, departmentHead } = await newTenant(t.app)
    const colleague = await newUser(t.app, salesRep.organizationId, 'SALES_REP')
    const id = await create(salesRep, 'Private')
    const before = await rowInDb(id)
    for (const user of [colleague, departmentHead]) {
      for (const { method, url, response } of await callEveryIdRoute(user, id)) {
        assert.equal(response.status, 404, `${user.role} ${method} ${url}`)
        assert.equal(expectErrorShape(response).error, `${spec.what} not found`)
      }
      const list = await listOf(user, salesRep.id)
      assert.equal(list.status, 403, `${user.role} listing another user`)
    }
    assert.deepEqual(await rowInDb(id), before)
    const ownList = await listOf(salesRep, salesRep.id)
    assert.equal(ownList.status, 200)
    assert.deepEqual(
      ownList.body[spec.listKey].map((item: { _id: string }) => item._id),
      [id],
    )
  })

  it(`${spec.what}: the organization\u2019s ADMIN and a SUPERADMIN read it but get 403 on writes`, async () => {
    const { admin, salesRep } = await newTenant(t.app)
    const superadmin = await newSuperadmin(t.app)
    const id = await create(salesRep, 'Rep owned')
    const before = await rowInDb(id)
    for (const reader of [admin, superadmin]) {
      for (const { method, url, response } of await callEveryIdRoute(reader, id)) {
        if (isWrite(method)) {
          assert.equal(response.status, 403, `${reader.role} ${method} ${url}`)
          expectErrorShape(response)
        } else {
          assert.equal(response.status, 200, `${reader.role} ${method} ${url}`)
          assert.equal(response.body[spec.itemKey]._id, id)
          assert.equal(response.body[spec.itemKey].userId, salesRep.id)
        }
      }
      const list = await listOf(reader, salesRep.id)
      assert.equal(list.status, 200)
      assert.deepEqual(
        list.body[spec.listKey].map((item: { _id: string }) => item._id),
        [id],
      )
      const ownList = await api(t.app, 'GET', spec.listUrl, { token: reader.token })
      assert.ok(
        !ownList.body[spec.listKey].some((item: { _id: string }) => item._id === id),
        'without userId a list shows only the caller\u2019s own items',
      )
    }
    assert.deepEqual(await rowInDb(id), before)
  })

  it(`${spec.what}: another organization\u2019s ADMIN gets 404 on every id route and for its owner`, async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    const id = await create(a.salesRep, 'Tenant A')
    const before = await rowInDb(id)
    for (const { method, url, response } of await callEveryIdRoute(b.admin, id)) {
      assert.equal(response.status, 404, `${method} ${url}`)
      assert.equal(expectErrorShape(response).error, `${spec.what} not found`)
    }
    const list = await listOf(b.admin, a.salesRep.id)
    assert.equal(list.status, 404)
    assert.equal(expectErrorShape(list).error, 'User not found')
    const unknownUser = await listOf(b.admin, 'f'.repeat(24))
    assert.equal(unknownUser.status, 404)
    assert.deepEqual(await rowInDb(id), before)
  })

  it(`${spec.what}: malformed ids are 400 and unknown ids 404 on every id route; no token is 401`, async () => {
    const { salesRep } = await newTenant(t.app)
    for (const route of spec.idRoutes('not-an-id')) {
      const r = await api(t.app, route.method, route.url, { token: salesRep.token, body: route.body })
      expectInvalid(r, ['/id'], `${route.method} ${route.url}`, 'params')
    }
    for (const { method, url, response } of await callEveryIdRoute(salesRep, 'abcdef0123456789abcdef01')) {
      assert.equal(response.status, 404, `${method} ${url}`)
    }
    const badUserId = await api(t.app, 'GET', `${spec.listUrl}${spec.listUrl.includes('?') ? '&' : '?'}userId=xyz`, {
      token: salesRep.token,
    })
    expectInvalid(badUserId, ['/userId'], 'list with a malformed userId', 'querystring')
    assert.equal((await api(t.app, 'GET', spec.listUrl)).status, 401)
  })
}
