import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { seedAgent, seedBulkItems, seedPipeline, tenantFootprint } from '../../../test/helpers/seed.ts'
import { crossOrgScenario } from '../../../test/helpers/scenarios.ts'

/** Test-only fault injection: fail the named step of the next applies. */
const fault = { step: null as string | null }

describe('user snapshots: all or nothing', () => {
  const t = useTestApp({
    faults: (step) => {
      if (step === fault.step) throw new Error(`injected failure after step ${step}`)
    },
    recordQueries: true,
  })

  const shared = () => crossOrgScenario(t.app)

  it('a failure after the last insert rolls everything back (500, nothing written)', async () => {
    const { target, snapshot } = await shared()
    const org = target.tenant.organization.id
    const contents = () =>
      t.app.ctx.db
        .selectFrom('users')
        .select(['id', 'email'])
        .where('organization_id', '=', org)
        .orderBy('id')
        .execute()
    const before = { footprint: await tenantFootprint(t.app, org), users: await contents() }
    const email = uniqueEmail('rollback')
    fault.step = 'templates'
    try {
      const response = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body: { newUser: { email, password: 'TempPass!2026', fullName: 'Roll Back', accessRole: 'SALES_REP' } },
      })
      assert.equal(response.status, 500)
      const error = expectErrorShape(response)
      assert.ok(!response.raw.includes('injected'), 'internal messages never leak')
      assert.equal(error.error, 'Internal server error')
    } finally {
      fault.step = null
    }
    assert.deepEqual({ footprint: await tenantFootprint(t.app, org), users: await contents() }, before)
    const orphans = await t.app.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()
    assert.deepEqual(orphans, [])

    // The same apply succeeds once the fault is gone.
    const retry = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
      token: target.tenant.admin.token,
      body: { newUser: { email, password: 'TempPass!2026', fullName: 'Roll Back', accessRole: 'SALES_REP' } },
    })
    assert.equal(retry.status, 201)
  })

  it('concurrent applies racing for one email: exactly one 201, the rest 409, one user', async () => {
    const { target, snapshot } = await shared()
    const email = uniqueEmail('race')
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
          token: target.tenant.admin.token,
          body: { newUser: { email: i % 2 ? email : email.toUpperCase(), password: 'TempPass!2026', fullName: `Racer ${i}`, accessRole: 'SALES_REP' } },
        }),
      ),
    )
    const statuses = responses.map((r) => r.status).sort()
    assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409])
    const users = await t.app.ctx.db
      .selectFrom('users')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
      .execute()
    assert.equal(users.length, 1)
    const winner = responses.find((r) => r.status === 201)!
    const automations = await t.app.ctx.db.selectFrom('automations').select('id').where('user_id', '=', winner.body.result.userId).execute()
    assert.equal(automations.length, 3)
  })

  it('a capture racing with the deletion of its source user is complete or 404, never partial', async () => {
    for (let round = 0; round < 6; round++) {
      const source = await newTenant(t.app)
      await seedBulkItems(t.app, source.organization.id, source.salesRep.id, {
        automations: 300,
        prompts: 300,
        templates: 300,
        promptBytes: 2000,
      })
      const [captured, deleted] = await Promise.all([
        api(t.app, 'POST', '/api/user-snapshots', {
          token: source.admin.token,
          body: { name: `race ${round}`, sourceOrgId: source.organization.id, sourceUserId: source.salesRep.id },
        }),
        api(t.app, 'DELETE', `/api/user/${source.salesRep.id}`, { token: source.admin.token }),
      ])
      assert.equal(deleted.status, 200)
      if (captured.status === 404) continue
      assert.equal(captured.status, 201, captured.raw)
      assert.deepEqual(captured.body.snapshot.counts, { automations: 300, prompts: 300, templates: 300 })
      const stored = await t.app.ctx.db
        .selectFrom('snapshot_prompts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('version_id', '=', captured.body.snapshot._id)
        .executeTakeFirstOrThrow()
      assert.equal(Number(stored.n), 300)
    }
  })

  it('issues the same number of SQL statements for 10 and for 1,000 items', async () => {
    async function statementsFor(items: number): Promise<{ capture: number; apply: number; dryRun: number }> {
      const source = await newTenant(t.app)
      const rep = source.salesRep.id
      await seedPipeline(t.app, source.organization.id, 'Sales', ['New', 'Contacted'])
      const agent = await seedAgent(t.app, source.organization.id, 'Closer')
      const third = Math.ceil(items / 3)
      await seedBulkItems(t.app, source.organization.id, rep, {
        automations: third,
        prompts: third,
        templates: items - 2 * third,
        referenceEvery: 2,
        agentId: agent,
      })
      const target = await newTenant(t.app)
      await seedPipeline(t.app, target.organization.id, 'Target', ['Fresh', 'Reached Out'])
      const targetAgent = await seedAgent(t.app, target.organization.id, 'Other')
      const root = await newSuperadmin(t.app)

      const mark = () => t.queries.length
      let start = mark()
      const created = await api(t.app, 'POST', '/api/user-snapshots', {
        token: root.token,
        body: { name: `n=${items}`, sourceOrgId: source.organization.id, sourceUserId: rep },
      })
      assert.equal(created.status, 201)
      const capture = mark() - start
      const snapshotId = created.body.snapshot._id
      // Every referencing automation gets an explicit mapping: the remap must still be one statement.
      const names = (await t.app.ctx.db.selectFrom('snapshot_refs').select('automation_name').distinct().where('version_id', '=', snapshotId).execute()).map((r) => r.automation_name)
      const body = {
        newUser: { email: uniqueEmail('bulk'), password: 'TempPass!2026', fullName: 'Bulk', accessRole: 'SALES_REP' },
        pipelineMapping: Object.fromEntries(names.map((n) => [n, { New: 'Fresh', Contacted: 'Reached Out' }])),
        agentMapping: Object.fromEntries(names.map((n) => [n, { Closer: targetAgent }])),
      }
      const url = `/api/user-snapshots/${snapshotId}/apply?organizationId=${target.organization.id}`
      start = mark()
      const dry = await api(t.app, 'POST', `${url}&dryRun=true`, { token: root.token, body })
      assert.equal(dry.body.plan.wouldSucceed, true, JSON.stringify(dry.body.plan.problems))
      const dryRun = mark() - start
      start = mark()
      const applied = await api(t.app, 'POST', url, { token: root.token, body })
      assert.equal(applied.status, 201, applied.raw)
      assert.equal(applied.body.result.cloned.automations + applied.body.result.cloned.prompts + applied.body.result.cloned.templates, items)
      const apply = mark() - start
      const remapped = await t.app.ctx.db
        .selectFrom('automations')
        .select(['source_statuses', 'actions'])
        .where('user_id', '=', applied.body.result.userId)
        .where('name', '=', names[0]!)
        .executeTakeFirstOrThrow()
      assert.deepEqual(remapped.source_statuses, ['Fresh'])
      assert.equal(remapped.actions.targetStage, 'Reached Out')
      assert.equal(remapped.actions.agentId, targetAgent)
      return { capture, apply, dryRun }
    }
    const small = await statementsFor(10)
    const large = await statementsFor(1000)
    assert.deepEqual(large, small)
    assert.ok(small.apply <= 25, `apply issued ${small.apply} statements`)
  })
})
