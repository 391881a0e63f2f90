import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp, type TestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant, type Tenant } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import type { Actor } from '../../shared/actor.ts'
import { newId } from '../../shared/ids.ts'
import { unprocessable } from '../../shared/errors.ts'
import { createJob, prepareJobType, queueOf, runJobTarget, type TargetWork } from './jobs.service.ts'

/**
 * The job machinery on its own: a job of N targets, a real pg-boss worker in this
 * process, and a work function the test controls. Pushes use exactly this path
 * (their work is the merge), so what holds here holds for every push.
 */

const changes = { created: 1, updated: 0, deleted: 0, kept: 2, conflicts: 1 }

const actorOf = (tenant: Tenant): Actor => ({
  id: tenant.admin.id,
  organizationId: tenant.organization.id,
  role: 'ADMIN',
  email: tenant.admin.email,
  fullName: tenant.admin.fullName,
})

/** The work of every test runs through this: swap `current` per test. */
const behaviour: { current: TargetWork } = { current: async () => changes }
const runs: string[] = []

async function startJob(app: TestApp['app'], tenant: Tenant, targets: number): Promise<{ jobId: string; applicationIds: string[] }> {
  const applicationIds = Array.from({ length: targets }, () => newId())
  await prepareJobType(app.ctx, 'snapshot.push')
  const jobId = await app.ctx.db.transaction().execute((trx) =>
    createJob(
      app.ctx,
      trx,
      actorOf(tenant),
      'snapshot.push',
      { snapshotId: newId(), version: 2 },
      applicationIds.map((applicationId) => ({ applicationId, organizationId: tenant.organization.id })),
    ),
  )
  return { jobId, applicationIds }
}

async function waitFinished(app: TestApp['app'], token: string, jobId: string) {
  for (let i = 0; i < 600; i++) {
    const response = await api(app, 'GET', `/api/jobs/${jobId}`, { token })
    assert.equal(response.status, 200)
    if (response.body.job.finishedAt !== null) return response.body.job
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`job ${jobId} did not finish`)
}

describe('background jobs', () => {
  const t = useTestApp()
  let workerStarted: Promise<void> | undefined
  const worker = () =>
    (workerStarted ??= t.app.ctx.queue.work(queueOf('snapshot.push'), 2, async (task) => {
      await runJobTarget(t.app.ctx, task, async (trx, target, job) => {
        runs.push(target.application_id)
        return behaviour.current(trx, target, job)
      })
    }))

  it('runs every target once and reports progress, failures and conflicts; retry re-runs only the failed ones', async () => {
    await worker()
    const tenant = await newTenant(t.app)
    const { jobId, applicationIds } = await startJob(t.app, tenant, 5)
    const refused = new Set(applicationIds.slice(0, 2))
    behaviour.current = async (_trx, target) => {
      if (refused.has(target.application_id)) throw unprocessable('Unresolved references', 'No stage named Won', [{ value: 'Won' }])
      return changes
    }
    const job = await waitFinished(t.app, tenant.admin.token, jobId)
    assert.equal(job.type, 'snapshot.push')
    assert.equal(job.status, 'partially_failed')
    assert.deepEqual([job.total, job.done, job.failed, job.conflicts], [5, 3, 2, 3])
    assert.equal(job.createdBy, tenant.admin.id)
    assert.ok(job.startedAt && job.finishedAt)
    assert.deepEqual(
      job.targets.map((x: { applicationId: string }) => x.applicationId),
      applicationIds,
      'targets keep the order they were given in',
    )
    for (const target of job.targets) {
      if (refused.has(target.applicationId)) {
        assert.equal(target.status, 'failed')
        assert.deepEqual(target.error, { status: 422, error: 'Unresolved references', message: 'No stage named Won', details: [{ value: 'Won' }] })
        assert.equal(target.changes, undefined)
      } else {
        assert.equal(target.status, 'succeeded')
        assert.deepEqual(target.changes, changes)
      }
    }

    const listed = await api(t.app, 'GET', '/api/jobs', { token: tenant.admin.token })
    assert.equal(listed.status, 200)
    assert.deepEqual(listed.body.jobs.map((j: { _id: string }) => j._id), [jobId])
    assert.equal(listed.body.jobs[0].status, 'partially_failed')
    assert.equal(listed.body.jobs[0].targets, undefined)

    behaviour.current = async () => changes
    const before = runs.length
    const retried = await api(t.app, 'POST', `/api/jobs/${jobId}/retry`, { token: tenant.admin.token })
    assert.equal(retried.status, 202)
    assert.equal(retried.body.message, 'Retry started')
    assert.equal(retried.body.job.failed, 0)
    const after = await waitFinished(t.app, tenant.admin.token, jobId)
    assert.equal(after.status, 'succeeded')
    assert.deepEqual([after.done, after.failed, after.conflicts], [5, 0, 5])
    assert.deepEqual(runs.slice(before).sort(), [...refused].sort(), 'only the failed targets ran again')

    const again = await api(t.app, 'POST', `/api/jobs/${jobId}/retry`, { token: tenant.admin.token })
    assert.equal(again.status, 409)
    assert.equal(expectErrorShape(again).error, 'Nothing to retry')
  })

  it('a target is written once even when its task is delivered twice, and rolled back whole when refused', async () => {
    await worker()
    const tenant = await newTenant(t.app)
    behaviour.current = async (trx, target) => {
      // A real write inside the target's transaction: the organization's address carries the count of runs.
      await trx.updateTable('organizations').set({ address: `ran ${target.application_id}` }).where('id', '=', tenant.organization.id).execute()
      if (target.position === 1) throw unprocessable('Refused', 'refused after writing')
      return changes
    }
    const { jobId, applicationIds } = await startJob(t.app, tenant, 2)
    const job = await waitFinished(t.app, tenant.admin.token, jobId)
    assert.deepEqual(job.targets.map((x: { status: string }) => x.status), ['succeeded', 'failed'])
    const org = await t.app.ctx.db.selectFrom('organizations').select('address').where('id', '=', tenant.organization.id).executeTakeFirstOrThrow()
    assert.equal(org.address, `ran ${applicationIds[0]}`, 'the refused target left nothing behind')

    // The queue delivers the finished target's task again (as after a crash between commit and acknowledgement).
    const before = runs.filter((id) => id === applicationIds[0]).length
    await t.app.ctx.db.transaction().execute((trx) =>
      t.app.ctx.queue.enqueue(trx, queueOf('snapshot.push'), [{ jobId, applicationId: applicationIds[0] }]),
    )
    await new Promise((resolve) => setTimeout(resolve, 1500))
    assert.equal(runs.filter((id) => id === applicationIds[0]).length, before, 'the work did not run again')
    const still = await api(t.app, 'GET', `/api/jobs/${jobId}`, { token: tenant.admin.token })
    assert.equal(still.body.job.targets[0].attempts, 1)
  })

  it('retries a target whose work failed unexpectedly', async () => {
    await worker()
    const tenant = await newTenant(t.app)
    let failures = 1
    behaviour.current = async () => {
      if (failures-- > 0) throw new Error('connection lost')
      return changes
    }
    const { jobId } = await startJob(t.app, tenant, 1)
    const job = await waitFinished(t.app, tenant.admin.token, jobId)
    assert.equal(job.status, 'succeeded')
    assert.equal(job.targets[0].attempts, 2)
  })

  it('tenant rules: other organizations get 404, the SUPERADMIN sees every job, other roles 403', async () => {
    const owner = await newTenant(t.app)
    const other = await newTenant(t.app)
    const root = await newSuperadmin(t.app)
    behaviour.current = async () => changes
    const { jobId } = await startJob(t.app, owner, 1)
    for (const [method, url] of [
      ['GET', `/api/jobs/${jobId}`],
      ['POST', `/api/jobs/${jobId}/retry`],
    ] as const) {
      const response = await api(t.app, method, url, { token: other.admin.token })
      assert.equal(response.status, 404)
      assert.equal(expectErrorShape(response).error, 'Job not found')
      assert.equal((await api(t.app, method, url, { token: owner.salesRep.token })).status, 403)
    }
    const otherList = await api(t.app, 'GET', '/api/jobs', { token: other.admin.token })
    assert.equal(otherList.body.jobs.length, 0)
    assert.equal((await api(t.app, 'GET', `/api/jobs/${jobId}`, { token: root.token })).status, 200)
    const all = await api(t.app, 'GET', '/api/jobs?limit=1', { token: root.token })
    assert.equal(all.body.jobs.length, 1)
    assert.equal(all.body.jobs[0]._id, jobId, 'newest first')
    const next = await api(t.app, 'GET', `/api/jobs?limit=1&cursor=${all.body.nextCursor}`, { token: root.token })
    assert.equal(next.status, 200)
    assert.notEqual(next.body.jobs[0]._id, jobId)
    assert.equal((await api(t.app, 'GET', '/api/jobs?cursor=nonsense', { token: root.token })).status, 400)
  })
})
