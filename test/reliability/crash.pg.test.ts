import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import pg from 'pg'
import { useTestApp } from '../helpers/app.ts'
import { databaseDigest } from '../helpers/digest.ts'
import { newSuperadmin, newTenant, uniqueEmail, uniqueSuffix } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { sessionsOf as sessions, tablesWrittenBy as writtenBy, waitFor } from '../helpers/pg-sessions.ts'
import { newUserBody, orgApplyBody } from '../helpers/scenarios.ts'
import { seedAgent, seedBulkItems, seedPipeline } from '../helpers/seed.ts'
import { httpJson, startProductionServer, stopAllServers, type ServerProcess } from '../helpers/server.ts'

/**
 * Crash safety with real processes on PostgreSQL: the real server is killed with
 * SIGKILL while an apply of 10,000 items is in flight, its transaction having
 * written the user (or organization) and most items. After a restart nothing of
 * it exists (every table is byte-for-byte as before) and the same apply succeeds.
 *
 * To kill at a known point, the test holds a SHARE lock on the table of the
 * apply's last step, so the apply's INSERT there waits; pg_stat_activity shows it
 * active and pg_locks shows what it has already written. Then the server dies.
 */
const items = { automations: 3_334, prompts: 3_333, templates: 3_333 }

describe('crash: kill -9 during an apply', () => {
  const t = useTestApp()
  let source: Awaited<ReturnType<typeof seedSource>>

  async function seedSource() {
    const tenant = await newTenant(t.app)
    const org = tenant.organization.id
    await seedPipeline(t.app, org, 'Sales', ['New', 'Contacted'], { isDefault: true })
    const agentId = await seedAgent(t.app, org, 'Closer')
    await seedBulkItems(t.app, org, tenant.salesRep.id, {
      ...items,
      referenceEvery: 10,
      agentId,
      actionBytes: 400,
      promptBytes: 400,
      templateBytes: 200,
    })
    const root = await newSuperadmin(t.app)
    const snapshot = async (kind: 'user' | 'org') => {
      const created = await api(t.app, 'POST', `/api/${kind}-snapshots`, {
        token: root.token,
        body: { name: `10k ${kind}`, sourceOrgId: org, sourceUserId: tenant.salesRep.id },
      })
      assert.equal(created.status, 201, created.raw)
      assert.deepEqual(
        [created.body.snapshot.counts.automations, created.body.snapshot.counts.prompts, created.body.snapshot.counts.templates],
        [items.automations, items.prompts, items.templates],
      )
      return created.body.snapshot._id as string
    }
    const target = await newTenant(t.app)
    await seedPipeline(t.app, target.organization.id, 'Target', ['New', 'Contacted'])
    await seedAgent(t.app, target.organization.id, 'Closer')
    const userSnapshotId = await snapshot('user')
    const assigned = await api(t.app, 'PATCH', `/api/user-snapshots/${userSnapshotId}/assign`, {
      token: root.token,
      body: { assignedOrgIds: [target.organization.id] },
    })
    assert.equal(assigned.status, 200)
    return { root, target, userSnapshotId, orgSnapshotId: await snapshot('org') }
  }

  before(async () => {
    assert.ok(t.database.url, 'the PostgreSQL pass provides a database URL')
    source = await seedSource()
  })
  after(stopAllServers)

  const sessionsOf = (applicationName: string) => sessions(t.app.ctx.db, applicationName)
  const tablesWrittenBy = (pid: number) => writtenBy(t.app.ctx.db, pid)

  async function crashDuringApply(options: {
    lockTable: string
    path: string
    body: unknown
    expectWritten: string[]
  }): Promise<ServerProcess> {
    const before = await databaseDigest(t.app.ctx.db)
    const applicationName = `tether-crash-${uniqueSuffix()}`
    const lock = new pg.Client({ connectionString: t.database.url })
    await lock.connect()
    let server: ServerProcess | undefined
    try {
      await lock.query('begin')
      await lock.query(`lock table ${options.lockTable} in share mode`)
      server = await startProductionServer({ databaseUrl: t.database.url!, applicationName })
      const inFlight = httpJson(server, 'POST', options.path, { token: source.root.token, body: options.body, timeoutMs: 120_000 }).then(
        (r) => ({ answered: r.status }),
        () => ({ answered: null }),
      )
      const pattern = new RegExp(`^\\s*insert into "?${options.lockTable}"?\\s`, 'i')
      const blocked = await waitFor('the apply to reach its last INSERT', async () =>
        (await sessionsOf(applicationName)).find((s) => s.state === 'active' && s.wait_event_type === 'Lock' && pattern.test(s.query)),
      )
      // The transaction is open and has written the rows of every earlier step.
      assert.deepEqual(await tablesWrittenBy(blocked.pid), options.expectWritten)

      const exit = await server.stop('SIGKILL')
      assert.equal(exit.signal, 'SIGKILL')
      assert.deepEqual(await inFlight, { answered: null }, 'the client never got an answer')
    } finally {
      await lock.query('rollback').catch(() => {})
      await lock.end()
      await server?.stop('SIGKILL')
    }
    // The orphaned session notices its client is gone once unblocked, and its transaction aborts.
    await waitFor('the killed server\u2019s sessions to end', async () =>
      (await sessionsOf(applicationName)).length === 0 ? true : undefined,
    )
    assert.deepEqual(await databaseDigest(t.app.ctx.db), before, 'nothing of the interrupted apply exists')
    return startProductionServer({ databaseUrl: t.database.url!, applicationName: `${applicationName}-restarted` })
  }

  it('a user apply of 10,000 items killed mid-transaction leaves nothing; after a restart it succeeds', async () => {
    const email = uniqueEmail('crash')
    const path = `/api/user-snapshots/${source.userSnapshotId}/apply?organizationId=${source.target.organization.id}`
    const body = { newUser: newUserBody(email) }
    const restarted = await crashDuringApply({
      lockTable: 'templates',
      path,
      body,
      expectWritten: ['automations', 'prompts', 'users'],
    })
    try {
      const retry = await httpJson(restarted, 'POST', path, { token: source.root.token, body, timeoutMs: 120_000 })
      assert.equal(retry.status, 201, retry.raw)
      assert.deepEqual(retry.body.result.cloned, items)
      const { rows } = await sql<{ n: number }>`
        select ((select count(*) from automations where user_id = ${retry.body.result.userId})
              + (select count(*) from prompts where user_id = ${retry.body.result.userId})
              + (select count(*) from templates where user_id = ${retry.body.result.userId}))::int as n
      `.execute(t.app.ctx.db)
      assert.equal(rows[0]!.n, 10_000)
    } finally {
      await restarted.stop()
    }
  })

  it('an org apply with a first user killed mid-transaction leaves no organization; after a restart it succeeds', async () => {
    const body = orgApplyBody({
      firstUser: { email: uniqueEmail('crash-org'), password: 'TempPass!2026', fullName: 'First Admin' },
      credentials: { anthropicApiKey: `sk-crash-${uniqueSuffix()}` },
    })
    const path = `/api/org-snapshots/${source.orgSnapshotId}/apply`
    const restarted = await crashDuringApply({
      lockTable: 'ai_agents',
      path,
      body,
      expectWritten: [
        'automations',
        'dynamic_properties',
        'organization_credentials',
        'organizations',
        'pipeline_stages',
        'pipelines',
        'prompts',
        'templates',
        'users',
      ],
    })
    try {
      const retry = await httpJson(restarted, 'POST', path, { token: source.root.token, body, timeoutMs: 120_000 })
      assert.equal(retry.status, 201, retry.raw)
      assert.deepEqual(retry.body.result.cloned, { pipelines: 1, ...items, stages: 2, agents: 1, dynamicProperties: 0 })
    } finally {
      await restarted.stop()
    }
  })
})
