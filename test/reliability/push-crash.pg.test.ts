import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { contentHash } from '../../src/modules/snapshots/clone.repository.ts'
import { itemKind } from '../../src/modules/snapshots/item-kinds.ts'
import { testConfig, testSecrets, useTestApp } from '../helpers/app.ts'
import { uniqueSuffix } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { sessionsOf as sessions, tablesWrittenBy as writtenBy, waitFor } from '../helpers/pg-sessions.ts'
import { startWorkerProcess, stopAllProcesses } from '../helpers/process.ts'
import { applyToNewUsers, newVersion, waitForJob } from '../helpers/push.ts'
import { crossOrgScenario } from '../helpers/scenarios.ts'

/**
 * Crash safety of a push (SPEC §7.5) with real processes on PostgreSQL: a
 * `tether-relay worker` is killed with SIGKILL in the middle of a push over many
 * targets, while it is inside targets' transactions (they have written the items
 * and wait to move the application to the new version: the test holds a SHARE lock
 * on snapshot_applications, as crash.pg.test.ts does for an apply). Right after the
 * crash every target is whole, on the old version or the new one; a restarted worker
 * takes over the interrupted targets once their tasks expire, the job finishes, every
 * target is whole on the new version, and none was updated twice.
 */
const targets = 60
const timeoutSeconds = 3

describe('crash: kill -9 of a worker during a push', () => {
  // Tasks expire (and are handed to another worker) after a few seconds, not the default minutes.
  const base = testConfig()
  const t = useTestApp({ config: { jobs: { ...base.jobs, targetTimeoutSeconds: timeoutSeconds } } })
  const db = () => t.app.ctx.db
  after(stopAllProcesses)

  const sessionsOf = (applicationName: string) => sessions(db(), applicationName)
  const tablesWrittenBy = (pid: number) => writtenBy(db(), pid)

  /**
   * Each target user's state: its application's version, and its automations
   * (the kind the push changes) as a version and whether each is exactly what the
   * apply or push wrote (content hash = the origin hash recorded with it).
   */
  async function states(userIds: readonly string[]) {
    const automation = itemKind('automation')
    const { rows } = await sql<{ user_id: string; version: number; descriptions: string[]; intact: boolean; n: number }>`
      select a.user_id, a.version,
        array_agg(distinct t.description order by t.description) as descriptions,
        bool_and(${contentHash(automation, 't')} = t.origin_hash) as intact, count(*)::int as n
      from snapshot_applications a join automations t on t.user_id = a.user_id
      where a.user_id in (${sql.join(userIds)}) and t.name = 'Ping webhook'
      group by a.user_id, a.version
    `.execute(db())
    return new Map(rows.map((r) => [r.user_id, r]))
  }

  it(`a worker killed inside targets of a ${targets}-target push: every target whole, each updated once after a restart`, { timeout: 300_000 }, async () => {
    assert.ok(t.database.url, 'the PostgreSQL pass provides a database URL')
    const s = await crossOrgScenario(t.app)
    const token = s.target.tenant.admin.token
    const userIds = await applyToNewUsers(t.app, s.snapshot._id, token, targets)
    const original = (await db().selectFrom('automations').select('description').where('user_id', '=', s.setup.tenant.salesRep.id).where('name', '=', 'Ping webhook').executeTakeFirstOrThrow()).description
    await db().updateTable('automations').set({ description: 'version 2' }).where('user_id', '=', s.setup.tenant.salesRep.id).where('name', '=', 'Ping webhook').execute()
    assert.equal(await newVersion(t.app, 'user', s.snapshot._id, s.setup.tenant.admin.token), 2)

    const applicationName = `tether-push-crash-${uniqueSuffix()}`
    const url = new URL(t.database.url)
    url.searchParams.set('application_name', applicationName)
    const env = { NODE_ENV: 'production', DATABASE_URL: url.toString(), ...testSecrets, WORKERS: '2', JOB_TARGET_TIMEOUT: `${timeoutSeconds}s` }
    const doomed = await startWorkerProcess(env)
    const started = await api(t.app, 'POST', `/api/user-snapshots/${s.snapshot._id}/push`, { token, body: {} })
    assert.equal(started.status, 202, started.raw)
    const jobId = started.body.job._id as string
    const job = async () => (await api(t.app, 'GET', `/api/jobs/${jobId}`, { token })).body.job

    const lock = new pg.Client({ connectionString: t.database.url })
    await lock.connect()
    let inFlight: number[]
    try {
      await waitFor('the first targets to be done', async () => ((await job()).done > 0 ? true : undefined))
      await lock.query('begin')
      await lock.query('lock table snapshot_applications in share mode')
      // Both of the worker's targets reach their last write and wait there, the items written.
      const blocked = await waitFor('the worker to be inside two targets', async () => {
        const waiting = (await sessionsOf(applicationName)).filter(
          (session) => session.state === 'active' && session.wait_event_type === 'Lock' && /^\s*update "snapshot_applications"/i.test(session.query),
        )
        return waiting.length === 2 ? waiting : undefined
      })
      for (const session of blocked) assert.ok((await tablesWrittenBy(session.pid)).includes('automations'), 'the target wrote its items')
      inFlight = blocked.map((session) => session.pid)
      const exit = await doomed.stop('SIGKILL')
      assert.equal(exit.signal, 'SIGKILL')
    } finally {
      await lock.query('rollback').catch(() => {})
      await lock.end()
    }
    assert.equal(inFlight.length, 2)
    await waitFor('the killed worker\u2019s sessions to end', async () => ((await sessionsOf(applicationName)).length === 0 ? true : undefined))

    // Mid-job, right after the crash: some targets done, some not, none half-done.
    const midJob = await job()
    assert.ok(midJob.done > 0 && midJob.done <= targets - 2, `mid-job: ${midJob.done} of ${targets} done`)
    const mid = await states(userIds)
    for (const userId of userIds) {
      const state = mid.get(userId)!
      assert.equal(state.intact, true, `target ${userId} is as a push or the apply wrote it`)
      assert.deepEqual(state.descriptions, [state.version === 2 ? 'version 2' : original], `target ${userId} is whole on version ${state.version}`)
    }
    const doneAtCrash = new Set(midJob.targets.filter((target: { status: string }) => target.status === 'succeeded').map((target: { applicationId: string }) => target.applicationId))
    assert.equal([...mid.values()].filter((state) => state.version === 2).length, doneAtCrash.size, 'exactly the targets marked done are on the new version')

    const restarted = await startWorkerProcess({ ...env, DATABASE_URL: t.database.url })
    const finished = await waitForJob(t.app, token, jobId, 240_000)
    await restarted.stop()
    assert.equal(finished.status, 'succeeded', JSON.stringify(finished.targets.filter((target: { status: string }) => target.status !== 'succeeded')))
    assert.equal(finished.done, targets)
    // Started once, but for the two the crash interrupted: started again by the restarted worker.
    const restartedTwice = finished.targets.filter((target: { attempts: number }) => target.attempts === 2)
    assert.equal(restartedTwice.length, 2, JSON.stringify(finished.targets.map((target: { attempts: number }) => target.attempts)))
    assert.ok(finished.targets.every((target: { attempts: number }) => target.attempts <= 2))
    for (const target of restartedTwice) assert.ok(!doneAtCrash.has(target.applicationId))

    // The restarted worker did exactly the targets not done at the crash, each once.
    const ran = [...restarted.output.stdout.matchAll(new RegExp(`snapshot\\.push target ${jobId}/([0-9a-f]{24}) succeeded`, 'g'))].map((m) => m[1]!)
    assert.equal(new Set(ran).size, ran.length, 'no target twice')
    assert.equal(ran.length, targets - doneAtCrash.size)
    for (const applicationId of ran) assert.ok(!doneAtCrash.has(applicationId), 'no target done before the crash ran again')

    const end = await states(userIds)
    for (const userId of userIds) {
      const state = end.get(userId)!
      assert.equal(state.version, 2)
      assert.equal(state.intact, true)
      assert.deepEqual(state.descriptions, ['version 2'])
      assert.equal(state.n, 1, 'one automation, not a second copy')
    }
  })
})
