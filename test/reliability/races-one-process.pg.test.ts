import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../helpers/app.ts'
import { uniqueEmail, uniquePhone, uniqueSuffix } from '../helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from '../helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf } from '../helpers/scenarios.ts'

/**
 * PostgreSQL only: PGlite runs one transaction at a time, so none of these races can
 * happen there, and a test that cannot fail proves nothing.
 *
 * Exactly once under races: many requests for one unique value end in exactly one
 * success and a 409 for everyone else, and requests racing on one snapshot
 * (create, assign, delete, apply) never answer 500 and never apply half a snapshot.
 */

/** Test-only hook: runs inside an apply transaction right after the named step. */
const hook = { onStep: null as ((step: string) => Promise<void>) | null }

const fullUserClone = { automations: 3, prompts: 2, templates: 2 }

function statusCounts(responses: ApiResponse[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const r of responses) counts[r.status] = (counts[r.status] ?? 0) + 1
  return counts
}

/** Varies the case of a string (uniqueness of emails and org names ignores case). */
const caseVariant = (value: string, i: number) => (i % 3 === 0 ? value.toUpperCase() : i % 3 === 1 ? value.toLowerCase() : value)

describe('races', () => {
  const t = useTestApp({ faults: (step) => hook.onStep?.(step) })

  const sharedSnapshot = () => crossOrgScenario(t.app)

  /**
   * Inside the apply transaction: wait until the concurrent delete has either
   * committed or is blocked by the apply's lock (seen in pg_stat_activity).
   */
  async function deletionDoneOrBlocked(deletion: Promise<ApiResponse>) {
    const done = deletion.then(() => true)
    for (let i = 0; i < 200; i++) {
      if (await Promise.race([done, sleep(25).then(() => false)])) return
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from%snapshots%'
      `.execute(t.app.ctx.db)
      if (rows[0]!.n > 0) return
    }
    throw new Error('the concurrent delete neither finished nor blocked within 5 s')
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

  it('a user apply while its snapshot is deleted is complete or 404, never partial', async () => {
    const { target, snapshot, root } = await sharedSnapshot()
    let deletion: Promise<ApiResponse> | undefined
    hook.onStep = async (step) => {
      if (step !== 'user' || deletion) return
      // The snapshot is deleted while the apply transaction is between its statements.
      deletion = api(t.app, 'DELETE', `/api/user-snapshots/${snapshot._id}`, { token: root.token })
      await deletionDoneOrBlocked(deletion)
    }
    try {
      const applied = await api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body: { newUser: newUserBody() },
      })
      assert.ok(deletion, 'the deletion was started mid-apply')
      assert.equal((await deletion).status, 200)
      assert.equal(applied.status, 201, applied.raw)
      await assertCompleteUserApply(applied)
    } finally {
      hook.onStep = null
    }
  })

  it('an org apply while its snapshot is deleted is complete or 404, never partial', async () => {
    const source = await orgSourceSetup(t.app)
    let deletion: Promise<ApiResponse> | undefined
    hook.onStep = async (step) => {
      if (step !== 'organization' || deletion) return
      deletion = api(t.app, 'DELETE', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })
      await deletionDoneOrBlocked(deletion)
    }
    try {
      const applied = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, {
        token: source.root.token,
        body: orgApplyBody({ firstUser: { email: uniqueEmail('first'), password: 'TempPass!2026', fullName: 'First' } }),
      })
      assert.ok(deletion, 'the deletion was started mid-apply')
      assert.equal((await deletion).status, 200)
      assert.equal(applied.status, 201, applied.raw)
      assert.deepEqual(applied.body.result.cloned, {
        pipelines: 1,
        automations: 3,
        prompts: 2,
        templates: 2,
        stages: 3,
        agents: 1,
        dynamicProperties: 1,
      })
      const org = applied.body.result.organizationId
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from pipeline_stages where organization_id = ${org}`), 3)
    } finally {
      hook.onStep = null
    }
  })

  it('create, assign, get, apply and delete racing on one snapshot: never a 500, never half an apply', async () => {
    for (let round = 0; round < 4; round++) {
      const { setup, target, root } = await sharedSnapshot()
      // A snapshot created by the source admin, so both the admin and the superadmin may manage it.
      const snapshot = await snapshotOf(t.app, setup, setup.tenant.admin.token, `Contended ${round}`)
      const url = `/api/user-snapshots/${snapshot._id}`
      const adminToken = setup.tenant.admin.token
      const calls: [string, Promise<ApiResponse>][] = []
      const add = (kind: string, request: Promise<ApiResponse>) => calls.push([kind, request])
      for (let i = 0; i < 6; i++) {
        add('assign', api(t.app, 'PATCH', `${url}/assign`, { token: root.token, body: { assignedOrgIds: [target.tenant.organization.id], isGlobal: i % 2 === 0 } }))
        add('toggle', api(t.app, 'PATCH', `${url}/assign`, { token: adminToken, body: { isGlobal: i % 2 === 1 } }))
        add('apply', api(t.app, 'POST', `${url}/apply?organizationId=${target.tenant.organization.id}`, { token: root.token, body: { newUser: newUserBody() } }))
        add('get', api(t.app, 'GET', url, { token: adminToken }))
        add('refs', api(t.app, 'GET', `${url}/apply-refs`, { token: adminToken }))
        add('create', api(t.app, 'POST', '/api/user-snapshots', {
          token: adminToken,
          body: { name: `Twin ${i}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
        }))
        if (i === 2 || i === 4) {
          add('delete', api(t.app, 'DELETE', url, { token: root.token }))
          add('delete', api(t.app, 'DELETE', url, { token: adminToken }))
        }
      }
      const allowed: Record<string, number[]> = {
        assign: [200, 404],
        toggle: [200, 404],
        apply: [201, 404],
        get: [200, 404],
        refs: [200, 404],
        create: [201],
        delete: [200, 404],
      }
      const results = await Promise.all(calls.map(async ([kind, request]) => [kind, await request] as const))
      for (const [kind, response] of results) {
        assert.ok(allowed[kind]!.includes(response.status), `${kind} answered ${response.status}: ${response.raw}`)
        if (response.status >= 400) expectErrorShape(response)
        if (kind === 'apply' && response.status === 201) await assertCompleteUserApply(response)
        if (kind === 'create') assert.deepEqual(response.body.snapshot.counts, fullUserClone)
      }
      assert.equal(results.filter(([kind, r]) => kind === 'delete' && r.status === 200).length, 1, 'deleted exactly once')
      assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from snapshots where id = ${snapshot._id}`), 0)
      assert.equal(
        await count(sql<{ n: number }>`select count(*)::int as n from snapshot_automations where version_id = ${snapshot._id}`),
        0,
      )
    }
  })

  it('org applies racing with deletes of their snapshot: 201 (complete) or 404, never 500', async () => {
    for (let round = 0; round < 3; round++) {
      const source = await orgSourceSetup(t.app)
      const url = `/api/org-snapshots/${source.snapshot._id}`
      const calls: Promise<ApiResponse>[] = []
      for (let i = 0; i < 6; i++) {
        calls.push(api(t.app, 'POST', `${url}/apply`, { token: source.root.token, body: orgApplyBody() }))
        if (i === 3) calls.push(api(t.app, 'DELETE', url, { token: source.root.token }))
      }
      for (const response of await Promise.all(calls)) {
        assert.ok([200, 201, 404].includes(response.status), `${response.status}: ${response.raw}`)
        if (response.status === 201) {
          assert.deepEqual(response.body.result.cloned, { pipelines: 1, automations: 0, prompts: 0, templates: 0, stages: 3, agents: 1, dynamicProperties: 1 })
        }
      }
    }
  })

  it('10 new versions of one snapshot at once: each its own number, one after another, the latest on the snapshot', async () => {
    const { setup, snapshot } = await sharedSnapshot()
    const url = `/api/user-snapshots/${snapshot._id}/versions`
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api(t.app, 'POST', url, { token: setup.tenant.admin.token, body: { description: `Take ${i}` } })),
    )
    for (const response of responses) assert.equal(response.status, 201, response.raw)
    const numbers = responses.map((r) => r.body.snapshot.version as number).sort((a, b) => a - b)
    assert.deepEqual(numbers, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    const { rows } = await sql<{ version: number; automations: number }>`
      select v.version, (select count(*)::int from snapshot_automations a where a.version_id = v.id) as automations
      from snapshot_versions v where v.snapshot_id = ${snapshot._id} order by v.version`.execute(t.app.ctx.db)
    assert.deepEqual(rows.map((r) => r.version), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    assert.ok(rows.every((r) => r.automations === fullUserClone.automations), 'every version holds the whole capture')
    const latest = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    assert.equal(latest.body.snapshot.version, 11)
  })
})
