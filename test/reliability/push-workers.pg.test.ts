import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { testSecrets, useTestApp } from '../helpers/app.ts'
import { api } from '../helpers/http.ts'
import { startWorkerProcess, stopAllProcesses } from '../helpers/process.ts'
import { applyToNewUsers, newVersion, waitForJob } from '../helpers/push.ts'
import { crossOrgScenario } from '../helpers/scenarios.ts'

/**
 * Scale-out of pushes (SPEC §7.5, docs/scaling.md): two `tether-relay worker`
 * processes on one PostgreSQL share one 200-target push. Every target is done
 * exactly once: each worker logs the targets it ran, no target is in both logs,
 * every target was started once, and every target user got the new version.
 */
const targets = 200

describe('push: two worker processes share one job', () => {
  const t = useTestApp()
  after(stopAllProcesses)

  it(`runs each of ${targets} targets exactly once across two workers`, { timeout: 600_000 }, async () => {
    assert.ok(t.database.url, 'the PostgreSQL pass provides a database URL')
    const s = await crossOrgScenario(t.app)
    const token = s.target.tenant.admin.token
    const userIds = await applyToNewUsers(t.app, s.snapshot._id, token, targets)
    await t.app.ctx.db.updateTable('automations').set({ description: 'version 2' }).where('user_id', '=', s.setup.tenant.salesRep.id).where('name', '=', 'Ping webhook').execute()
    await newVersion(t.app, 'user', s.snapshot._id, s.setup.tenant.admin.token)

    const env = { NODE_ENV: 'production', DATABASE_URL: t.database.url, ...testSecrets, WORKERS: '2' }
    const workers = await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])
    const started = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token, body: {} })
    assert.equal(started.status, 202, started.raw)
    const jobId = started.body.job._id as string
    assert.equal(started.body.job.total, targets)
    const job = await waitForJob(t.app, token, jobId, 540_000)
    assert.equal(job.status, 'succeeded')
    assert.equal(job.done, targets)
    for (const target of job.targets) assert.equal(target.attempts, 1, `target ${target.applicationId} started once`)

    await Promise.all(workers.map((w) => w.stop()))
    const ran = workers.map((w) =>
      [...w.output.stdout.matchAll(new RegExp(`snapshot\\.push target ${jobId}/([0-9a-f]{24}) succeeded`, 'g'))].map((m) => m[1]!),
    )
    const all = ran.flat()
    assert.equal(all.length, targets, 'every target ran once, in one of the two workers')
    assert.equal(new Set(all).size, targets)
    assert.ok(ran.every((list) => list.length > 0), `both workers took targets (${ran.map((l) => l.length).join(' + ')})`)

    const updated = await t.app.ctx.db.selectFrom('automations').select('user_id').where('user_id', 'in', userIds).where('name', '=', 'Ping webhook').where('description', '=', 'version 2').execute()
    assert.equal(updated.length, targets, 'every target user has the new version')
  })
})
