import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { expectEachInvalid, expectInvalid, type InvalidCase } from '../../../test/helpers/validation.ts'

describe('AI agents', () => {
  const t = useTestApp()

  const create = (user: TestUser, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/agents', { token: user.token, body })
  const newPrompt = async (user: TestUser, name = 'Agent prompt'): Promise<string> => {
    const r = await api(t.app, 'POST', '/api/prompts', { token: user.token, body: { name, prompt: 'You sell.' } })
    assert.equal(r.status, 201, r.raw)
    return r.body.prompt._id as string
  }
  const agentsInDb = (organizationId: string) =>
    t.app.ctx.db.selectFrom('ai_agents').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').execute()

  it('creates an agent with a prompt of its organization and lists it to every role', async () => {
    const { admin, salesRep, departmentHead, organization } = await newTenant(t.app)
    // any member's prompt will do: agents are organization-level
    const promptId = await newPrompt(salesRep)
    const r = await create(admin, { name: 'Default Agent', description: 'Standard AI agent.', promptId })
    assert.equal(r.status, 201)
    const { agent } = r.body
    assert.match(agent._id, /^[0-9a-f]{24}$/)
    const { _id, createdAt: _c, updatedAt: _u, ...fields } = agent
    assert.deepEqual(fields, {
      organizationId: organization.id,
      name: 'Default Agent',
      description: 'Standard AI agent.',
      promptId,
    })
    const bare = await create(admin, { name: 'Bare' })
    assert.equal(bare.status, 201)
    assert.deepEqual([bare.body.agent.description, bare.body.agent.promptId], ['', null])

    assert.deepEqual(
      (await agentsInDb(organization.id)).map((a) => [a.id, a.name, a.prompt_id]),
      [
        [_id, 'Default Agent', promptId],
        [bare.body.agent._id, 'Bare', null],
      ],
    )
    for (const user of [salesRep, departmentHead, admin]) {
      const list = await api(t.app, 'GET', '/api/agents', { token: user.token })
      assert.equal(list.status, 200)
      assert.deepEqual(list.body, { agents: [agent, bare.body.agent] })
    }
  })

  it('keeps names unique within an organization (409) but not across organizations', async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    assert.equal((await create(a.admin, { name: 'Closer' })).status, 201)
    const dup = await create(a.admin, { name: 'Closer', description: 'second' })
    assert.equal(dup.status, 409)
    assert.deepEqual(expectErrorShape(dup).details, { field: 'name' })
    assert.equal((await create(b.admin, { name: 'Closer' })).status, 201)
    assert.deepEqual(
      (await agentsInDb(a.organization.id)).map((r) => r.description),
      [''],
    )
  })

  it('answers 422 for a promptId that is not a prompt of the agent\u2019s organization, writing nothing', async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    const foreignPrompt = await newPrompt(b.salesRep)
    for (const promptId of [foreignPrompt, 'abcdef0123456789abcdef01']) {
      const r = await create(a.admin, { name: 'Broken', promptId })
      assert.equal(r.status, 422)
      const body = expectErrorShape(r)
      assert.equal(body.error, 'Invalid prompt reference')
      assert.deepEqual(body.details, { field: 'promptId' })
    }
    assert.deepEqual(await agentsInDb(a.organization.id), [])
  })

  it('deletes an agent, and deleting a prompt clears it from the agents that ran it', async () => {
    const { admin, organization } = await newTenant(t.app)
    const promptId = await newPrompt(admin)
    const keep = await create(admin, { name: 'Keeper', promptId })
    const gone = await create(admin, { name: 'Gone', promptId })
    const del = await api(t.app, 'DELETE', `/api/agents/${gone.body.agent._id}`, { token: admin.token })
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, { message: 'AI agent deleted' })
    assert.deepEqual(
      (await agentsInDb(organization.id)).map((a) => a.id),
      [keep.body.agent._id],
    )
    const again = await api(t.app, 'DELETE', `/api/agents/${gone.body.agent._id}`, { token: admin.token })
    assert.equal(again.status, 404)
    assert.equal(expectErrorShape(again).error, 'AI agent not found')

    assert.equal((await api(t.app, 'DELETE', `/api/prompts/${promptId}`, { token: admin.token })).status, 200)
    const list = await api(t.app, 'GET', '/api/agents', { token: admin.token })
    assert.equal(list.body.agents[0].promptId, null)
    assert.equal((await agentsInDb(organization.id))[0]?.prompt_id, null)
  })

  it('keeps an agent, without its prompt, when the prompt’s owner is deleted', async () => {
    const { admin, salesRep, organization } = await newTenant(t.app)
    const prompt = await api(t.app, 'POST', '/api/prompts', { token: salesRep.token, body: { name: 'Rep prompt', prompt: 'Hi' } })
    assert.equal(prompt.status, 201)
    const agent = await api(t.app, 'POST', '/api/agents', {
      token: admin.token,
      body: { name: 'Rep agent', promptId: prompt.body.prompt._id },
    })
    assert.equal(agent.status, 201)
    assert.equal((await api(t.app, 'DELETE', `/api/user/${salesRep.id}`, { token: admin.token })).status, 200)
    const rows = await agentsInDb(organization.id)
    assert.deepEqual(rows.map((a) => [a.id, a.prompt_id]), [[agent.body.agent._id, null]])
  })

  it('lets only ADMIN and SUPERADMIN write, and hides other organizations\u2019 agents', async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    const created = await create(a.admin, { name: 'Tenant A agent' })
    const id = created.body.agent._id
    for (const user of [a.salesRep, a.departmentHead]) {
      assert.equal((await create(user, { name: 'Mine' })).status, 403)
      assert.equal((await api(t.app, 'DELETE', `/api/agents/${id}`, { token: user.token })).status, 403)
    }
    const foreign = await api(t.app, 'DELETE', `/api/agents/${id}`, { token: b.admin.token })
    assert.equal(foreign.status, 404)
    assert.equal(expectErrorShape(foreign).error, 'AI agent not found')
    assert.deepEqual((await api(t.app, 'GET', '/api/agents', { token: b.admin.token })).body, { agents: [] })
    const peek = await api(t.app, 'GET', `/api/agents?organizationId=${a.organization.id}`, { token: b.admin.token })
    assert.equal(peek.status, 403)
    assert.deepEqual(
      (await agentsInDb(a.organization.id)).map((r) => r.id),
      [id],
    )
    assert.equal((await api(t.app, 'GET', '/api/agents')).status, 401)
  })

  it('lets a SUPERADMIN create, list and delete agents of any organization', async () => {
    const a = await newTenant(t.app)
    const superadmin = await newSuperadmin(t.app)
    const promptId = await newPrompt(a.salesRep)
    const ownPrompt = await newPrompt(superadmin)
    const created = await create(superadmin, { name: 'Seeded', promptId, organizationId: a.organization.id })
    assert.equal(created.status, 201)
    assert.equal(created.body.agent.organizationId, a.organization.id)
    const crossed = await create(superadmin, { name: 'Crossed', promptId: ownPrompt, organizationId: a.organization.id })
    assert.equal(crossed.status, 422, 'the prompt must belong to the agent\u2019s organization')
    const missing = await create(superadmin, { name: 'Nowhere', organizationId: 'f'.repeat(24) })
    assert.equal(missing.status, 404)
    const list = await api(t.app, 'GET', `/api/agents?organizationId=${a.organization.id}`, { token: superadmin.token })
    assert.deepEqual(list.body, { agents: [created.body.agent] })
    const del = await api(t.app, 'DELETE', `/api/agents/${created.body.agent._id}`, { token: superadmin.token })
    assert.equal(del.status, 200)
    assert.deepEqual(await agentsInDb(a.organization.id), [])
  })

  it('rejects bad input with 400 and field paths, writing nothing', async () => {
    const { admin, organization } = await newTenant(t.app)
    const cases: InvalidCase[] = [
      [{ name: 'A', model: 'gpt' }, ['/model']],
      [{}, ['/name']],
      [{ name: '' }, ['/name']],
      [{ name: 'n'.repeat(201) }, ['/name']],
      [{ name: 'A', description: 'd'.repeat(2001) }, ['/description']],
      [{ name: 'A', description: 5 }, ['/description']],
      [{ name: 'A', promptId: 'prompt-1' }, ['/promptId']],
      [{ name: 'A', promptId: 'ABCDEF0123456789ABCDEF0' }, ['/promptId']],
    ]
    await expectEachInvalid((body) => create(admin, body), cases)
    assert.deepEqual(await agentsInDb(organization.id), [])
    const badId = await api(t.app, 'DELETE', '/api/agents/123', { token: admin.token })
    expectInvalid(badId, ['/id'], 'DELETE with a malformed id', 'params')
    const badQuery = await api(t.app, 'GET', '/api/agents?organizationId=zz', { token: admin.token })
    expectInvalid(badQuery, ['/organizationId'], 'list with a malformed organizationId', 'querystring')
  })
})
