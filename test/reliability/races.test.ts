import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, uniqueEmail, uniquePhone, uniqueSuffix } from '../helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from '../helpers/http.ts'
import { matchingTarget, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'

/**
 * Exactly once under races: many requests for one unique value end in exactly one
 * success and a 409 for everyone else, and leave nothing of the losers behind.
 */

const fullUserClone = { automations: 3, prompts: 2, templates: 2 }

function statusCounts(responses: ApiResponse[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1
  return counts
}

/** Varies the case of a string (uniqueness of emails and org names ignores case). */
const caseVariant = (value: string, i: number) => (i % 3 === 0 ? value.toUpperCase() : i % 3 === 1 ? value.toLowerCase() : value)

describe('races', () => {
  const t = useTestApp()

  async function sharedSnapshot() {
    const setup = await sourceSetup(t.app)
    const target = await matchingTarget(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const root = await newSuperadmin(t.app)
    const assigned = await api(t.app, 'PATCH', `/api/user-snapshots/${snapshot._id}/assign`, {
      token: root.token,
      body: { assignedOrgIds: [setup.tenant.organization.id, target.tenant.organization.id] },
    })
    assert.equal(assigned.status, 200)
    return { setup, target, snapshot, root }
  }

  async function count(query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
    const { rows } = await query.execute(t.app.ctx.db)
    return rows[0]!.n
  }

  /** Every successful user apply created the user with every item of the snapshot. */
  async function assertCompleteUserApply(response: ApiResponse) {
    assert.deepEqual(response.body.result.cloned, fullUserClone)
    const userId: string = response.body.result.userId
    const rows = await count(sql<{ n: number }>`
      select ((select count(*) from automations where user_id = ${userId})
            + (select count(*) from prompts where user_id = ${userId})
            + (select count(*) from templates where user_id = ${userId}))::int as n`)
    assert.equal(rows, 7, `user ${userId} has all 7 items`)
  }

  it('20 user applies racing for one email: one 201, nineteen 409, one user with all items', async () => {
    const { target, snapshot } = await sharedSnapshot()
    const email = uniqueEmail('race')
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
          token: target.tenant.admin.token,
          body: { newUser: newUserBody(caseVariant(email, i), { fullName: `Racer ${i}` }) },
        }),
      ),
    )
    assert.deepEqual(statusCounts(responses), { 201: 1, 409: 19 })
    for (const r of responses.filter((r) => r.status === 409)) assert.equal(expectErrorShape(r).error, 'Email already exists')
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where lower(email) = ${email}`), 1)
    await assertCompleteUserApply(responses.find((r) => r.status === 201)!)
  })

  for (const field of ['orgName', 'orgPhone'] as const) {
    it(`20 org applies racing for one ${field}: one 201, nineteen 409, one organization and nothing else`, async () => {
      const source = await orgSourceSetup(t.app)
      const shared = field === 'orgName' ? `Race ${uniqueSuffix()}` : uniquePhone()
      const emails = Array.from({ length: 20 }, () => uniqueEmail('first'))
      const responses = await Promise.all(
        emails.map((email, i) =>
          api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, {
            token: source.root.token,
            body: orgApplyBody({
              [field]: field === 'orgName' ? caseVariant(shared, i) : shared,
              firstUser: { email, password: 'TempPass!2026', fullName: `First ${i}` },
              credentials: { anthropicApiKey: `sk-race-${uniqueSuffix()}` },
            }),
          }),
        ),
      )
      assert.deepEqual(statusCounts(responses), { 201: 1, 409: 19 })
      const column = field === 'orgName' ? sql`lower(name) = lower(${shared})` : sql`phone_number = ${shared}`
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from organizations where ${column}`), 1)
      // The losers left no user, and the winner's organization is complete.
      const winner = responses.find((r) => r.status === 201)!.body.result
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = any(${emails})`), 1)
      assert.deepEqual(winner.cloned, { pipelines: 1, automations: 3, prompts: 2, templates: 2, stages: 3, agents: 1, dynamicProperties: 1 })
    })
  }
})
