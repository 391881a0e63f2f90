import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createPostgresDatabase, testDatabaseKind } from './helpers/database.ts'
import { httpJson, startServer, useProcesses, type ServerProcess } from './helpers/process.ts'

/**
 * Issue 14 item 3: a snapshot moved between two real server processes with separate
 * databases (two PGlite data directories, or in the PostgreSQL pass two fresh
 * databases), each with its own generated secrets and so its own signing key.
 * Instance B trusts only A's key (BUNDLE_TRUSTED_KEYS, A's JWKS given inline).
 */

const root = { email: 'root@bundles.test', password: 'Root-pass-2026' }
const password = 'Bundle-pass-2026'
const suffix = () => randomBytes(3).toString('hex')
const phone = () => `+1${String(randomInt(2_000_000_000, 9_999_999_999))}`

interface Instance {
  server: ServerProcess
  token: string
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any; raw: string }>
}

async function start(tempDir: string, env: Record<string, string>, cleanups: (() => Promise<void>)[]): Promise<Instance> {
  const full: Record<string, string> = {
    NODE_ENV: 'development',
    DATA_DIR: tempDir,
    BOOTSTRAP_SUPERADMIN_EMAIL: root.email,
    BOOTSTRAP_SUPERADMIN_PASSWORD: root.password,
    RATE_LIMIT_MAX: '100000',
    // startServer reads the listening line, logged at info.
    LOG_LEVEL: 'info',
    ...env,
  }
  if (testDatabaseKind === 'postgres') {
    const database = await createPostgresDatabase()
    full.DATABASE_URL = database.url
    cleanups.push(() => database.drop())
  }
  const server = await startServer(full, 120_000)
  cleanups.push(async () => void (await server.stop()))
  const call: Instance['call'] = (method, path, body, token) => httpJson(server, method, path, { token, body, timeoutMs: 60_000 })
  const login = await call('POST', '/api/auth/login', root)
  assert.equal(login.status, 200, login.raw)
  const instance: Instance = { server, token: login.body.token, call: (m, p, b, t) => call(m, p, b, t ?? instance.token) }
  return instance
}

function ok(answer: { status: number; raw: string }, status = 201) {
  assert.equal(answer.status, status, answer.raw.slice(0, 500))
}

/** On A: an organization with a pipeline, an agent using a prompt, a rep with automations, prompts, templates, credentials. */
async function seedSource(a: Instance) {
  const tag = suffix()
  const adminEmail = `admin-${tag}@acme.test`
  const credentials = { anthropicApiKey: `sk-ant-${suffix()}${suffix()}-only-on-a`, twilioAuthToken: `twilio-${suffix()}${suffix()}` }
  const org = await a.call('POST', '/api/organizations', {
    name: `Acme ${tag}`,
    phoneNumber: phone(),
    address: '1 Source Street',
    adminDetails: { email: adminEmail, password, fullName: 'Ada Admin' },
    creds: credentials,
  })
  ok(org)
  const orgId = org.body.data.organizationId as string
  const admin = (await a.call('POST', '/api/auth/login', { email: adminEmail, password })).body.token as string
  ok(await a.call('POST', '/api/pipelines', { name: 'Sales', type: 'Contact', isDefault: true, stages: [{ name: 'New' }, { name: 'Contacted' }, { name: 'Qualified' }] }, admin))
  ok(await a.call('PUT', `/api/organizations/sections/${orgId}`, { sections: [{ name: 'Basics', isHidden: false, properties: { budget: { name: 'Budget', dataType: 'number', isHidden: false } } }] }, admin), 200)
  const repEmail = `rep-${tag}@acme.test`
  const rep = await a.call('POST', '/api/user', { email: repEmail, password, fullName: 'Riley Rep', accessRole: 'SALES_REP' }, admin)
  ok(rep)
  const repToken = (await a.call('POST', '/api/auth/login', { email: repEmail, password })).body.token as string
  const greeter = await a.call('POST', '/api/prompts', { name: 'Greeter', prompt: 'Greet the lead warmly.', temperature: 0.7 }, repToken)
  ok(greeter)
  ok(await a.call('POST', '/api/prompts', { name: 'Objections', prompt: 'Handle price objections.' }, repToken))
  const agent = await a.call('POST', '/api/agents', { name: 'Closer', description: 'Closes deals', promptId: greeter.body.prompt._id }, admin)
  ok(agent)
  ok(await a.call('POST', '/api/templates', { name: 'Intro', template: 'Hi {{firstName}}!', type: 'sms' }, repToken))
  ok(await a.call('POST', '/api/automations', { name: 'Move to Contacted on first reply', event: 'message.received', sourceStatuses: ['New'], actions: { targetStage: 'Contacted' } }, repToken))
  ok(await a.call('POST', '/api/automations', { name: 'Hand qualified leads to Closer', event: 'message.received', sourceStatuses: ['Qualified'], actions: { agentId: agent.body.agent._id, targetStage: 'Qualified' } }, repToken))
  return { orgId, repId: rep.body.user._id as string, credentials }
}

/**
 * What an apply created in an organization, as the API shows it, with every id
 * replaced by the name of what it points at and timestamps left out: two applies
 * of the same snapshot on two instances must read the same.
 */
async function appliedState(instance: Instance, orgId: string) {
  const get = async (path: string) => {
    const answer = await instance.call('GET', path)
    ok(answer, 200)
    return answer.body
  }
  const pipelines = (await get(`/api/pipelines?organizationId=${orgId}`)).pipelines as any[]
  const agents = (await get(`/api/agents?organizationId=${orgId}`)).agents as any[]
  const users = (await get(`/api/user/list?organizationId=${orgId}`)).users as any[]
  const names = new Map<string, string>([[orgId, 'organization']])
  for (const p of pipelines) names.set(p._id, `pipeline:${p.name}`)
  for (const g of agents) names.set(g._id, `agent:${g.name}`)
  const items: Record<string, unknown> = {}
  for (const user of users) {
    names.set(user._id, `user:${user.email}`)
    const prompts = (await get(`/api/prompts/user?userId=${user._id}`)).prompts as any[]
    for (const p of prompts) names.set(p._id, `prompt:${p.name}`)
    items[user.email] = {
      automations: (await get(`/api/automations?userId=${user._id}`)).automations,
      prompts,
      templates: (await get(`/api/user/sms-templates?userId=${user._id}`)).templates,
    }
  }
  const sections = await get(`/api/organizations/sections/${orgId}`)
  const byName = (value: unknown): unknown => {
    if (typeof value === 'string') return names.get(value) ?? value
    if (Array.isArray(value)) {
      const items = value.map(byName)
      // Lists of named things in name order: the order rows were written in is not part of the result.
      return items.every((item) => typeof (item as { name?: unknown } | null)?.name === 'string')
        ? items.sort((x, y) => String((x as { name: string }).name).localeCompare(String((y as { name: string }).name)))
        : items
    }
    if (value === null || typeof value !== 'object') return value
    return Object.fromEntries(
      Object.entries(value)
        // Own ids, timestamps, and where a copy came from (the source organization exists on A only) differ by nature;
        // ids that point at something were replaced by its name above.
        .filter(([key]) => !/At$/.test(key) && !['_id', 'copiedFromOrg', 'copiedFrom'].includes(key))
        .map(([key, item]) => [key, byName(item)]),
    )
  }
  return byName({ pipelines, agents, users, items, sections })
}

describe('bundles between two server processes with separate databases', () => {
  const { tempDir } = useProcesses()
  const cleanups: (() => Promise<void>)[] = []
  let a: Instance
  let b: Instance
  let source: Awaited<ReturnType<typeof seedSource>>
  let aKey: { kid: string; x: string }

  before(async () => {
    a = await start(tempDir('a'), {}, cleanups)
    const jwks = await a.call('GET', '/.well-known/jwks.json')
    ok(jwks, 200)
    aKey = jwks.body.keys[0]
    b = await start(tempDir('b'), { BUNDLE_TRUSTED_KEYS: JSON.stringify(jwks.body) }, cleanups)
    source = await seedSource(a)
  })
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  })

  it('exports an org snapshot on A, imports it on B, and an apply there equals an apply on A', async () => {
    const created = await a.call('POST', '/api/org-snapshots', { name: 'Whole Acme', sourceOrgId: source.orgId, sourceUserId: source.repId })
    ok(created)
    const exported = await a.call('GET', `/api/org-snapshots/${created.body.snapshot._id}/export`)
    ok(exported, 200)
    const raw = exported.raw
    // Every credential value set on the source organization is absent from the bundle.
    for (const value of Object.values(source.credentials)) assert.ok(!raw.includes(value), 'a credential value left instance A')
    const bundle = JSON.parse(raw)
    assert.equal(bundle.instance.keyId, aKey.kid)
    assert.notEqual((await b.call('GET', '/.well-known/jwks.json')).body.keys[0].kid, aKey.kid, 'each instance signs with its own key')

    const imported = await b.call('POST', '/api/org-snapshots/import', bundle)
    ok(imported)
    const snapshotOnB = imported.body.snapshot
    assert.deepEqual(snapshotOnB.importedFrom, { instanceId: bundle.instance.id, snapshotId: created.body.snapshot._id, version: 1 })
    assert.equal(snapshotOnB.sourceOrgId, null)
    assert.deepEqual(snapshotOnB.credentialNames, Object.keys(source.credentials).sort())
    assert.deepEqual(snapshotOnB.counts, created.body.snapshot.counts)
    ok(await b.call('POST', '/api/org-snapshots/import', bundle), 200)

    // The same apply on both instances: the same organization name, first user and credentials.
    const tag = suffix()
    const body = {
      orgName: `Globex ${tag}`,
      orgPhone: phone(),
      orgAddress: '2 Target Road',
      firstUser: { email: `first-${tag}@globex.test`, password, fullName: 'Fiona First' },
      credentials: { anthropicApiKey: `sk-ant-target-${suffix()}${suffix()}` },
    }
    const onA = await a.call('POST', `/api/org-snapshots/${created.body.snapshot._id}/apply`, body)
    ok(onA)
    const onB = await b.call('POST', `/api/org-snapshots/${snapshotOnB._id}/apply`, body)
    ok(onB)
    const result = (r: any) => ({ ...r, applicationId: undefined, organizationId: undefined, userId: undefined })
    assert.deepEqual(result(onB.body.result), result(onA.body.result))
    const stateA = await appliedState(a, onA.body.result.organizationId)
    const stateB = await appliedState(b, onB.body.result.organizationId)
    assert.deepEqual(stateB, stateA)
    // The references resolved to the new organization's own stage and agent.
    const automations = (stateB as any).items[body.firstUser.email].automations as any[]
    assert.deepEqual(automations.find((x) => x.name === 'Hand qualified leads to Closer').actions, { agentId: 'agent:Closer', targetStage: 'Qualified' })
    assert.equal((stateB as any).agents[0].promptId, `prompt:Greeter`)
  })

  it('a user snapshot travels too; B refuses a bundle edited by one byte and one signed by a key it does not trust', async () => {
    const created = await a.call('POST', '/api/user-snapshots', { name: 'Riley', sourceOrgId: source.orgId, sourceUserId: source.repId })
    ok(created)
    const exported = await a.call('GET', `/api/user-snapshots/${created.body.snapshot._id}/export`)
    ok(exported, 200)
    const raw = exported.raw

    const at = raw.indexOf('Greet the lead warmly')
    const edited = raw.slice(0, at) + 'g' + raw.slice(at + 1)
    const tampered = await b.call('POST', '/api/user-snapshots/import', JSON.parse(edited))
    ok(tampered, 400)
    assert.equal(tampered.body.error, 'Checksum mismatch')

    // B's own bundle is signed by B's key, which B's trust list (A's key only) does not hold.
    const imported = await b.call('POST', '/api/user-snapshots/import', JSON.parse(raw))
    ok(imported)
    const fromB = await b.call('GET', `/api/user-snapshots/${imported.body.snapshot._id}/export`)
    ok(fromB, 200)
    const untrusted = await b.call('POST', '/api/user-snapshots/import', JSON.parse(fromB.raw))
    ok(untrusted, 422)
    assert.equal(untrusted.body.error, 'Untrusted signer')
    // A trusts everyone (no BUNDLE_TRUSTED_KEYS), so it takes B's bundle: the same copies, now from B.
    const back = await a.call('POST', '/api/user-snapshots/import', JSON.parse(fromB.raw))
    ok(back)
    assert.equal(back.body.snapshot.importedFrom.snapshotId, imported.body.snapshot._id)
    const itemsOf = async (instance: Instance, id: string) => {
      const detail = await instance.call('GET', `/api/user-snapshots/${id}`)
      ok(detail, 200)
      const { automations, prompts, templates, sourcePipelineStageRefs, sourceAgentRefs } = detail.body.snapshot
      return { automations, prompts, templates, sourcePipelineStageRefs, sourceAgentRefs }
    }
    assert.deepEqual(await itemsOf(a, back.body.snapshot._id), await itemsOf(a, created.body.snapshot._id))
  })
})
