import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { pushStep } from '../../src/modules/snapshot-push/push-target.ts'
import { contentHash } from '../../src/modules/snapshots/clone.repository.ts'
import { itemKinds } from '../../src/modules/snapshots/item-kinds.ts'
import { unprocessable } from '../../src/shared/errors.ts'
import { useTestApp } from '../helpers/app.ts'
import { uniqueEmail } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { newVersion, startTestWorkers, waitForJob } from '../helpers/push.ts'
import { orgApplyBody, orgSourceSetup } from '../helpers/scenarios.ts'

/**
 * A push target is all or nothing, step by step (SPEC §7.5): every step a push
 * target runs inside its transaction (one per item kind written, then the
 * application's move to the new version) is failed in turn, two ways:
 * - a refusal (an AppError): runJobTarget marks the target failed at once, nothing
 *   of it is written, the other target of the job succeeds; POST /api/jobs/{id}/retry
 *   then brings it to the new version, whole;
 * - an unexpected error (a lost connection): the queue runs the task again and the
 *   second attempt succeeds, whole.
 * The steps come from the item-kind list through pushStep, and are checked against
 * what a clean push runs, so a new kind is failed here without editing this file.
 */
const fault = { failAt: null as string | null, error: null as Error | null, fired: false, seen: new Set<string>() }
const failedSteps = new Set<string>()
/** Every kind a push of an organization snapshot with a first user writes, in the code's words. */
const codeSteps = [...itemKinds.filter((kind) => kind.clone).map((kind) => pushStep(kind)), pushStep('application')]

/** The live tables of the pushed kinds. */
const liveTables = [...new Set(itemKinds.filter((kind) => kind.clone).map((kind) => kind.liveTable))]

describe('fault injection: every push step of a target rolls the target back', () => {
  const t = useTestApp({
    faults: (step) => {
      fault.seen.add(step)
      if (step === fault.failAt && !fault.fired) {
        // Once: the retry (by the queue or by POST /retry) runs clean.
        fault.fired = true
        throw fault.error!
      }
    },
  })
  const db = () => t.app.ctx.db

  /** Row counts and a content hash of everything a target organization holds of the pushed kinds, and its application. */
  async function targetDigest(org: string) {
    const parts = liveTables.map(
      (table) => sql`select ${table}::text as name, count(*)::int as rows, coalesce(sum(hashtext(t::text)::bigint), 0)::text as hash
                     from ${sql.table(table)} t where t.organization_id = ${org}`,
    )
    parts.push(sql`select 'snapshot_applications' as name, count(*)::int as rows, coalesce(sum(hashtext(t::text)::bigint), 0)::text as hash
                   from snapshot_applications t where t.target_organization_id = ${org}`)
    const { rows } = await sql<{ name: string; rows: number; hash: string }>`${sql.join(parts, sql` union all `)}`.execute(db())
    return rows
  }

  /**
   * The target's items by name, each saying whether it is exactly what the last push
   * (or the apply) wrote: its content hash is the origin hash recorded with it.
   */
  async function items(org: string) {
    const out: string[] = []
    for (const kind of itemKinds.filter((k) => k.clone)) {
      const { rows } = await sql<{ name: string; intact: boolean }>`
        select ${sql.ref(kind.nameColumn)}::text as name, ${contentHash(kind, 't')} = t.origin_hash as intact
        from ${sql.table(kind.liveTable)} t where t.organization_id = ${org}`.execute(db())
      out.push(...rows.map((r) => `${kind.kind}:${r.name}:${r.intact ? 'as written' : 'changed'}`))
    }
    return out.sort()
  }

  const versionOf = async (org: string) =>
    (await db().selectFrom('snapshot_applications').select('version').where('target_organization_id', '=', org).executeTakeFirstOrThrow()).version

  it('fails each step of a target in turn; the target is untouched, the other one done, a retry makes it whole', { timeout: 300_000 }, async (tc: TestContext) => {
    await startTestWorkers(t.app)
    const setup = await orgSourceSetup(t.app)
    const sourceOrg = setup.tenant.organization.id
    const token = setup.root.token
    const targets: string[] = []
    for (let i = 0; i < 2; i++) {
      const applied = await api(t.app, 'POST', `/api/org-snapshots/${setup.snapshot._id}/apply`, {
        token,
        body: orgApplyBody({ firstUser: { email: uniqueEmail('fault-push'), password: 'TempPass!2026', fullName: 'First Admin' } }),
      })
      assert.equal(applied.status, 201, applied.raw)
      targets.push(applied.body.result.organizationId as string)
    }

    let round = 0
    const colorOf = (n: number) => `#${(n * 4099).toString(16).padStart(6, '0').slice(-6)}`
    /** The source changes in a kind written early (stages) and one written last (automations); a new version is captured. */
    async function nextVersion() {
      round++
      await db().updateTable('automations').set({ description: `round ${round}` }).where('organization_id', '=', sourceOrg).execute()
      await db().updateTable('pipeline_stages').set({ color: colorOf(round) }).where('organization_id', '=', sourceOrg).execute()
      return newVersion(t.app, 'org', setup.snapshot._id, token)
    }

    async function push() {
      const started = await api(t.app, 'POST', `/api/org-snapshots/${setup.snapshot._id}/push`, { token, body: {} })
      assert.equal(started.status, 202, started.raw)
      return waitForJob(t.app, token, started.body.job._id)
    }

    async function expectWhole(version: number) {
      for (const org of targets) assert.equal(await versionOf(org), version)
      // Both targets started from the same apply: whole, they hold the same items, each as the push wrote it,
      // and the changes of the version in a kind written first (stages) and in the one written last (automations).
      const [first, second] = [await items(targets[0]!), await items(targets[1]!)]
      assert.deepEqual(first, second)
      assert.ok(first.every((item) => item.endsWith(':as written')), first.join('\n'))
      const stages = await db().selectFrom('pipeline_stages').select('color').where('organization_id', 'in', targets).execute()
      assert.ok(stages.length > 0)
      for (const stage of stages) assert.equal(stage.color, colorOf(round))
      const automations = await db().selectFrom('automations').select('description').where('organization_id', 'in', targets).execute()
      assert.ok(automations.length > 0)
      for (const a of automations) assert.equal(a.description, `round ${round}`)
    }

    // A clean push runs exactly the steps the code declares.
    const first = await nextVersion()
    fault.seen.clear()
    const clean = await push()
    assert.equal(clean.status, 'succeeded', JSON.stringify(clean))
    assert.deepEqual([...fault.seen].sort(), [...codeSteps].sort())
    await expectWhole(first)

    for (const step of codeSteps) {
      await tc.test(`a refusal at "${step}" fails that target only; POST /retry makes it whole`, async () => {
        const version = await nextVersion()
        const before = new Map(await Promise.all(targets.map(async (org) => [org, await targetDigest(org)] as const)))
        Object.assign(fault, { failAt: step, fired: false, error: unprocessable('Injected refusal', `refused at ${step}`) })
        const job = await push()
        assert.ok(fault.fired, `the fault at ${step} fired`)
        assert.equal(job.status, 'partially_failed', JSON.stringify(job))
        const failed = job.targets.filter((target: { status: string }) => target.status === 'failed')
        assert.equal(failed.length, 1)
        assert.deepEqual(failed[0].error, { status: 422, error: 'Injected refusal', message: `refused at ${step}` })
        assert.equal(failed[0].attempts, 1)
        const failedOrg = failed[0].organizationId as string
        const otherOrg = targets.find((org) => org !== failedOrg)!
        assert.deepEqual(await targetDigest(failedOrg), before.get(failedOrg), 'the failed target is exactly as before')
        assert.notDeepEqual(await targetDigest(otherOrg), before.get(otherOrg), 'the other target was pushed')
        assert.equal(await versionOf(otherOrg), version)
        assert.equal(await versionOf(failedOrg), version - 1)

        const retried = await api(t.app, 'POST', `/api/jobs/${job._id}/retry`, { token })
        assert.equal(retried.status, 202, retried.raw)
        const after = await waitForJob(t.app, token, job._id)
        assert.equal(after.status, 'succeeded', JSON.stringify(after))
        assert.equal(after.targets.find((target: { organizationId: string }) => target.organizationId === failedOrg).attempts, 2)
        assert.equal(after.targets.find((target: { organizationId: string }) => target.organizationId === otherOrg).attempts, 1, 'the other target ran once')
        await expectWhole(version)
        failedSteps.add(step)
      })

      await tc.test(`an unexpected error at "${step}" is retried by the queue; the second attempt makes it whole`, async () => {
        const version = await nextVersion()
        Object.assign(fault, { failAt: step, fired: false, error: new Error(`injected failure at ${step}`) })
        const job = await push()
        assert.ok(fault.fired, `the fault at ${step} fired`)
        assert.equal(job.status, 'succeeded', JSON.stringify(job))
        assert.deepEqual(job.targets.map((target: { attempts: number }) => target.attempts).sort(), [1, 2])
        await expectWhole(version)
      })
    }
    fault.failAt = null
  })

  it('failed every step a push declares, and so every kind a push writes', () => {
    assert.deepEqual([...failedSteps].sort(), [...codeSteps].sort())
    for (const kind of itemKinds.filter((k) => k.clone)) assert.ok(failedSteps.has(pushStep(kind)), `the ${kind.kind} step was failed`)
  })
})
