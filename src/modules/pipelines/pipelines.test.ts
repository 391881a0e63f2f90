import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { raceTest } from '../../../test/helpers/database.ts'
import { newSuperadmin, newTenant, type TestUser } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { expectEachInvalid, expectInvalid, type InvalidCase } from '../../../test/helpers/validation.ts'

const salesStages = [
  { name: 'New Lead', color: '#3B82F6' },
  { name: 'Contacted' },
  { name: 'Won', color: '#10b981', isActive: false },
]

describe('pipelines', () => {
  const t = useTestApp()

  const create = (user: TestUser, body: Record<string, unknown>) =>
    api(t.app, 'POST', '/api/pipelines', { token: user.token, body })
  const update = (user: TestUser, id: string, body: Record<string, unknown>) =>
    api(t.app, 'PUT', `/api/pipelines/${id}`, { token: user.token, body })
  const stagesInDb = (pipelineId: string) =>
    t.app.ctx.db
      .selectFrom('pipeline_stages')
      .select(['id', 'name', 'color', 'position', 'is_active', 'organization_id'])
      .where('pipeline_id', '=', pipelineId)
      .orderBy('position')
      .execute()
  const pipelinesInDb = (organizationId: string) =>
    t.app.ctx.db.selectFrom('pipelines').selectAll().where('organization_id', '=', organizationId).orderBy('created_at').execute()

  it('creates a pipeline with defaults filled in and stores its stages', async () => {
    const { admin, organization } = await newTenant(t.app)
    const r = await create(admin, { name: 'Sales', description: 'Main funnel', type: 'Contact', stages: salesStages })
    assert.equal(r.status, 201)
    const { pipeline } = r.body
    assert.match(pipeline._id, /^[0-9a-f]{24}$/)
    assert.deepEqual(
      { ...pipeline, _id: undefined, stages: undefined, createdAt: undefined, updatedAt: undefined },
      {
        _id: undefined,
        organizationId: organization.id,
        name: 'Sales',
        description: 'Main funnel',
        type: 'Contact',
        isDefault: false,
        isActive: true,
        stages: undefined,
        createdAt: undefined,
        updatedAt: undefined,
      },
    )
    assert.ok(!Number.isNaN(Date.parse(pipeline.createdAt)))
    assert.deepEqual(
      pipeline.stages.map(({ _id, ...rest }: { _id: string }) => rest),
      [
        { name: 'New Lead', color: '#3B82F6', position: 0, isActive: true },
        { name: 'Contacted', color: '#6B7280', position: 1, isActive: true },
        { name: 'Won', color: '#10b981', position: 2, isActive: false },
      ],
    )
    const rows = await stagesInDb(pipeline._id)
    assert.deepEqual(
      rows.map((s) => [s.id, s.name, s.organization_id]),
      pipeline.stages.map((s: { _id: string; name: string }) => [s._id, s.name, organization.id]),
    )
  })

  it('lists every pipeline of the organization to all roles, stages by position, and filters by type', async () => {
    const { admin, salesRep, departmentHead } = await newTenant(t.app)
    const contact = await create(admin, {
      name: 'Leads',
      type: 'Contact',
      stages: [
        { name: 'Third', position: 30 },
        { name: 'First', position: 10 },
        { name: 'Second', position: 20 },
      ],
    })
    const application = await create(admin, { name: 'Loans', type: 'Application' })
    assert.equal(contact.status, 201)
    assert.deepEqual(
      contact.body.pipeline.stages.map((s: { name: string }) => s.name),
      ['First', 'Second', 'Third'],
    )

    for (const user of [salesRep, departmentHead, admin]) {
      const all = await api(t.app, 'GET', '/api/pipelines', { token: user.token })
      assert.equal(all.status, 200)
      assert.deepEqual(all.body.pipelines, [contact.body.pipeline, application.body.pipeline])
    }
    const onlyApplications = await api(t.app, 'GET', '/api/pipelines?type=Application', { token: salesRep.token })
    assert.deepEqual(onlyApplications.body.pipelines, [application.body.pipeline])
  })

  it('replaces stages on update: given ids are kept and updated, new ones added, missing ones deleted', async () => {
    const { admin } = await newTenant(t.app)
    const created = await create(admin, { name: 'Sales', type: 'Contact', stages: salesStages })
    const [lead, contacted, won] = created.body.pipeline.stages
    const r = await update(admin, created.body.pipeline._id, {
      name: 'Sales v2',
      stages: [
        // swapping two names in one request must not trip the (pipeline, name) constraint
        { _id: contacted._id, name: 'New Lead', color: '#000000' },
        { _id: lead._id, name: 'Contacted' },
        { name: 'Lost', isActive: false },
        { _id: won._id, name: 'Won', position: 7 },
      ],
    })
    assert.equal(r.status, 200)
    const { pipeline } = r.body
    assert.equal(pipeline.name, 'Sales v2')
    assert.equal(pipeline.description, null)
    assert.deepEqual(
      pipeline.stages.map(({ _id, ...rest }: { _id: string }) => rest),
      [
        { name: 'New Lead', color: '#000000', position: 0, isActive: true },
        // a kept stage keeps the colour and flag it is not given
        { name: 'Contacted', color: '#3B82F6', position: 1, isActive: true },
        { name: 'Lost', color: '#6B7280', position: 2, isActive: false },
        { name: 'Won', color: '#10b981', position: 7, isActive: false },
      ],
    )
    assert.equal(pipeline.stages[0]._id, contacted._id)
    assert.equal(pipeline.stages[1]._id, lead._id)
    assert.equal(pipeline.stages[3]._id, won._id)
    assert.ok(![lead._id, contacted._id, won._id].includes(pipeline.stages[2]._id))

    const rows = await stagesInDb(pipeline._id)
    assert.deepEqual(
      rows.map((s) => s.id),
      pipeline.stages.map((s: { _id: string }) => s._id),
    )

    const dropped = await update(admin, pipeline._id, { stages: pipeline.stages.slice(0, 2) })
    assert.equal(dropped.status, 200)
    assert.deepEqual(dropped.body.pipeline.stages, pipeline.stages.slice(0, 2))
    const remaining = await stagesInDb(pipeline._id)
    assert.deepEqual(
      remaining.map((s) => s.id),
      [contacted._id, lead._id],
      'the stages left out are deleted',
    )

    const unchangedStages = await update(admin, pipeline._id, { isActive: false })
    assert.equal(unchangedStages.status, 200)
    assert.equal(unchangedStages.body.pipeline.isActive, false)
    assert.deepEqual(unchangedStages.body.pipeline.stages, dropped.body.pipeline.stages, 'stages stay when not given')
  })

  it('rejects a stage _id that is not a stage of this pipeline with 400, changing nothing', async () => {
    const { admin } = await newTenant(t.app)
    const first = await create(admin, { name: 'One', type: 'Contact', stages: [{ name: 'A' }] })
    const second = await create(admin, { name: 'Two', type: 'Contact', stages: [{ name: 'B' }] })
    const foreignStageId = second.body.pipeline.stages[0]._id
    const ownStageId = first.body.pipeline.stages[0]._id
    const r = await update(admin, first.body.pipeline._id, {
      name: 'Renamed',
      stages: [{ _id: ownStageId, name: 'A2' }, { _id: foreignStageId, name: 'B2' }, { _id: ownStageId, name: 'A3' }],
    })
    assert.equal(r.status, 400)
    assert.deepEqual(expectErrorShape(r).details, [
      { location: 'body', path: '/stages/1/_id', message: 'is not a stage of this pipeline' },
      { location: 'body', path: '/stages/2/_id', message: 'names the same stage twice' },
    ])
    const [row] = await t.app.ctx.db.selectFrom('pipelines').select('name').where('id', '=', first.body.pipeline._id).execute()
    assert.equal(row?.name, 'One')
    assert.deepEqual(
      (await stagesInDb(first.body.pipeline._id)).map((s) => [s.id, s.name]),
      [[ownStageId, 'A']],
    )
    assert.deepEqual(
      (await stagesInDb(second.body.pipeline._id)).map((s) => s.name),
      ['B'],
    )
  })

  it('rejects duplicate stage names with 400 naming each duplicate, on create and update', async () => {
    const { admin, organization } = await newTenant(t.app)
    const r = await create(admin, {
      name: 'Dupes',
      type: 'Contact',
      stages: [{ name: 'New' }, { name: 'Open' }, { name: 'New' }, { name: 'Open' }, { name: 'new' }],
    })
    assert.equal(r.status, 400)
    const body = expectErrorShape(r)
    assert.equal(body.error, 'Validation error')
    assert.deepEqual(body.details, [
      { location: 'body', path: '/stages/2/name', message: 'duplicates the name "New" of stage 0' },
      { location: 'body', path: '/stages/3/name', message: 'duplicates the name "Open" of stage 1' },
    ])
    assert.equal((await pipelinesInDb(organization.id)).length, 0)

    const created = await create(admin, { name: 'Ok', type: 'Contact', stages: [{ name: 'A' }, { name: 'B' }] })
    const [a] = created.body.pipeline.stages
    const u = await update(admin, created.body.pipeline._id, { stages: [{ _id: a._id, name: 'B' }, { name: 'B' }] })
    assert.equal(u.status, 400)
    assert.deepEqual(expectErrorShape(u).details, [
      { location: 'body', path: '/stages/1/name', message: 'duplicates the name "B" of stage 0' },
    ])
    assert.deepEqual(
      (await stagesInDb(created.body.pipeline._id)).map((s) => s.name),
      ['A', 'B'],
    )
  })

  it('keeps one default pipeline per type: a new default unsets the previous one of that type only', async () => {
    const { admin, organization } = await newTenant(t.app)
    const other = await newTenant(t.app)
    const otherDefault = await create(other.admin, { name: 'Theirs', type: 'Contact', isDefault: true })
    const a = await create(admin, { name: 'A', type: 'Contact', isDefault: true })
    const b = await create(admin, { name: 'B', type: 'Application', isDefault: true })
    const c = await create(admin, { name: 'C', type: 'Contact', isDefault: true })
    assert.equal(c.status, 201)
    assert.equal(c.body.pipeline.isDefault, true)

    const defaults = async () =>
      (await pipelinesInDb(organization.id)).filter((p) => p.is_default).map((p) => [p.name, p.type])
    assert.deepEqual(await defaults(), [
      ['B', 'Application'],
      ['C', 'Contact'],
    ])

    const again = await update(admin, a.body.pipeline._id, { isDefault: true })
    assert.equal(again.status, 200)
    assert.deepEqual(await defaults(), [
      ['A', 'Contact'],
      ['B', 'Application'],
    ])

    // Moving the Contact default to Application takes over that type's default too.
    const moved = await update(admin, a.body.pipeline._id, { type: 'Application' })
    assert.equal(moved.status, 200)
    assert.deepEqual(await defaults(), [['A', 'Application']])
    assert.equal(b.body.pipeline.isDefault, true)

    const theirs = await t.app.ctx.db.selectFrom('pipelines').select('is_default').where('id', '=', otherDefault.body.pipeline._id).executeTakeFirst()
    assert.equal(theirs?.is_default, true, 'another organization\u2019s default is untouched')
  })

  it('lets concurrent requests each make their pipeline the default: all succeed, exactly one default remains', raceTest, async () => {
    const { admin, organization } = await newTenant(t.app)
    const existing = await create(admin, { name: 'Existing', type: 'Contact', isDefault: true })
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => create(admin, { name: `Racer ${i}`, type: 'Contact', isDefault: true })),
      update(admin, existing.body.pipeline._id, { name: 'Existing again', isDefault: true }),
    ])
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201, 201, 201, 200],
    )
    const defaults = (await pipelinesInDb(organization.id)).filter((p) => p.is_default && p.type === 'Contact')
    assert.equal(defaults.length, 1)
  })

  it('deletes a pipeline with its stages', async () => {
    const { admin } = await newTenant(t.app)
    const created = await create(admin, { name: 'Gone', type: 'Contact', stages: salesStages })
    const id = created.body.pipeline._id
    const r = await api(t.app, 'DELETE', `/api/pipelines/${id}`, { token: admin.token })
    assert.equal(r.status, 200)
    assert.deepEqual(r.body, { message: 'Pipeline deleted' })
    assert.equal((await stagesInDb(id)).length, 0)
    assert.equal(
      (await t.app.ctx.db.selectFrom('pipelines').select('id').where('id', '=', id).execute()).length,
      0,
    )
    const again = await api(t.app, 'DELETE', `/api/pipelines/${id}`, { token: admin.token })
    assert.equal(again.status, 404)
    assert.equal(expectErrorShape(again).error, 'Pipeline not found')
  })

  it('lets only ADMIN and SUPERADMIN write', async () => {
    const { admin, departmentHead, salesRep, organization } = await newTenant(t.app)
    const created = await create(admin, { name: 'Sales', type: 'Contact' })
    const id = created.body.pipeline._id
    for (const user of [departmentHead, salesRep]) {
      const attempts = [
        await create(user, { name: 'Mine', type: 'Contact' }),
        await update(user, id, { name: 'Mine' }),
        await api(t.app, 'DELETE', `/api/pipelines/${id}`, { token: user.token }),
      ]
      for (const r of attempts) {
        assert.equal(r.status, 403)
        expectErrorShape(r)
      }
    }
    assert.deepEqual(
      (await pipelinesInDb(organization.id)).map((p) => p.name),
      ['Sales'],
    )
    assert.equal((await api(t.app, 'GET', '/api/pipelines')).status, 401)
  })

  it('hides other organizations\u2019 pipelines: 404 on every id route, absent from lists', async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    const created = await create(a.admin, { name: 'Secret', type: 'Contact', stages: [{ name: 'X' }] })
    const id = created.body.pipeline._id
    const put = await update(b.admin, id, { name: 'Stolen' })
    const del = await api(t.app, 'DELETE', `/api/pipelines/${id}`, { token: b.admin.token })
    for (const r of [put, del]) {
      assert.equal(r.status, 404)
      assert.equal(expectErrorShape(r).error, 'Pipeline not found')
    }
    const list = await api(t.app, 'GET', '/api/pipelines', { token: b.admin.token })
    assert.deepEqual(list.body.pipelines, [])
    const row = await t.app.ctx.db.selectFrom('pipelines').select('name').where('id', '=', id).executeTakeFirst()
    assert.equal(row?.name, 'Secret')
    assert.equal((await stagesInDb(id)).length, 1)
  })

  it('lets a SUPERADMIN work on any organization and refuses an ADMIN naming another one', async () => {
    const a = await newTenant(t.app)
    const b = await newTenant(t.app)
    const superadmin = await newSuperadmin(t.app)
    const created = await create(superadmin, { name: 'Seeded', type: 'Contact', organizationId: a.organization.id })
    assert.equal(created.status, 201)
    assert.equal(created.body.pipeline.organizationId, a.organization.id)
    const listed = await api(t.app, 'GET', `/api/pipelines?organizationId=${a.organization.id}`, { token: superadmin.token })
    assert.deepEqual(listed.body.pipelines, [created.body.pipeline])
    assert.equal((await update(superadmin, created.body.pipeline._id, { name: 'Tuned' })).status, 200)

    const missingOrg = await create(superadmin, { name: 'X', type: 'Contact', organizationId: 'f'.repeat(24) })
    assert.equal(missingOrg.status, 404)

    const foreign = await create(b.admin, { name: 'X', type: 'Contact', organizationId: a.organization.id })
    assert.equal(foreign.status, 403)
    const foreignList = await api(t.app, 'GET', `/api/pipelines?organizationId=${a.organization.id}`, { token: b.admin.token })
    assert.equal(foreignList.status, 403)
    assert.deepEqual(
      (await pipelinesInDb(a.organization.id)).map((p) => p.name),
      ['Tuned'],
    )
  })

  it('rejects bad input with 400 and field paths, writing nothing', async () => {
    const { admin, organization } = await newTenant(t.app)
    const cases: InvalidCase[] = [
      [{ name: 'P', type: 'Contact', extra: 1 }, ['/extra']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'A', _id: 'a'.repeat(24) }] }, ['/stages/0/_id']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'A', colour: '#000000' }] }, ['/stages/0/colour']],
      [{ name: 'P', type: 'Lead' }, ['/type']],
      [{ name: 'P' }, ['/type']],
      [{ name: '', type: 'Contact' }, ['/name']],
      [{ name: 'x'.repeat(201), type: 'Contact' }, ['/name']],
      [{ name: 'P', type: 'Contact', description: 'd'.repeat(2001) }, ['/description']],
      [{ name: 'P', type: 'Contact', isDefault: 'yes' }, ['/isDefault']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'A', color: 'red' }] }, ['/stages/0/color']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'A', position: '1' }] }, ['/stages/0/position']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'A', position: -1 }] }, ['/stages/0/position']],
      [{ name: 'P', type: 'Contact', stages: [{ name: 'n'.repeat(101) }] }, ['/stages/0/name']],
      [{ name: 'P', type: 'Contact', stages: 'New' }, ['/stages']],
      [{ name: 'P', type: 'Contact', stages: Array.from({ length: 101 }, (_, i) => ({ name: `S${i}` })) }, ['/stages']],
      [{ name: 'P', type: 'Contact', organizationId: 'not-an-id' }, ['/organizationId']],
    ]
    await expectEachInvalid((body) => create(admin, body), cases)
    assert.equal((await pipelinesInDb(organization.id)).length, 0)

    const created = await create(admin, { name: 'Real', type: 'Contact' })
    const id = created.body.pipeline._id
    await expectEachInvalid((body) => update(admin, id, body), [
      [{}, ['/']],
      [{ name: 'Z', stages: [{ name: 'A', rank: 1 }] }, ['/stages/0/rank']],
      [{ type: 'Lead', isActive: 'no' }, ['/type', '/isActive']],
      [{ stages: [{ _id: 'short', name: 'A' }] }, ['/stages/0/_id']],
    ])
    expectInvalid(await update(admin, 'nope', { name: 'Z' }), ['/id'], 'PUT with a malformed id', 'params')
    const badDelete = await api(t.app, 'DELETE', '/api/pipelines/ABCDEF', { token: admin.token })
    expectInvalid(badDelete, ['/id'], 'DELETE with a malformed id', 'params')
    const badType = await api(t.app, 'GET', '/api/pipelines?type=Lead', { token: admin.token })
    expectInvalid(badType, ['/type'], 'list with a bad type', 'querystring')
    assert.deepEqual(
      (await pipelinesInDb(organization.id)).map((p) => p.name),
      ['Real'],
    )
  })
})
