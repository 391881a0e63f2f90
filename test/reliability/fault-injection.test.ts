import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { applySteps } from '../../src/modules/snapshots/apply-executor.ts'
import { beforeCommitStep } from '../../src/modules/snapshots/apply.service.ts'
import { itemKinds } from '../../src/modules/snapshots/item-kinds.ts'
import { useTestApp } from '../helpers/app.ts'
import { uniqueEmail, uniquePhone } from '../helpers/fixtures.ts'
import { databaseDigest } from '../helpers/digest.ts'
import { api, expectErrorShape, type ApiResponse } from '../helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'

/**
 * All or nothing, step by step: every named step of every kind of apply is failed
 * in turn (the test-only fault injector throws right after the step ran), and the
 * whole database, every row of every table, must be exactly as before. The steps
 * come from the executor's list, which is derived from the item-kind list, and are
 * recorded from a successful apply first, so a step added with a new kind is failed
 * here without anyone editing this file; the last test proves every step the
 * executor declares, and so every item kind's step, was failed at least once.
 * The last step, right before the commit, comes after the audit event and the
 * stored answer of the Idempotency-Key every request here sends: a failed apply
 * leaves neither, and its retry with the same key runs again.
 */
const fault = { failAt: null as string | null, fired: false, seen: [] as string[] }
const failedSteps = new Set<string>()
/** One phone per fresh identity, so the retries of a request repeat its body exactly (its Idempotency-Key is per identity). */
const phones = new Map<string, string>()
const phoneOf = (fresh: string) => phones.get(fresh) ?? phones.set(fresh, uniquePhone()).get(fresh)!
const userKindSteps = itemKinds.filter((kind) => kind.scope === 'user').map((kind) => kind.step)

interface Scenario {
  name: string
  /** The steps a successful apply of this scenario runs, in the executor's order. */
  expectedSteps: readonly string[]
  /** Builds the source and target; returns a request maker taking a fresh-identity flag. */
  prepare(): Promise<(fresh: string) => Promise<ApiResponse>>
}

describe('fault injection: every apply step rolls back completely', () => {
  const t = useTestApp({
    faults: (step) => {
      fault.seen.push(step)
      if (step === fault.failAt) {
        fault.fired = true
        throw new Error(`injected failure after step ${step}`)
      }
    },
  })

  const scenarios: Scenario[] = [
    {
      name: 'user snapshot, cross-organization apply',
      // A user apply creates the user and clones every user-level kind.
      expectedSteps: [
        ...applySteps.filter((step) => step === 'user' || step === 'application' || userKindSteps.includes(step)),
        beforeCommitStep,
      ],
      async prepare() {
        const { target, snapshot } = await crossOrgScenario(t.app)
        return (fresh) =>
          api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
            token: target.tenant.admin.token,
            headers: { 'idempotency-key': `fault-${fresh}` },
            body: { newUser: newUserBody(`${fresh}@example.test`) },
          })
      },
    },
    {
      name: 'user snapshot, same-organization apply (one prompt cloned, the other granted)',
      expectedSteps: ['user', 'prompts', 'promptGrants', 'application', beforeCommitStep],
      async prepare() {
        const setup = await sourceSetup(t.app)
        const snapshot = await snapshotOf(t.app, setup)
        return (fresh) =>
          api(t.app, 'POST', `/api/user-snapshots/${snapshot._id}/apply`, {
            token: setup.tenant.admin.token,
            headers: { 'idempotency-key': `fault-${fresh}` },
            body: { newUser: newUserBody(`${fresh}@example.test`), selectedPromptNames: ['Objections'] },
          })
      },
    },
    {
      name: 'org snapshot apply with a first user and credentials',
      // Everything but the same-organization grant step.
      expectedSteps: [...applySteps.filter((step) => step !== 'promptGrants'), beforeCommitStep],
      async prepare() {
        const source = await orgSourceSetup(t.app)
        return (fresh) =>
          api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, {
            token: source.root.token,
            headers: { 'idempotency-key': `fault-${fresh}` },
            body: orgApplyBody({
              orgName: `Org ${fresh}`,
              orgPhone: phoneOf(fresh),
              firstUser: { email: `${fresh}@example.test`, password: 'TempPass!2026', fullName: 'First Admin' },
              credentials: { anthropicApiKey: `sk-${fresh}`, sinchApiToken: `sinch-${fresh}` },
            }),
          })
      },
    },
  ]

  const storedAnswers = async (key: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from idempotency_keys where key = ${key}`.execute(t.app.ctx.db)).rows[0]!.n

  async function runWithFault(step: string | null, request: () => Promise<ApiResponse>) {
    fault.failAt = step
    fault.fired = false
    fault.seen = []
    try {
      return { response: await request(), seen: fault.seen, fired: fault.fired }
    } finally {
      fault.failAt = null
    }
  }

  for (const scenario of scenarios) {
    it(`${scenario.name}: each step, failed, leaves every table untouched`, async (tc: TestContext) => {
      const apply = await scenario.prepare()

      // A successful apply tells which steps this kind of apply runs.
      const recorded = await runWithFault(null, () => apply(uniqueEmail('record').split('@')[0]!))
      assert.equal(recorded.response.status, 201, recorded.response.raw)
      assert.deepEqual(recorded.seen, scenario.expectedSteps)

      const fresh = uniqueEmail('fault').split('@')[0]!
      for (const step of recorded.seen) {
        await tc.test(`fails after "${step}"`, async () => {
          const before = await databaseDigest(t.app.ctx.db)
          const { response, fired } = await runWithFault(step, () => apply(fresh))
          assert.ok(fired, `the fault at ${step} fired`)
          assert.equal(response.status, 500, response.raw)
          assert.equal(expectErrorShape(response).error, 'Internal server error')
          assert.ok(!response.raw.includes('injected'), 'internal error messages never reach the client')
          assert.deepEqual(await databaseDigest(t.app.ctx.db), before)
          // Spelled out: no stored answer for the key (the digest covers the audit log too).
          assert.equal(await storedAnswers(`fault-${fresh}`), 0)
          failedSteps.add(step)
        })
      }

      // Nothing of the failed attempts lingers: the very same request, with the same
      // Idempotency-Key, now runs (it is not a replay) and succeeds in full; then it is stored.
      const retry = await runWithFault(null, () => apply(fresh))
      assert.equal(retry.response.status, 201, retry.response.raw)
      assert.equal(retry.response.headers['idempotent-replayed'], undefined)
      assert.deepEqual(retry.response.body.result.cloned, recorded.response.body.result.cloned)
      assert.equal(await storedAnswers(`fault-${fresh}`), 1)
      const replay = await runWithFault(null, () => apply(fresh))
      assert.equal(replay.response.headers['idempotent-replayed'], 'true')
      assert.equal(replay.response.raw, retry.response.raw)
    })
  }

  it('failed every step the apply executor declares, and so every item kind in turn', () => {
    assert.deepEqual([...failedSteps].sort(), [...applySteps, beforeCommitStep].sort())
    for (const kind of itemKinds) assert.ok(failedSteps.has(kind.step), `the ${kind.kind} step was failed`)
  })
})
