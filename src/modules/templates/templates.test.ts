import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { itBehavesLikeAnOwnedItem } from '../../../test/helpers/owned-items.ts'
import { expectEachInvalid, expectInvalid, type InvalidCase } from '../../../test/helpers/validation.ts'

describe('templates', () => {
  const t = useTestApp()

  const create = (user: TestUser, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/templates', { token: user.token, body })
  const rowsOf = (userId: string) =>
    t.app.ctx.db.selectFrom('templates').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()

  itBehavesLikeAnOwnedItem(t, {
    what: 'Template',
    table: 'templates',
    createUrl: '/api/templates',
    listUrl: '/api/user/sms-templates',
    itemKey: 'template',
    listKey: 'templates',
    createBody: (name) => ({ name, template: 'Hi {{firstName}}', type: 'sms' }),
    idRoutes: (id) => [
      { method: 'GET', url: `/api/templates/${id}` },
      { method: 'PUT', url: `/api/templates/${id}`, body: { category: 'changed' } },
      { method: 'DELETE', url: `/api/templates/${id}` },
    ],
  })

  it('creates templates owned by the caller and lists them, filtered by type', async () => {
    const { salesRep, departmentHead, organization } = await newTenant(t.app)
    const intro = await create(salesRep, {
      name: 'Intro - new lead',
      template: 'Hi {{firstName}}, this is {{agentName}}',
      type: 'sms',
      category: 'introduction',
    })
    assert.equal(intro.status, 201)
    const { _id, createdAt: _c, updatedAt: _u, ...fields } = intro.body.template
    assert.deepEqual(fields, {
      organizationId: organization.id,
      userId: salesRep.id,
      name: 'Intro - new lead',
      template: 'Hi {{firstName}}, this is {{agentName}}',
      type: 'sms',
      category: 'introduction',
    })
    const script = await create(salesRep, { name: 'Call script', template: 'Ask about {{need}}', type: 'script' })
    assert.equal(script.body.template.category, null)
    await create(departmentHead, { name: 'Theirs', template: 'x', type: 'sms' })

    const rows = await rowsOf(salesRep.id)
    assert.deepEqual(
      rows.map((r) => [r.id, r.name, r.type, r.category, r.organization_id]),
      [
        [_id, 'Intro - new lead', 'sms', 'introduction', organization.id],
        [script.body.template._id, 'Call script', 'script', null, organization.id],
      ],
    )
    const all = await api(t.app, 'GET', '/api/user/sms-templates', { token: salesRep.token })
    assert.equal(all.status, 200)
    assert.deepEqual(all.body, { templates: [intro.body.template, script.body.template] })
    const scripts = await api(t.app, 'GET', '/api/user/sms-templates?type=script', { token: salesRep.token })
    assert.deepEqual(scripts.body, { templates: [script.body.template] })
    const got = await api(t.app, 'GET', `/api/templates/${_id}`, { token: salesRep.token })
    assert.deepEqual(got.body, { template: intro.body.template })
  })

  it('updates only the fields given and deletes a template', async () => {
    const { salesRep } = await newTenant(t.app)
    const created = await create(salesRep, { name: 'Promo', template: 'Sale!', type: 'campaign', category: 'promo' })
    const id = created.body.template._id
    const r = await api(t.app, 'PUT', `/api/templates/${id}`, {
      token: salesRep.token,
      body: { template: 'Sale {{percent}}% off', category: null },
    })
    assert.equal(r.status, 200)
    assert.deepEqual(
      [r.body.template.name, r.body.template.template, r.body.template.type, r.body.template.category],
      ['Promo', 'Sale {{percent}}% off', 'campaign', null],
    )
    const [row] = await rowsOf(salesRep.id)
    assert.deepEqual([row?.template, row?.category, row?.type], ['Sale {{percent}}% off', null, 'campaign'])

    const del = await api(t.app, 'DELETE', `/api/templates/${id}`, { token: salesRep.token })
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, { message: 'Template deleted' })
    assert.deepEqual(await rowsOf(salesRep.id), [])
  })

  it('rejects bad input with 400 and field paths, writing nothing', async () => {
    const { salesRep } = await newTenant(t.app)
    const base = { name: 'Bad', template: 'Hi', type: 'sms' }
    const cases: InvalidCase[] = [
      [{ ...base, body: 'x' }, ['/body']],
      [{ name: 'Bad', template: 'Hi' }, ['/type']],
      [{ ...base, type: 'email' }, ['/type']],
      [{ ...base, template: '' }, ['/template']],
      [{ ...base, template: 't'.repeat(50_001) }, ['/template']],
      [{ ...base, name: 42 }, ['/name']],
      [{ ...base, category: 'c'.repeat(101) }, ['/category']],
      [{ ...base, category: ['intro'] }, ['/category']],
    ]
    await expectEachInvalid((body) => create(salesRep, body), cases)
    assert.deepEqual(await rowsOf(salesRep.id), [])
    const created = await create(salesRep, base)
    const id = created.body.template._id
    await expectEachInvalid((body) => api(t.app, 'PUT', `/api/templates/${id}`, { token: salesRep.token, body }), [
      [{}, ['/']],
      [{ type: 'fax' }, ['/type']],
      [{ name: 'ok', userId: salesRep.id }, ['/userId']],
    ])
    const badType = await api(t.app, 'GET', '/api/user/sms-templates?type=fax', { token: salesRep.token })
    expectInvalid(badType, ['/type'], 'list with a bad type', 'querystring')
    const unknownQuery = await api(t.app, 'GET', '/api/user/sms-templates?owner=me', { token: salesRep.token })
    expectInvalid(unknownQuery, ['/owner'], 'list with an unknown parameter', 'querystring')
    const [row] = await rowsOf(salesRep.id)
    assert.deepEqual([row?.name, row?.type], ['Bad', 'sms'])
  })
})
