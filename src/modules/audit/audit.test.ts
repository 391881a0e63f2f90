import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newTenant, uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'
import { databaseDigest } from '../../../test/helpers/digest.ts'

/** SPEC §7.3: every change to a snapshot writes its event in its own transaction; GET /api/audit-events reads them. */
describe('audit events', () => {
  const t = useTestApp()

  const eventsOf = async (token: string, query: string) => {
    const response = await api(t.app, 'GET', `/api/audit-events?${query}`, { token })
    assert.equal(response.status, 200, response.raw)
    return response.body as { events: Record<string, any>[]; nextCursor: string | null }
  }

  it('a user snapshot\u2019s create, assign, apply and delete each write one event, newest first', async () => {
    const { setup, target, snapshot, root } = await crossOrgScenario(t.app)
    const admin = setup.tenant.admin
    const shared = await api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, { token: admin.token, body: { isGlobal: true } })
    assert.equal(shared.status, 200, shared.raw)
    const email = uniqueEmail('applied')
    const applied = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: newUserBody(email) },
    })
    assert.equal(applied.status, 201, applied.raw)
    const deleted = await api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token: admin.token })
    assert.equal(deleted.status, 200, deleted.raw)

    // The snapshot is gone; its history is not.
    const { events, nextCursor } = await eventsOf(root.token, `snapshotId=${snapshot._id}`)
    assert.equal(nextCursor, null)
    assert.deepEqual(
      events.map((e) => [e.action, e.actorId]),
      [
        ['snapshot.deleted', admin.id],
        ['snapshot.applied', target.tenant.admin.id],
        ['snapshot.assigned', admin.id],
        ['snapshot.assigned', root.id],
        ['snapshot.created', admin.id],
      ],
    )
    const [deletedEvent, appliedEvent, adminAssign, rootAssign, createdEvent] = events
    for (const event of events) {
      assert.match(event._id, /^[0-9a-f]{24}$/)
      assert.equal(event.snapshotKind, 'user')
      assert.equal(event.snapshotId, snapshot._id)
      assert.equal(event.version, 1)
      assert.equal(event.details.name, 'Top rep')
      assert.ok(!Number.isNaN(Date.parse(event.at)))
      assert.equal(event.jobId, undefined)
    }
    assert.deepEqual(
      { actorName: createdEvent!.actorName, actorRole: createdEvent!.actorRole, organizationId: createdEvent!.organizationId },
      { actorName: admin.fullName, actorRole: 'ADMIN', organizationId: setup.tenant.organization.id },
    )
    assert.deepEqual(createdEvent!.details.counts, { automations: 3, prompts: 2, templates: 2 })
    assert.equal(createdEvent!.targetOrganizationId, undefined)
    assert.deepEqual(rootAssign!.details, {
      name: 'Top rep',
      isGlobal: false,
      assignedOrgIds: [setup.tenant.organization.id, target.tenant.organization.id],
      previous: { isGlobal: false, assignedOrgIds: [setup.tenant.organization.id] },
    })
    assert.equal(rootAssign!.actorRole, 'SUPERADMIN')
    assert.equal(adminAssign!.details.isGlobal, true)
    assert.equal(adminAssign!.details.previous.isGlobal, false)
    assert.equal(appliedEvent!.organizationId, target.tenant.organization.id)
    assert.equal(appliedEvent!.targetOrganizationId, target.tenant.organization.id)
    assert.deepEqual(appliedEvent!.details, {
      name: 'Top rep',
      userId: applied.body.result.userId,
      userEmail: email,
      cloned: applied.body.result.cloned,
    })
    assert.equal(deletedEvent!.targetOrganizationId, undefined)
  })

  it('an org snapshot\u2019s create, apply and delete each write one event; the apply names the new organization', async () => {
    const source = await orgSourceSetup(t.app)
    const body = orgApplyBody()
    const applied = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, { token: source.root.token, body })
    assert.equal(applied.status, 201, applied.raw)
    const deleted = await api(t.app, 'DELETE', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })
    assert.equal(deleted.status, 200, deleted.raw)

    const { events } = await eventsOf(source.root.token, `snapshotId=${source.snapshot._id}`)
    assert.deepEqual(
      events.map((e) => e.action),
      ['snapshot.deleted', 'snapshot.applied', 'snapshot.created'],
    )
    for (const event of events) {
      assert.equal(event.snapshotKind, 'org')
      assert.equal(event.actorId, source.root.id)
      assert.equal(event.organizationId, source.root.organizationId)
    }
    const appliedEvent = events[1]!
    assert.equal(appliedEvent.targetOrganizationId, applied.body.result.organizationId)
    assert.equal(appliedEvent.details.organizationName, body.orgName)
    assert.deepEqual(appliedEvent.details.cloned, applied.body.result.cloned)
    assert.equal(events[2]!.details.counts.pipelines, 1)
  })

  it('a request that fails, is refused or is a dry run writes no event', async () => {
    const { setup, target, snapshot, root } = await crossOrgScenario(t.app)
    const other = await newTenant(t.app)
    const before = await databaseDigest(t.app.ctx.db)
    const attempts = [
      // Dry run: nothing is written.
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?dryRun=true`, {
        token: target.tenant.admin.token,
        body: { newUser: newUserBody() },
      }).then((r) => assert.equal(r.status, 200, r.raw)),
      // The email exists: the apply fails after planning.
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body: { newUser: newUserBody(setup.tenant.salesRep.email) },
      }).then((r) => assert.equal(r.status, 409, r.raw)),
      // Unknown organization in the assignment: 400.
      api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, {
        token: root.token,
        body: { assignedOrgIds: ['fffffffffffffffffffffff0'] },
      }).then((r) => assert.equal(r.status, 400, r.raw)),
      // Not the creator: 403.
      api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token: target.tenant.admin.token }).then((r) =>
        assert.equal(r.status, 403, r.raw),
      ),
      // Another organization's user: 403 before anything is captured.
      api(t.app, 'POST', '/api/user-snapshots', {
        token: other.admin.token,
        body: { name: 'Nope', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
      }).then((r) => assert.equal(r.status, 403, r.raw)),
      // A source user outside the source organization: 404.
      api(t.app, 'POST', '/api/user-snapshots', {
        token: root.token,
        body: { name: 'Nope', sourceOrgId: setup.tenant.organization.id, sourceUserId: other.salesRep.id },
      }).then((r) => assert.equal(r.status, 404, r.raw)),
    ]
    for (const attempt of attempts) await attempt
    assert.deepEqual(await databaseDigest(t.app.ctx.db), before)
  })

  it('an ADMIN sees the events their organization acted in or was the target of; other roles get 403', async () => {
    const { setup, target, snapshot, root } = await crossOrgScenario(t.app)
    // Into the source organization, then into the target's.
    const applied = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?organizationId=${setup.tenant.organization.id}`, {
      token: root.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(applied.status, 201, applied.raw)
    const intoTarget = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply?organizationId=${target.tenant.organization.id}`, {
      token: root.token,
      body: { newUser: newUserBody() },
    })
    assert.equal(intoTarget.status, 201, intoTarget.raw)

    // The source admin: their own create and the apply into their organization, not the superadmin's
    // assign nor the apply into another organization.
    const sourceView = await eventsOf(setup.tenant.admin.token, `snapshotId=${snapshot._id}`)
    assert.deepEqual(
      sourceView.events.map((e) => [e.action, e.targetOrganizationId]),
      [
        ['snapshot.applied', setup.tenant.organization.id],
        ['snapshot.created', undefined],
      ],
    )
    // The target admin: only the apply a superadmin made into their organization.
    const targetView = await eventsOf(target.tenant.admin.token, `snapshotId=${snapshot._id}`)
    assert.deepEqual(
      targetView.events.map((e) => [e.action, e.actorId, e.targetOrganizationId]),
      [['snapshot.applied', root.id, target.tenant.organization.id]],
    )
    // Without a filter an admin still sees only their organization's events.
    const everything = await eventsOf(target.tenant.admin.token, 'limit=200')
    for (const event of everything.events) {
      assert.ok(
        event.organizationId === target.tenant.organization.id || event.targetOrganizationId === target.tenant.organization.id,
        JSON.stringify(event),
      )
    }
    // Naming their own organization is the same; naming another is 403.
    assert.equal((await eventsOf(target.tenant.admin.token, `organizationId=${target.tenant.organization.id}`)).events.length, 1)
    const foreign = await api(t.app, 'GET', `/api/audit-events?organizationId=${setup.tenant.organization.id}`, {
      token: target.tenant.admin.token,
    })
    assert.equal(foreign.status, 403)
    expectErrorShape(foreign)
    for (const user of [target.tenant.departmentHead, target.tenant.salesRep]) {
      const refused = await api(t.app, 'GET', '/api/audit-events', { token: user.token })
      assert.equal(refused.status, 403)
    }
    assert.equal((await api(t.app, 'GET', '/api/audit-events')).status, 401)

    // A superadmin sees everything, and may narrow to one organization (actor or target).
    const all = await eventsOf(root.token, `snapshotId=${snapshot._id}`)
    assert.deepEqual(all.events.map((e) => e.action), ['snapshot.applied', 'snapshot.applied', 'snapshot.assigned', 'snapshot.created'])
    const ofTarget = await eventsOf(root.token, `snapshotId=${snapshot._id}&organizationId=${target.tenant.organization.id}`)
    assert.deepEqual(ofTarget.events.map((e) => e.targetOrganizationId), [target.tenant.organization.id])
  })

  it('filters by action, pages newest first with nextCursor, and refuses a bad cursor or action', async () => {
    const setup = await sourceSetup(t.app)
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await snapshotOf(t.app, setup, setup.tenant.admin.token, `Page ${i}`))._id)
    await api(t.app, 'DELETE', `/api/user-snapshots/${ids[0]}`, { token: setup.tenant.admin.token })
    const token = setup.tenant.admin.token

    const created = await eventsOf(token, 'action=snapshot.created')
    assert.deepEqual(created.events.map((e) => e.snapshotId), [...ids].reverse())
    const deleted = await eventsOf(token, 'action=snapshot.deleted')
    assert.deepEqual(deleted.events.map((e) => e.snapshotId), [ids[0]])

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { events: Record<string, any>[]; nextCursor: string | null } = await eventsOf(
        token,
        `action=snapshot.created&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      assert.ok(page.events.length <= 2)
      seen.push(...page.events.map((e) => e.snapshotId))
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(seen, [...ids].reverse())

    for (const query of ['cursor=not-a-cursor', 'action=snapshot.renamed', 'limit=0', 'limit=201', 'snapshotId=xyz', 'extra=1']) {
      const refused = await api(t.app, 'GET', `/api/audit-events?${query}`, { token })
      assert.equal(refused.status, 400, `${query}: ${refused.raw}`)
      expectErrorShape(refused)
    }
  })
})
