import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Type } from '@sinclair/typebox'
import Fastify from 'fastify'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, newTenant } from '../helpers/fixtures.ts'
import { api, expectErrorShape } from '../helpers/http.ts'
import { seedAgent, seedBulkItems, seedPipeline } from '../helpers/seed.ts'
import { orgSourceSetup, snapshotOf, sourceSetup } from '../helpers/scenarios.ts'
import { OrgSnapshotDetail } from '../../src/modules/org-snapshots/org-snapshots.schemas.ts'
import { toOrgSnapshotSummary } from '../../src/modules/org-snapshots/org-snapshots.service.ts'
import { UserSnapshotDetail } from '../../src/modules/user-snapshots/user-snapshots.schemas.ts'
import { toUserSnapshotSummary } from '../../src/modules/user-snapshots/user-snapshots.service.ts'
import { loadCopies } from '../../src/modules/snapshots/snapshot-views.ts'
import { findSnapshot } from '../../src/modules/snapshots/snapshots.repository.ts'

/**
 * GET …/{id} streams its answer. It must be exactly the answer the route gave
 * before it streamed: the whole snapshot loaded into memory (loadCopies) and
 * serialized by Fastify with the route's response schema. That route is rebuilt
 * here, on a bare Fastify, as the reference.
 */

describe('GET of a snapshot, streamed', () => {
  const t = useTestApp({ recordQueries: true })

  /** The answer of the route as it was before streaming. */
  async function wholeAnswer(kind: 'user' | 'org', id: string): Promise<string> {
    const row = await findSnapshot(t.app.ctx.db, kind, id)
    assert.ok(row)
    const detail = kind === 'user' ? UserSnapshotDetail : OrgSnapshotDetail
    const summary = kind === 'user' ? toUserSnapshotSummary(row) : toOrgSnapshotSummary(row)
    const reference = Fastify()
    reference.get('/', { schema: { response: { 200: Type.Object({ snapshot: detail }) } } }, async () => ({
      snapshot: { ...summary, ...(await loadCopies(t.app.ctx.db, row)) },
    }))
    const response = await reference.inject({ method: 'GET', url: '/' })
    await reference.close()
    assert.equal(response.statusCode, 200)
    return response.body
  }

  async function streamedAnswer(url: string, token: string): Promise<string> {
    const response = await api(t.app, 'GET', url, { token })
    assert.equal(response.status, 200, response.raw.slice(0, 300))
    assert.match(String(response.headers['content-type']), /^application\/json/)
    return response.raw
  }

  it('user snapshot: the same JSON as the whole-snapshot answer', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const streamed = await streamedAnswer(`/api/user-snapshots/${snapshot._id}`, setup.tenant.admin.token)
    const whole = await wholeAnswer('user', snapshot._id)
    assert.deepEqual(JSON.parse(streamed), JSON.parse(whole))
    assert.equal(streamed, whole, 'byte for byte')
    const body = JSON.parse(streamed).snapshot
    assert.equal(body.automations.length, 3)
    assert.ok(body.sourcePipelineStageRefs.length > 0 && body.sourceAgentRefs.length > 0)
  })

  it('org snapshot: the same JSON, pipelines with their stages, agents, properties, credential names', async () => {
    const setup = await orgSourceSetup(t.app)
    await seedPipeline(t.app, setup.tenant.organization.id, 'Sales', ['Only'])
    const created = await api(t.app, 'POST', '/api/org-snapshots', {
      token: setup.root.token,
      body: { name: 'Streamed org', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    assert.equal(created.status, 201)
    const id = created.body.snapshot._id
    const streamed = await streamedAnswer(`/api/org-snapshots/${id}`, setup.root.token)
    const whole = await wholeAnswer('org', id)
    assert.deepEqual(JSON.parse(streamed), JSON.parse(whole))
    assert.equal(streamed, whole, 'byte for byte')
    const body = JSON.parse(streamed).snapshot
    assert.equal(body.pipelines.length, 2)
    assert.ok(body.agents.length > 0 && body.dynamicProperties.length > 0 && body.credentialNames.length > 0)
  })

  it('a big snapshot (many batches, realistic sizes, references): the same JSON', async () => {
    const source = await newTenant(t.app)
    const org = source.organization.id
    await seedPipeline(t.app, org, 'Sales', ['New', 'Contacted'])
    const agent = await seedAgent(t.app, org, 'Closer')
    await seedBulkItems(t.app, org, source.salesRep.id, {
      automations: 700,
      prompts: 600,
      templates: 600,
      referenceEvery: 3,
      agentId: agent,
      actionBytes: 300,
      promptBytes: 1200,
      templateBytes: 600,
    })
    const snapshot = await snapshotOf(t.app, { tenant: source, agentId: agent, promptIds: {}, automationIds: {} })
    const streamed = await streamedAnswer(`/api/user-snapshots/${snapshot._id}`, source.admin.token)
    const whole = await wholeAnswer('user', snapshot._id)
    assert.ok(streamed.length > 1_000_000, `a big answer (${streamed.length} bytes)`)
    assert.deepEqual(JSON.parse(streamed), JSON.parse(whole))
    assert.equal(streamed, whole, 'byte for byte')
  })

  it('the same statements for 10 and 1,200 items on PostgreSQL (one cursor per list); on PGlite one more per 256 rows', async () => {
    async function statementsFor(perKind: number) {
      const source = await newTenant(t.app)
      const org = source.organization.id
      const agent = await seedAgent(t.app, org, 'Closer')
      await seedBulkItems(t.app, org, source.salesRep.id, {
        automations: perKind,
        prompts: perKind,
        templates: perKind,
        referenceEvery: 1,
        agentId: agent,
      })
      const snapshot = await snapshotOf(t.app, { tenant: source, agentId: agent, promptIds: {}, automationIds: {} })
      const start = t.queries.length
      await streamedAnswer(`/api/user-snapshots/${snapshot._id}`, source.admin.token)
      return t.queries.slice(start)
    }
    const small = await statementsFor(4)
    const large = await statementsFor(400)
    if (t.app.ctx.dbKind === 'postgres') {
      assert.deepEqual(large, small)
      // The token's user, the snapshot, begin, three lists and two reference lists, commit.
      assert.equal(small.length, 9, small.join('\n'))
    } else {
      // Keyset pages of 256: 400 automations, prompts and templates, 800 stage references and 400 agent
      // references take 2, 2, 2, 4 and 2 pages where 4 of each took 1.
      assert.equal(large.length - small.length, 1 + 1 + 1 + 3 + 1, large.join('\n'))
    }
  })

  it('answers the same to many readers at once (they take turns for the database)', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const url = `/api/user-snapshots/${snapshot._id}`
    const answers = await Promise.all(Array.from({ length: 12 }, () => api(t.app, 'GET', url, { token: setup.tenant.admin.token })))
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]))
    assert.equal(new Set(answers.map((a) => a.raw)).size, 1)
    assert.equal(answers[0]!.raw, await wholeAnswer('user', snapshot._id))
  })

  it('a snapshot deleted before the first byte is sent is a plain 404', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    // What a deletion between loading the summary and reading the copies looks like:
    // the counts promise more than is there (versions never change, so only a delete does this).
    await t.app.ctx.db
      .updateTable('snapshots')
      .set({ counts: JSON.stringify({ automations: 4, prompts: 2, templates: 2 }) })
      .where('id', '=', snapshot._id)
      .execute()
    const response = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    assert.equal(response.status, 404)
    assert.equal(expectErrorShape(response).error, 'Snapshot not found')
  })

  it('a snapshot deleted after the first byte was sent is cut short, never a complete JSON answer', async () => {
    const source = await newTenant(t.app)
    await seedBulkItems(t.app, source.organization.id, source.salesRep.id, {
      automations: 400,
      prompts: 10,
      templates: 10,
      actionBytes: 400,
    })
    const snapshot = await snapshotOf(t.app, { tenant: source, agentId: '', promptIds: {}, automationIds: {} })
    await t.app.ctx.db
      .updateTable('snapshots')
      .set({ counts: JSON.stringify({ automations: 400, prompts: 10, templates: 11 }) })
      .where('id', '=', snapshot._id)
      .execute()
    const outcome = await t.app
      .inject({ method: 'GET', url: `/api/user-snapshots/${snapshot._id}`, headers: { authorization: `Bearer ${source.admin.token}` } })
      .then(
        (response) => response.body,
        (error: Error) => error,
      )
    // Headers and the automations were sent; the socket is then destroyed, so the client
    // sees a broken response, not a 200 with valid but partial JSON.
    assert.ok(outcome instanceof Error, `expected a broken response, got ${String(outcome).slice(0, 200)}`)
    assert.match(outcome.message, /destroyed before completion/)
  })

  it('same access rules as before: another organization’s snapshot is 404, the wrong kind 404', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const other = await newTenant(t.app)
    assert.equal((await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: other.admin.token })).status, 404)
    const root = await newSuperadmin(t.app)
    assert.equal((await api(t.app, 'GET', `/api/org-snapshots/${snapshot._id}`, { token: root.token })).status, 404)
  })
})
