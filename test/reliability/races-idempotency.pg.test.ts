import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../helpers/app.ts'
import { uniqueSuffix } from '../helpers/fixtures.ts'
import { api, expectErrorShape, type ApiResponse } from '../helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, sourceSetup } from '../helpers/scenarios.ts'

/**
 * PostgreSQL only (PGlite runs one transaction at a time, so requests cannot overlap
 * there): Idempotency-Key is exactly-once under concurrency. Many requests with one
 * key create one thing; every other answer is either that thing's stored answer
 * (replayed) or 409 while it was still being written, never a second thing or a 500.
 */

/** Test-only hook: runs inside an apply transaction right after the named step. */
const hook = { onStep: null as ((step: string) => Promise<void>) | null }

describe('idempotency races', () => {
  const t = useTestApp({ faults: (step) => hook.onStep?.(step) })

  const count = async (query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(t.app.ctx.db)).rows[0]!.n

  /** 20 identical requests at once: one created, the rest replayed or 409, all successes byte-identical. */
  async function twentyAtOnce(send: () => Promise<ApiResponse>) {
    const responses = await Promise.all(Array.from({ length: 20 }, send))
    const originals = responses.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined)
    const replays = responses.filter((r) => r.headers['idempotent-replayed'] === 'true')
    const inProgress = responses.filter((r) => r.status === 409)
    assert.equal(originals.length, 1, responses.map((r) => `${r.status} ${r.raw.slice(0, 120)}`).join('\n'))
    assert.equal(originals.length + replays.length + inProgress.length, 20)
    for (const r of replays) assert.equal(r.raw, originals[0]!.raw)
    for (const r of inProgress) assert.equal(expectErrorShape(r).error, 'Request in progress')
    return originals[0]!
  }

  it('20 concurrent snapshot creates with one key capture one snapshot and write one event', async () => {
    const setup = await sourceSetup(t.app)
    const key = `race-${uniqueSuffix()}`
    const body = { name: `Race ${key}`, sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id }
    const created = await twentyAtOnce(() =>
      api(t.app, 'POST', '/api/user-snapshots', { token: setup.tenant.admin.token, body, headers: { 'idempotency-key': key } }),
    )
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from snapshots where name = ${body.name}`), 1)
    assert.equal(
      await count(sql<{ n: number }>`select count(*)::int as n from audit_events where snapshot_id = ${created.body.snapshot._id}`),
      1,
    )
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from idempotency_keys where key = ${key}`), 1)
  })

  it('20 concurrent user applies with one key create one user', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const key = `race-${uniqueSuffix()}`
    const body = { newUser: newUserBody() }
    await twentyAtOnce(() =>
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body,
        headers: { 'idempotency-key': key },
      }),
    )
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = ${body.newUser.email}`), 1)
    assert.equal(
      await count(sql<{ n: number }>`select count(*)::int as n from audit_events where snapshot_id = ${snapshot._id} and action = 'snapshot.applied'`),
      1,
    )
  })

  it('20 concurrent org applies with one key create one organization', async () => {
    const source = await orgSourceSetup(t.app)
    const key = `race-${uniqueSuffix()}`
    const body = orgApplyBody()
    await twentyAtOnce(() =>
      api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, {
        token: source.root.token,
        body,
        headers: { 'idempotency-key': key },
      }),
    )
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from organizations where name = ${body.orgName}`), 1)
  })

  it('a retry while the first request still runs is 409; once it has committed, the retry is replayed', async () => {
    const { target, snapshot } = await crossOrgScenario(t.app)
    const key = `slow-${uniqueSuffix()}`
    const body = { newUser: newUserBody() }
    const send = () =>
      api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
        token: target.tenant.admin.token,
        body,
        headers: { 'idempotency-key': key },
      })
    let retry: ApiResponse | undefined
    hook.onStep = async (step) => {
      if (step !== 'beforeCommit' || retry) return
      // The first request has written everything and holds the key; it has not committed.
      retry = await send()
    }
    try {
      const first = await send()
      assert.equal(first.status, 201, first.raw)
      assert.ok(retry, 'the retry ran while the first was in its transaction')
      assert.equal(retry.status, 409, retry.raw)
      assert.equal(expectErrorShape(retry).error, 'Request in progress')
      const later = await send()
      assert.equal(later.headers['idempotent-replayed'], 'true')
      assert.equal(later.raw, first.raw)
    } finally {
      hook.onStep = null
    }
    assert.equal(await count(sql<{ n: number }>`select count(*)::int as n from users where email = ${body.newUser.email}`), 1)
  })
})
