import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { itBehavesLikeAnOwnedItem } from '../../../test/helpers/owned-items.ts'
import { expectEachInvalid, type InvalidCase } from '../../../test/helpers/validation.ts'

const agentId = '665f1a0c0e0a4b001a2c9f80'
const fullBody = {
  name: 'Qualify inbound',
  description: 'Moves replies forward',
  event: 'message.received',
  triggerType: 'inbound',
  sourceStatuses: ['New Lead', 'Contacted'],
  actions: {
    targetStage: 'Qualified',
    agentId,
    sendToWebhook: true,
    webhookUrl: 'https://hooks.example.test/in',
    webhookMethod: 'POST',
    webhookPayload: { lead: '{{contact.id}}', tags: ['a', 'b'], nested: { deep: [1, { x: null }] } },
    changeToStatus: 'working',
    autopilot: { enabled: true, delaySeconds: 30 },
  },
  conditions: [
    { source: 'conversation', field: 'channelType', operator: 'equals', value: 'sms', logicalOperator: 'AND' },
    { source: 'contact', field: 'score', operator: 'gte', value: 7 },
    { source: 'contact', field: 'tags', operator: 'in', value: ['vip', 2, true] },
    { source: 'contact', field: 'email', operator: 'isEmpty', value: null },
  ],
  maxTransitions: 3,
  enabled: false,
}

describe('automations', () => {
  const t = useTestApp()

  const create = (user: TestUser, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/automations', { token: user.token, body })
  const rowsOf = (userId: string) =>
    t.app.ctx.db.selectFrom('automations').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()

  itBehavesLikeAnOwnedItem(t, {
    what: 'Automation',
    table: 'automations',
    createUrl: '/api/automations',
    listUrl: '/api/automations',
    itemKey: 'automation',
    listKey: 'automations',
    createBody: (name) => ({ name, event: 'message.received' }),
    idRoutes: (id) => [
      { method: 'GET', url: `/api/automations/${id}` },
      { method: 'PUT', url: `/api/automations/${id}`, body: { description: 'changed' } },
      { method: 'PATCH', url: `/api/automations/${id}/preference`, body: { enabled: false } },
      { method: 'DELETE', url: `/api/automations/${id}` },
    ],
  })

  it('creates an automation owned by the caller and stores every field, free-form action keys included', async () => {
    const { salesRep, organization } = await newTenant(t.app)
    const r = await create(salesRep, fullBody)
    assert.equal(r.status, 201)
    const { automation } = r.body
    const { _id, createdAt, updatedAt, ...rest } = automation
    assert.match(_id, /^[0-9a-f]{24}$/)
    assert.ok(Date.parse(createdAt) <= Date.parse(updatedAt))
    assert.deepEqual(rest, { ...fullBody, organizationId: organization.id, userId: salesRep.id })

    const [row] = await rowsOf(salesRep.id)
    assert.ok(row)
    assert.equal(row.id, _id)
    assert.equal(row.organization_id, organization.id)
    assert.deepEqual(row.source_statuses, fullBody.sourceStatuses, 'stored as a JSON array, not a PG array')
    assert.deepEqual(row.actions, fullBody.actions)
    assert.deepEqual(row.conditions, fullBody.conditions)
    assert.equal(row.enabled, false)

    const got = await api(t.app, 'GET', `/api/automations/${_id}`, { token: salesRep.token })
    assert.equal(got.status, 200)
    assert.deepEqual(got.body, { automation })
  })

  it('fills defaults for a minimal automation and lists only the caller\u2019s own, oldest first', async () => {
    const { salesRep, departmentHead, organization } = await newTenant(t.app)
    const first = await create(salesRep, { name: 'First', event: 'message.sent' })
    assert.equal(first.status, 201)
    const { _id, createdAt: _createdAt, updatedAt: _updatedAt, ...fields } = first.body.automation
    assert.deepEqual(fields, {
      organizationId: organization.id,
      userId: salesRep.id,
      name: 'First',
      description: '',
      event: 'message.sent',
      triggerType: 'outbound',
      sourceStatuses: [],
      actions: {},
      conditions: [],
      maxTransitions: null,
      enabled: true,
    })
    const second = await create(salesRep, { name: 'Second', event: 'status.changed' })
    await create(departmentHead, { name: 'Not yours', event: 'status.changed' })
    const list = await api(t.app, 'GET', '/api/automations', { token: salesRep.token })
    assert.equal(list.status, 200)
    assert.deepEqual(list.body, { automations: [first.body.automation, second.body.automation] })
  })

  it('updates only the fields given, replacing arrays and actions whole', async () => {
    const { salesRep } = await newTenant(t.app)
    const created = await create(salesRep, fullBody)
    const id = created.body.automation._id
    const r = await api(t.app, 'PUT', `/api/automations/${id}`, {
      token: salesRep.token,
      body: { name: 'Renamed', sourceStatuses: ['Won'], actions: { targetStage: 'Closed' }, maxTransitions: null },
    })
    assert.equal(r.status, 200)
    const expected = {
      ...created.body.automation,
      name: 'Renamed',
      sourceStatuses: ['Won'],
      actions: { targetStage: 'Closed' },
      maxTransitions: null,
      updatedAt: r.body.automation.updatedAt,
    }
    // enabled stays false and triggerType inbound: nothing the client left out is reset to a default
    assert.deepEqual(r.body.automation, expected)
    const [row] = await rowsOf(salesRep.id)
    assert.deepEqual(
      [row?.name, row?.source_statuses, row?.actions, row?.max_transitions, row?.enabled, row?.trigger_type],
      ['Renamed', ['Won'], { targetStage: 'Closed' }, null, false, 'inbound'],
    )
  })

  it('sets the owner\u2019s enabled preference', async () => {
    const { salesRep } = await newTenant(t.app)
    const created = await create(salesRep, { name: 'Toggle', event: 'message.received' })
    const id = created.body.automation._id
    const off = await api(t.app, 'PATCH', `/api/automations/${id}/preference`, {
      token: salesRep.token,
      body: { enabled: false },
    })
    assert.equal(off.status, 200)
    assert.equal(off.body.message, 'Automation disabled successfully')
    assert.equal(off.body.automation.enabled, false)
    assert.equal((await rowsOf(salesRep.id))[0]?.enabled, false)
    const on = await api(t.app, 'PATCH', `/api/automations/${id}/preference`, {
      token: salesRep.token,
      body: { enabled: true },
    })
    assert.equal(on.body.message, 'Automation enabled successfully')
    assert.equal((await rowsOf(salesRep.id))[0]?.enabled, true)
  })

  it('deletes an automation', async () => {
    const { salesRep } = await newTenant(t.app)
    const keep = await create(salesRep, { name: 'Keep', event: 'e' })
    const gone = await create(salesRep, { name: 'Gone', event: 'e' })
    const r = await api(t.app, 'DELETE', `/api/automations/${gone.body.automation._id}`, { token: salesRep.token })
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { message: 'Automation deleted' })
    assert.deepEqual(
      (await rowsOf(salesRep.id)).map((row) => row.id),
      [keep.body.automation._id],
    )
    const again = await api(t.app, 'GET', `/api/automations/${gone.body.automation._id}`, { token: salesRep.token })
    assert.equal(again.status, 404)
  })

  it('rejects bad input with 400 and field paths, writing nothing', async () => {
    const { salesRep } = await newTenant(t.app)
    const base = { name: 'Bad', event: 'message.received' }
    const cases: InvalidCase[] = [
      [{ ...base, owner: 'me' }, ['/owner']],
      [{ ...base, userId: salesRep.id }, ['/userId']],
      [{ name: 'Bad' }, ['/event']],
      [{ ...base, name: 'n'.repeat(201) }, ['/name']],
      [{ ...base, description: 'd'.repeat(2001) }, ['/description']],
      [{ ...base, triggerType: 'sometimes' }, ['/triggerType']],
      [{ ...base, sourceStatuses: 'New Lead' }, ['/sourceStatuses']],
      [{ ...base, sourceStatuses: ['s'.repeat(101)] }, ['/sourceStatuses/0']],
      [{ ...base, sourceStatuses: Array.from({ length: 101 }, (_, i) => `S${i}`) }, ['/sourceStatuses']],
      [{ ...base, actions: [] }, ['/actions']],
      [{ ...base, actions: { agentId: 'agent-1' } }, ['/actions/agentId']],
      [{ ...base, actions: { webhookUrl: 'javascript:alert(1)' } }, ['/actions/webhookUrl']],
      [{ ...base, actions: { webhookMethod: 'FETCH' } }, ['/actions/webhookMethod']],
      [{ ...base, actions: { sendToWebhook: 'yes' } }, ['/actions/sendToWebhook']],
      [{ ...base, actions: { webhookPayload: 'x' } }, ['/actions/webhookPayload']],
      [{ ...base, conditions: [{ source: 'c', field: 'f', operator: 'equals', value: 1, extra: true }] }, ['/conditions/0/extra']],
      [{ ...base, conditions: [{ source: 'c', field: 'f', operator: 'equals' }] }, ['/conditions/0/value']],
      [{ ...base, conditions: [{ source: 'c', field: 'f', operator: 'eq', value: 1, logicalOperator: 'XOR' }] }, ['/conditions/0/logicalOperator']],
      [{ ...base, conditions: [{ source: 'c', field: 'f', operator: 'eq', value: { a: 1 } }] }, ['/conditions/0/value']],
      [{ ...base, maxTransitions: -1 }, ['/maxTransitions']],
      [{ ...base, maxTransitions: 1.5 }, ['/maxTransitions']],
      [{ ...base, maxTransitions: '3' }, ['/maxTransitions']],
      [{ ...base, enabled: 'true' }, ['/enabled']],
    ]
    await expectEachInvalid((body) => create(salesRep, body), cases)
    assert.equal((await rowsOf(salesRep.id)).length, 0)

    const created = await create(salesRep, base)
    const id = created.body.automation._id
    await expectEachInvalid((body) => api(t.app, 'PUT', `/api/automations/${id}`, { token: salesRep.token, body }), [
      [{}, ['/']],
      [{ enabled: true, organizationId: salesRep.organizationId }, ['/organizationId']],
      [{ conditions: [{ source: 'c', field: 'f', operator: 'eq', value: 1, note: 'x' }] }, ['/conditions/0/note']],
    ])
    const setPreference = (body: Record<string, unknown>) =>
      api(t.app, 'PATCH', `/api/automations/${id}/preference`, { token: salesRep.token, body })
    await expectEachInvalid(setPreference, [
      [{}, ['/enabled']],
      [{ enabled: 'no' }, ['/enabled']],
      [{ enabled: false, name: 'x' }, ['/name']],
    ])
    const [row] = await rowsOf(salesRep.id)
    assert.deepEqual([row?.name, row?.enabled, row?.conditions], ['Bad', true, []])
  })
})
