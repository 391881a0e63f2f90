import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, uniqueEmail, uniquePhone, uniqueSuffix } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, sourceSetup } from '../helpers/scenarios.ts'
import { httpJson, startProductionServer, stopAllServers, type ServerProcess } from '../helpers/server.ts'

/**
 * Exactly once across processes: two real servers share one PostgreSQL database
 * and requests racing for one unique value alternate between them. Uniqueness
 * is the database's (unique indexes), not a process-local lock, so the outcome
 * is the same as within one process: one 201, every other request 409.
 */
describe('races across two server processes', () => {
  const t = useTestApp()
  const servers: ServerProcess[] = []

  before(async () => {
    assert.ok(t.database.url, 'the PostgreSQL pass provides a database URL')
    servers.push(...(await Promise.all([1, 2].map(() => startProductionServer({ databaseUrl: t.database.url! })))))
  })
  after(stopAllServers)

  const statusCounts = (statuses: number[]) =>
    statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {})

  async function count(query: ReturnType<typeof sql<{ n: number }>>) {
    return (await query.execute(t.app.ctx.db)).rows[0]!.n
  }

  it('20 user applies for one email, alternating between the servers: one 201, nineteen 409, one user', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const email = uniqueEmail('two-process')
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        httpJson(servers[i % 2]!, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
          token: target.tenant.admin.token,
          body: { newUser: newUserBody(i % 2 ? email : email.toUpperCase()) },
        }),
      ),
    )
    assert.deepEqual(statusCounts(responses.map((r) => r.status)), { 201: 1, 409: 19 }, responses.map((r) => r.raw).join('\n'))
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where lower(email) = ${email}`), 1)
    const winner = responses.find((r) => r.status === 201)!.body.result
    assert.deepEqual(winner.cloned, { automations: 3, prompts: 2, templates: 2 })
  })

  for (const field of ['orgName', 'orgPhone'] as const) {
    it(`20 org applies for one ${field}, alternating between the servers: one 201, nineteen 409, one organization`, async () => {
      const setup = await sourceSetup(t.app)
      const root = await newSuperadmin(t.app)
      const created = await api(t.app, 'POST', '/api/org-snapshots', {
        token: root.token,
        body: { name: 'Two processes', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
      })
      assert.equal(created.status, 201)
      const shared = field === 'orgName' ? `Twin ${uniqueSuffix()}` : uniquePhone()
      const emails = Array.from({ length: 20 }, () => uniqueEmail('first'))
      const responses = await Promise.all(
        emails.map((email, i) =>
          httpJson(servers[i % 2]!, 'POST', `/api/org-snapshots/${created.body.snapshot._id}/apply`, {
            token: root.token,
            body: orgApplyBody({ [field]: shared, firstUser: { email, password: 'TempPass!2026', fullName: `First ${i}` } }),
          }),
        ),
      )
      assert.deepEqual(statusCounts(responses.map((r) => r.status)), { 201: 1, 409: 19 }, responses.map((r) => r.raw).join('\n'))
      const column = field === 'orgName' ? sql`lower(name) = lower(${shared})` : sql`phone_number = ${shared}`
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from organizations where ${column}`), 1)
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = any(${emails})`), 1)
    })
  }
})
