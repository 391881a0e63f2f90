import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newTenant } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { seedBulkItems } from '../helpers/seed.ts'

/**
 * A capture runs at REPEATABLE READ, so a snapshot taken while its source user is
 * deleted is either whole or 404. Only PostgreSQL runs the two at the same time
 * (PGlite serializes transactions), so this race can only fail there.
 */
describe('capture races', () => {
  const t = useTestApp()

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

})
