import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { seedAgent, seedBulkItems, seedPipeline } from '../../../test/helpers/seed.ts'

/** Bulk work is set-based: the statements of a capture or an apply do not grow with the items. */
describe('snapshot statements', () => {
  const t = useTestApp({ recordQueries: true })

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
