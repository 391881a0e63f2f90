import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, newUser, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { itBehavesLikeAnOwnedItem } from '../../../test/helpers/owned-items.ts'
import { expectEachInvalid, expectInvalid, type InvalidCase } from '../../../test/helpers/validation.ts'

const fullBody = {
  name: 'Sales agent',
  prompt: '<prompt>Be helpful with {{firstName}}</prompt>',
  description: 'Main assistant',
  temperature: 0.7,
  responseTime: 45,
  isHidden: true,
  tools: [{ name: 'bookMeeting', parameters: { type: 'object', properties: { at: { type: 'string' } } } }],
  toolConfigs: { bookMeeting: { calendarId: 'primary', slots: [30, 60] } },
}

describe('prompts', () => {
  const t = useTestApp()

  const create = (user: TestUser, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/prompts', { token: user.token, body })
  const createdId = async (user: TestUser, body: Record<string, unknown>): Promise<string> => {
    const r = await create(user, body)
    assert.equal(r.status, 201, r.raw)
    return r.body.prompt._id as string
  }
  const grant = (user: TestUser, promptId: string) =>
    t.app.ctx.db
      .insertInto('prompt_grants')
      .values({ user_id: user.id, prompt_id: promptId, organization_id: user.organizationId })
      .execute()
  const rowOf = (id: string) => t.app.ctx.db.selectFrom('prompts').selectAll().where('id', '=', id).executeTakeFirst()

  itBehavesLikeAnOwnedItem(t, {
    what: 'Prompt',
    table: 'prompts',
    createUrl: '/api/prompts',
    listUrl: '/api/prompts/user',
    itemKey: 'prompt',
    listKey: 'prompts',
    createBody: (name) => ({ name, prompt: 'Hello' }),
    idRoutes: (id) => [
      { method: 'GET', url: `/api/prompts/${id}` },
      { method: 'PUT', url: `/api/prompts/${id}`, body: { temperature: 1 } },
      { method: 'DELETE', url: `/api/prompts/${id}` },
    ],
  })

  it('creates a prompt owned by the caller, stores every field, and reads it back', async () => {
    const { salesRep, organization } = await newTenant(t.app)
    const r = await create(salesRep, fullBody)
    assert.equal(r.status, 201)
    const { _id, createdAt: _c, updatedAt: _u, ...fields } = r.body.prompt
    assert.deepEqual(fields, {
      ...fullBody,
      organizationId: organization.id,
      userId: salesRep.id,
      copiedFrom: null,
      copiedFromName: null,
      copiedFromOrg: null,
      mapped: false,
    })
    const row = await rowOf(_id)
    assert.deepEqual(
      [row?.user_id, row?.organization_id, row?.prompt, row?.tools, row?.tool_configs, row?.is_hidden],
      [salesRep.id, organization.id, fullBody.prompt, fullBody.tools, fullBody.toolConfigs, true],
    )
    const got = await api(t.app, 'GET', `/api/prompts/${_id}`, { token: salesRep.token })
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, r.body, 'the owner sees the text of their own hidden prompt')

    const minimal = await create(salesRep, { name: 'Plain', prompt: 'Hi' })
    const { _id: _m, createdAt: _mc, updatedAt: _mu, organizationId: _mo, userId: _mus, ...defaults } = minimal.body.prompt
    assert.deepEqual(defaults, {
      name: 'Plain',
      prompt: 'Hi',
      description: null,
      temperature: null,
      responseTime: null,
      isHidden: false,
      tools: [],
      toolConfigs: {},
      copiedFrom: null,
      copiedFromName: null,
      copiedFromOrg: null,
      mapped: false,
    })
  })

  it('lists own prompts, then granted ones marked mapped, hiding hidden text from a non-admin grantee', async () => {
    const { admin, salesRep, departmentHead } = await newTenant(t.app)
    const own = await createdId(salesRep, { name: 'Mine', prompt: 'my text', isHidden: true })
    const hidden = await createdId(departmentHead, { name: 'Shared hidden', prompt: 'secret text', isHidden: true })
    const open = await createdId(departmentHead, { name: 'Shared open', prompt: 'open text' })
    await createdId(departmentHead, { name: 'Not granted', prompt: 'x' })
    await grant(salesRep, hidden)
    await grant(salesRep, open)

    const list = await api(t.app, 'GET', '/api/prompts/user', { token: salesRep.token })
    assert.equal(list.status, 200)
    assert.deepEqual(
      list.body.prompts.map((p: any) => [p._id, p.mapped, p.prompt, p.userId]),
      [
        [own, false, 'my text', salesRep.id],
        [hidden, true, null, departmentHead.id],
        [open, true, 'open text', departmentHead.id],
      ],
    )

    const asAdmin = await api(t.app, 'GET', `/api/prompts/user?userId=${salesRep.id}`, { token: admin.token })
    assert.equal(asAdmin.status, 200)
    assert.deepEqual(
      asAdmin.body.prompts.map((p: any) => [p._id, p.mapped, p.prompt]),
      [
        [own, false, 'my text'],
        [hidden, true, 'secret text'],
        [open, true, 'open text'],
      ],
      'an ADMIN sees hidden text, and mapped is relative to the listed user',
    )
    const ownerList = await api(t.app, 'GET', '/api/prompts/user', { token: departmentHead.token })
    assert.deepEqual(
      ownerList.body.prompts.map((p: any) => [p.name, p.mapped]),
      [
        ['Shared hidden', false],
        ['Shared open', false],
        ['Not granted', false],
      ],
    )
  })

  it('lets a grantee read a granted prompt (text hidden when isHidden) but not change or delete it', async () => {
    const { salesRep, departmentHead } = await newTenant(t.app)
    const superadmin = await newSuperadmin(t.app)
    const id = await createdId(departmentHead, { ...fullBody, name: 'Granted' })
    await grant(salesRep, id)
    const before = await rowOf(id)

    const got = await api(t.app, 'GET', `/api/prompts/${id}`, { token: salesRep.token })
    assert.equal(got.status, 200)
    assert.equal(got.body.prompt.mapped, true)
    assert.equal(got.body.prompt.prompt, null)
    assert.equal(got.body.prompt.name, 'Granted')
    const bySuperadmin = await api(t.app, 'GET', `/api/prompts/${id}`, { token: superadmin.token })
    assert.equal(bySuperadmin.body.prompt.prompt, fullBody.prompt)
    assert.equal(bySuperadmin.body.prompt.mapped, false)

    const put = await api(t.app, 'PUT', `/api/prompts/${id}`, { token: salesRep.token, body: { prompt: 'mine now' } })
    const del = await api(t.app, 'DELETE', `/api/prompts/${id}`, { token: salesRep.token })
    for (const r of [put, del]) {
      assert.equal(r.status, 403)
      expectErrorShape(r)
    }
    assert.deepEqual(await rowOf(id), before)

    const open = await api(t.app, 'PUT', `/api/prompts/${id}`, { token: departmentHead.token, body: { isHidden: false } })
    assert.equal(open.status, 200)
    const visible = await api(t.app, 'GET', `/api/prompts/${id}`, { token: salesRep.token })
    assert.equal(visible.body.prompt.prompt, fullBody.prompt)
  })

  it('updates only the fields given and deletes a prompt with its grants', async () => {
    const { salesRep, departmentHead } = await newTenant(t.app)
    const id = await createdId(salesRep, fullBody)
    const r = await api(t.app, 'PUT', `/api/prompts/${id}`, {
      token: salesRep.token,
      body: { name: 'Renamed', temperature: null, tools: [] },
    })
    assert.equal(r.status, 200)
    assert.deepEqual(
      [r.body.prompt.name, r.body.prompt.temperature, r.body.prompt.tools, r.body.prompt.isHidden, r.body.prompt.responseTime],
      ['Renamed', null, [], true, 45],
    )
    const row = await rowOf(id)
    assert.deepEqual([row?.name, row?.temperature, row?.tools, row?.is_hidden], ['Renamed', null, [], true])

    await grant(departmentHead, id)
    const del = await api(t.app, 'DELETE', `/api/prompts/${id}`, { token: salesRep.token })
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, { message: 'Prompt deleted' })
    assert.equal(await rowOf(id), undefined)
    const grants = await t.app.ctx.db.selectFrom('prompt_grants').selectAll().where('prompt_id', '=', id).execute()
    assert.deepEqual(grants, [])
  })

  it('shows the copiedFrom provenance of a copied prompt and never accepts it from a client', async () => {
    const source = await newTenant(t.app)
    const target = await newTenant(t.app)
    const sourceId = await createdId(source.salesRep, { name: 'Original', prompt: 'text' })
    const copy = await t.app.ctx.db
      .insertInto('prompts')
      .values({
        organization_id: target.organization.id,
        user_id: target.salesRep.id,
        name: 'Original',
        prompt: 'text',
        tools: '[]',
        tool_configs: '{}',
        copied_from: sourceId,
        copied_from_name: 'Original',
        copied_from_org: source.organization.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    const got = await api(t.app, 'GET', `/api/prompts/${copy.id}`, { token: target.salesRep.token })
    assert.deepEqual(
      [got.body.prompt.copiedFrom, got.body.prompt.copiedFromName, got.body.prompt.copiedFromOrg],
      [sourceId, 'Original', source.organization.id],
    )
    const forged = await create(target.salesRep, { name: 'Forged', prompt: 'x', copiedFrom: sourceId })
    expectInvalid(forged, ['/copiedFrom'], 'create with copiedFrom')
    const retag = await api(t.app, 'PUT', `/api/prompts/${copy.id}`, {
      token: target.salesRep.token,
      body: { copiedFromOrg: target.organization.id },
    })
    expectInvalid(retag, ['/copiedFromOrg'], 'update of copiedFromOrg')
    assert.equal((await rowOf(copy.id))?.copied_from_org, source.organization.id)
  })

  it('rejects bad input with 400 and field paths, writing nothing', async () => {
    const { organization } = await newTenant(t.app)
    const user = await newUser(t.app, organization.id, 'SALES_REP')
    const base = { name: 'Bad', prompt: 'text' }
    const cases: InvalidCase[] = [
      [{ ...base, model: 'x' }, ['/model']],
      [{ name: 'Bad' }, ['/prompt']],
      [{ ...base, prompt: '' }, ['/prompt']],
      [{ ...base, prompt: 'p'.repeat(100_001) }, ['/prompt']],
      [{ ...base, name: 'n'.repeat(201) }, ['/name']],
      [{ ...base, description: 'd'.repeat(2001) }, ['/description']],
      [{ ...base, temperature: 2.5 }, ['/temperature']],
      [{ ...base, temperature: -0.1 }, ['/temperature']],
      [{ ...base, temperature: '0.7' }, ['/temperature']],
      [{ ...base, responseTime: -1 }, ['/responseTime']],
      [{ ...base, isHidden: 'true' }, ['/isHidden']],
      [{ ...base, tools: {} }, ['/tools']],
      [{ ...base, tools: [1] }, ['/tools/0']],
      [{ ...base, toolConfigs: [] }, ['/toolConfigs']],
      [{ ...base, copiedFromName: 'x' }, ['/copiedFromName']],
    ]
    await expectEachInvalid((body) => create(user, body), cases)
    const rows = await t.app.ctx.db.selectFrom('prompts').select('id').where('user_id', '=', user.id).execute()
    assert.equal(rows.length, 0)
    const id = await createdId(user, base)
    await expectEachInvalid((body) => api(t.app, 'PUT', `/api/prompts/${id}`, { token: user.token, body }), [
      [{}, ['/']],
      [{ temperature: 3 }, ['/temperature']],
      [{ tools: [{ name: 'x' }], toolConfigs: 'x' }, ['/toolConfigs']],
    ])
    assert.equal((await rowOf(id))?.temperature, null)
  })
})
