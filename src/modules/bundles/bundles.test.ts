import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { describe, it } from 'node:test'
import canonicalize from 'canonicalize'
import { CompactSign, compactVerify, importJWK } from 'jose'
import { useTestApp } from '../../../test/helpers/app.ts'
import { newSuperadmin, newTenant } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'
import { crossOrgScenario, newUserBody, orgApplyBody, orgSourceSetup, snapshotOf, sourceSetup } from '../../../test/helpers/scenarios.ts'
import { createBundleSigner } from '../../shared/bundle-signing.ts'
import { checksumOf } from './bundle-format.ts'

type Bundle = Record<string, any>

/** The bundle as it went over the wire, and parsed. */
async function exportOf(app: Parameters<typeof api>[0], url: string, token: string) {
  const response = await api(app, 'GET', url, { token })
  assert.equal(response.status, 200, response.raw.slice(0, 500))
  return { raw: response.raw, bundle: JSON.parse(response.raw) as Bundle, headers: response.headers }
}

/** A changed bundle, checksummed and signed again with `seed`'s key (a forger with a key of their own, or another instance). */
async function resign(bundle: Bundle, seed: Buffer): Promise<Bundle> {
  const signer = createBundleSigner(seed)
  const copy = structuredClone(bundle)
  copy.instance.keyId = (await signer.publicKey()).kid
  copy.checksum = checksumOf(copy)
  copy.signature = await signer.sign(copy.checksum)
  return copy
}

const otherSeed = Buffer.alloc(32, 42)
const otherKey = await createBundleSigner(otherSeed).publicKey()

describe('bundles: export', () => {
  const t = useTestApp()

  it('exports a user snapshot as a canonical, checksummed, signed attachment that names nothing of this instance but ids', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { raw, bundle, headers } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    assert.match(String(headers['content-disposition']), /^attachment; filename="Top-rep-v1\.bundle\.json"$/)
    assert.match(String(headers['content-type']), /^application\/json/)

    const instance = await t.app.ctx.db.selectFrom('instance_identity').select('id').executeTakeFirstOrThrow()
    const jwks = await api(t.app, 'GET', '/.well-known/jwks.json')
    assert.equal(jwks.status, 200)
    assert.equal(jwks.body.keys.length, 1)
    const [key] = jwks.body.keys
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'], 'a public key only')

    assert.equal(bundle.format, 'tether-relay.snapshot-bundle')
    assert.equal(bundle.formatVersion, 1)
    assert.equal(bundle.kind, 'user')
    assert.deepEqual(bundle.instance, { id: instance.id, keyId: key.kid })
    assert.ok(Math.abs(Date.parse(bundle.exportedAt) - Date.now()) < 60_000)
    const { items, refs, ...summary } = bundle.snapshot
    assert.deepEqual(summary, {
      id: snapshot._id,
      name: 'Top rep',
      description: null,
      version: 1,
      counts: { automations: 3, prompts: 2, templates: 2 },
      source: { orgName: setup.tenant.organization.name, userEmail: setup.tenant.salesRep.email, userName: setup.tenant.salesRep.fullName },
    })
    assert.deepEqual(Object.keys(items), ['automations', 'prompts', 'templates'])
    assert.deepEqual(items.automations.map((a: Bundle) => a.name).sort(), Object.keys(setup.automationIds).sort())
    const handOff = items.automations.find((a: Bundle) => a.name === 'Hand qualified leads to Closer')
    assert.deepEqual(handOff.sourceStatuses, ['Contacted', 'Qualified'])
    assert.deepEqual(Object.keys(handOff).sort(), ['actions', 'conditions', 'description', 'enabled', 'event', 'maxTransitions', 'name', 'sourceId', 'sourceStatuses', 'triggerType'])
    assert.deepEqual(
      refs.filter((r: Bundle) => r.refType === 'agent'),
      [{ automationName: 'Hand qualified leads to Closer', refType: 'agent', field: 'agentId', fieldLocation: 'actions', value: setup.agentId, agentName: 'Closer' }],
    )

    // The bytes before checksum and signature are exactly the canonical JSON (RFC 8785) the checksum covers.
    const unsigned = raw.slice(0, raw.indexOf(',"checksum":')) + '}'
    const { checksum: _c, signature: _s, ...rest } = bundle
    assert.equal(unsigned, canonicalize(rest))
    assert.equal(bundle.checksum, checksumOf(bundle))
    // The signature is a compact JWS of the checksum by the key /.well-known/jwks.json publishes.
    const verified = await compactVerify(bundle.signature, await importJWK(key, 'EdDSA'))
    assert.equal(new TextDecoder().decode(verified.payload), bundle.checksum)
    assert.deepEqual(verified.protectedHeader, { alg: 'EdDSA', kid: key.kid, jwk: { kty: 'OKP', crv: 'Ed25519', x: key.x } })
    // The export is in the audit log, naming exactly which bundle left.
    const events = await t.app.ctx.db.selectFrom('audit_events').select(['action', 'actor_id', 'version', 'details']).where('snapshot_id', '=', snapshot._id).where('action', '=', 'snapshot.exported').execute()
    assert.deepEqual(events, [{ action: 'snapshot.exported', actor_id: setup.tenant.admin.id, version: 1, details: { name: 'Top rep', checksum: bundle.checksum, keyId: key.kid } }])
  })

  it('exports an org snapshot with credential names and never a credential value', async () => {
    const source = await orgSourceSetup(t.app)
    const { raw, bundle } = await exportOf(t.app, `/api/org-snapshots/${source.snapshot._id}/export`, source.root.token)
    assert.equal(bundle.kind, 'org')
    const { items } = bundle.snapshot
    assert.deepEqual(Object.keys(items), ['agents', 'automations', 'credentialNames', 'dynamicProperties', 'pipelines', 'prompts', 'stages', 'templates'])
    assert.deepEqual(items.credentialNames.map((c: Bundle) => c.name).sort(), Object.keys(source.secrets).sort())
    for (const value of Object.values(source.secrets)) assert.ok(!raw.includes(value), 'a credential value is in the bundle')
    const stored = await t.app.ctx.db.selectFrom('organization_credentials').select(['ciphertext', 'value_hash']).where('organization_id', '=', source.tenant.organization.id).execute()
    assert.equal(stored.length, 2)
    for (const { ciphertext, value_hash } of stored) assert.ok(!raw.includes(ciphertext) && !raw.includes(value_hash))
    assert.deepEqual(items.stages.map((s: Bundle) => s.name).sort(), ['Contacted', 'New', 'Qualified'])
    assert.ok(items.stages.every((s: Bundle) => s.sourcePipelineId === items.pipelines[0].sourceId))
    assert.equal(items.agents[0].promptId, source.promptIds.Greeter, 'the agent names its prompt by the prompt\u2019s source id')
    assert.deepEqual(bundle.snapshot.counts, { agents: 1, automations: 3, credentialNames: 2, dynamicProperties: 1, pipelines: 1, prompts: 2, stages: 3, templates: 2 })
  })

  it('exports a given version, 404 for a version that does not exist, and 404 for what the caller may not see', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export?version=1`, setup.tenant.admin.token)
    assert.equal(bundle.snapshot.version, 1)
    const missing = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/export?version=2`, { token: setup.tenant.admin.token })
    assert.equal(missing.status, 404)
    expectErrorShape(missing)
    const other = await newTenant(t.app)
    const hidden = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/export`, { token: other.admin.token })
    assert.equal(hidden.status, 404)
    const asOrg = await api(t.app, 'GET', `/api/org-snapshots/${snapshot._id}/export`, { token: (await newSuperadmin(t.app)).token })
    assert.equal(asOrg.status, 404)
    const zero = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}/export?version=0`, { token: setup.tenant.admin.token })
    assert.equal(zero.status, 400)
  })
})

describe('bundles: import', () => {
  const t = useTestApp()

  it('imports into the importer\u2019s organization with importedFrom, and the same bundle again is 200 with the same snapshot', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { raw, bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const importer = await newTenant(t.app)
    const first = await api(t.app, 'POST', '/api/user-snapshots/import', { token: importer.admin.token, rawBody: raw })
    assert.equal(first.status, 201, first.raw)
    assert.equal(first.body.message, 'Snapshot imported')
    const imported = first.body.snapshot
    assert.notEqual(imported._id, snapshot._id)
    assert.equal(imported.name, 'Top rep')
    assert.equal(imported.sourceOrgId, null)
    assert.equal(imported.sourceUserId, null)
    assert.equal(imported.sourceOrgName, setup.tenant.organization.name)
    assert.equal(imported.createdBy, importer.admin.id)
    assert.deepEqual(imported.assignedOrgIds, [importer.organization.id])
    assert.equal(imported.isGlobal, false)
    assert.deepEqual(imported.counts, { automations: 3, prompts: 2, templates: 2 })
    assert.deepEqual(imported.importedFrom, { instanceId: bundle.instance.id, snapshotId: snapshot._id, version: 1 })
    // The catalogue shows it the same way (its summaries are built by the database).
    const listed = await api(t.app, 'GET', '/api/user-snapshots?scope=assigned', { token: importer.admin.token })
    assert.deepEqual(listed.body.snapshots.find((s: Bundle) => s._id === imported._id), imported)
    const native = await api(t.app, 'GET', '/api/user-snapshots', { token: setup.tenant.admin.token })
    assert.equal(native.body.snapshots.find((s: Bundle) => s._id === snapshot._id).importedFrom, null)

    // The copies are the exported ones.
    const detail = await api(t.app, 'GET', `/api/user-snapshots/${imported._id}`, { token: importer.admin.token })
    const original = await api(t.app, 'GET', `/api/user-snapshots/${snapshot._id}`, { token: setup.tenant.admin.token })
    for (const field of ['automations', 'prompts', 'templates', 'sourcePipelineStageRefs', 'sourceAgentRefs']) {
      assert.deepEqual(detail.body.snapshot[field], original.body.snapshot[field], field)
    }
    // Gzip, and again: the same snapshot, nothing new.
    const again = await api(t.app, 'POST', '/api/user-snapshots/import', {
      token: importer.admin.token,
      rawBody: gzipSync(raw) as unknown as string,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    })
    assert.equal(again.status, 200, again.raw)
    assert.equal(again.body.message, 'Snapshot already imported')
    assert.deepEqual(again.body.snapshot, imported)
    const rows = await t.app.ctx.db.selectFrom('snapshots').select('id').where('imported_from_snapshot', '=', snapshot._id).execute()
    assert.equal(rows.length, 1)
    // One audit event: the import that wrote something, not the one that found it done.
    const events = await t.app.ctx.db.selectFrom('audit_events').select(['action', 'actor_id', 'organization_id', 'version', 'details']).where('snapshot_id', '=', imported._id).execute()
    assert.deepEqual(events, [
      {
        action: 'snapshot.imported',
        actor_id: importer.admin.id,
        organization_id: importer.organization.id,
        version: 1,
        details: {
          name: 'Top rep',
          importedFrom: { instanceId: bundle.instance.id, snapshotId: snapshot._id, version: 1 },
          checksum: bundle.checksum,
          keyId: bundle.instance.keyId,
          counts: { automations: 3, prompts: 2, templates: 2 },
        },
      },
    ])

    // Another organization importing the same bundle gets a snapshot of its own, never a look at this one.
    const second = await newTenant(t.app)
    const theirs = await api(t.app, 'POST', '/api/user-snapshots/import', { token: second.admin.token, rawBody: raw })
    assert.equal(theirs.status, 201)
    assert.notEqual(theirs.body.snapshot._id, imported._id)
    assert.deepEqual(theirs.body.snapshot.assignedOrgIds, [second.organization.id])
  })

  it('an imported snapshot applies anywhere as a cross-organization snapshot, references resolved by name', async () => {
    const { setup, snapshot, target } = await crossOrgScenario(t.app)
    const { raw } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const imported = await api(t.app, 'POST', '/api/user-snapshots/import', { token: target.tenant.admin.token, rawBody: raw })
    assert.equal(imported.status, 201)
    const applyTo = async (id: string) => {
      const response = await api(t.app, 'POST', `/api/user-snapshots/${id}/apply`, { token: target.tenant.admin.token, body: { newUser: newUserBody() } })
      assert.equal(response.status, 201, response.raw)
      return t.app.ctx.db
        .selectFrom('automations')
        .select(['name', 'description', 'source_statuses', 'actions', 'enabled'])
        .where('user_id', '=', response.body.result.userId)
        .orderBy('name')
        .execute()
    }
    const fromImport = await applyTo(imported.body.snapshot._id)
    assert.deepEqual(fromImport, await applyTo(snapshot._id))
    assert.equal(fromImport.find((a) => a.name === 'Hand qualified leads to Closer')?.actions.agentId, target.agents.Closer)
  })

  it('refuses, each with its own 400: format, version, a changed byte, a signature that does not verify, the wrong kind', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { raw, bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const token = setup.tenant.admin.token
    const refused = async (body: string, error: string, status = 400) => {
      const response = await api(t.app, 'POST', '/api/user-snapshots/import', { token, rawBody: body })
      assert.equal(response.status, status, response.raw)
      assert.equal(expectErrorShape(response).error, error, response.raw)
      return response.body
    }
    await refused(JSON.stringify({ ...bundle, format: 'zip' }), 'Unknown bundle format')
    assert.match((await refused(JSON.stringify({ ...bundle, formatVersion: 2, future: true }), 'Unsupported bundle version')).message, /formatVersion 1 .*version 2/)
    // One byte of content changed: the checksum no longer matches.
    const at = raw.indexOf('Move to Contacted')
    await refused(raw.slice(0, at) + 'N' + raw.slice(at + 1), 'Checksum mismatch')
    // Content and checksum changed together: the signature signs another checksum.
    const forged = structuredClone(bundle)
    forged.snapshot.name = 'Forged'
    forged.checksum = checksumOf(forged)
    await refused(JSON.stringify(forged), 'Invalid signature')
    // A signature byte changed.
    const sigAt = raw.lastIndexOf('.') + 5
    await refused(raw.slice(0, sigAt) + (raw[sigAt] === 'A' ? 'B' : 'A') + raw.slice(sigAt + 1), 'Invalid signature')
    // Signed by another key, but instance.keyId still names this instance's.
    const other = await resign(bundle, otherSeed)
    await refused(JSON.stringify({ ...other, instance: bundle.instance, checksum: other.checksum }), 'Checksum mismatch')
    // A user bundle sent to the org import, and garbage.
    const root = await newSuperadmin(t.app)
    const wrongKind = await api(t.app, 'POST', '/api/org-snapshots/import', { token: root.token, rawBody: raw })
    assert.equal(wrongKind.status, 400)
    assert.equal(wrongKind.body.error, 'Wrong kind of bundle')
    const notGzip = await api(t.app, 'POST', '/api/user-snapshots/import', { token, rawBody: raw, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
    assert.equal(notGzip.status, 400)
    expectErrorShape(notGzip)
    const brotli = await api(t.app, 'POST', '/api/user-snapshots/import', { token, rawBody: raw, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } })
    assert.equal(brotli.status, 415)
    expectErrorShape(brotli)
    // Nothing was imported by any of these.
    const rows = await t.app.ctx.db.selectFrom('snapshots').select('id').where('imported_from_snapshot', '=', snapshot._id).execute()
    assert.deepEqual(rows, [])
  })

  it('without BUNDLE_TRUSTED_KEYS a bundle signed by any key that verifies is accepted', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const response = await api(t.app, 'POST', '/api/user-snapshots/import', { token: setup.tenant.admin.token, body: await resign(bundle, otherSeed) })
    assert.equal(response.status, 201, response.raw)
  })

  it('a newer version of an imported snapshot becomes its next version; older ones and changed ones are refused', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const token = setup.tenant.admin.token
    const post = (body: unknown) => api(t.app, 'POST', '/api/user-snapshots/import', { token, body })
    const first = await post(bundle)
    assert.equal(first.status, 201)
    const id = first.body.snapshot._id

    // Version 3 of the source: one template fewer and an automation renamed.
    const v3 = structuredClone(bundle)
    v3.snapshot.version = 3
    v3.snapshot.items.templates = v3.snapshot.items.templates.slice(1)
    v3.snapshot.counts.templates = 1
    v3.snapshot.items.automations[0].name = 'Renamed at the source'
    v3.snapshot.refs = v3.snapshot.refs.map((r: Bundle) => (r.automationName === bundle.snapshot.items.automations[0].name ? { ...r, automationName: 'Renamed at the source' } : r))
    const next = await post(await resign(v3, otherSeed))
    assert.equal(next.status, 201, next.raw)
    assert.equal(next.body.snapshot._id, id)
    assert.deepEqual(next.body.snapshot.importedFrom, { instanceId: bundle.instance.id, snapshotId: snapshot._id, version: 3 })
    assert.deepEqual(next.body.snapshot.counts, { automations: 3, prompts: 2, templates: 1 })
    const versions = await t.app.ctx.db.selectFrom('snapshot_versions').select(['version', 'imported_version']).where('snapshot_id', '=', id).orderBy('version').execute()
    assert.deepEqual(versions, [{ version: 1, imported_version: 1 }, { version: 2, imported_version: 3 }])
    const detail = await api(t.app, 'GET', `/api/user-snapshots/${id}`, { token })
    assert.ok(detail.body.snapshot.automations.some((a: Bundle) => a.name === 'Renamed at the source'))
    assert.equal(detail.body.snapshot.templates.length, 1)

    // Version 1 again: already imported, the snapshot as it is now.
    const again = await post(bundle)
    assert.equal(again.status, 200)
    assert.equal(again.body.snapshot.importedFrom.version, 3)
    // Version 2 (older than 3), and version 1 with other content.
    const v2 = structuredClone(bundle)
    v2.snapshot.version = 2
    const older = await post(await resign(v2, otherSeed))
    assert.equal(older.status, 422, older.raw)
    assert.equal(older.body.error, 'Older version')
    const changed = structuredClone(bundle)
    changed.snapshot.description = 'Other content'
    const conflicting = await post(await resign(changed, otherSeed))
    assert.equal(conflicting.status, 409, conflicting.raw)
    const after = await t.app.ctx.db.selectFrom('snapshot_versions').select('version').where('snapshot_id', '=', id).execute()
    assert.equal(after.length, 2)
  })

  it('with an Idempotency-Key an import happens once, however often and however concurrently it is sent', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const token = setup.tenant.admin.token
    const post = (body: unknown, key: string) => api(t.app, 'POST', '/api/user-snapshots/import', { token, body, headers: { 'idempotency-key': key } })
    const first = await post(bundle, 'import-v1')
    assert.equal(first.status, 201, first.raw)
    const id = first.body.snapshot._id

    // A newer version sent five times at once with one key: one new version, the same answer for all that got one.
    const v2 = structuredClone(bundle)
    v2.snapshot.version = 2
    v2.snapshot.description = 'Second version'
    const signed = await resign(v2, otherSeed)
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(signed, 'import-v2')))
    const done = answers.filter((a) => a.status === 201)
    assert.ok(done.length >= 1, answers.map((a) => a.status).join())
    assert.ok(answers.every((a) => a.status === 201 || a.status === 409), answers.map((a) => a.status).join())
    for (const answer of done) assert.deepEqual(answer.body, done[0]!.body)
    assert.equal(done.filter((a) => a.headers['idempotent-replayed'] !== 'true').length, 1, 'one request did the work')
    const retry = await post(signed, 'import-v2')
    assert.equal(retry.status, 201)
    assert.equal(retry.headers['idempotent-replayed'], 'true')
    assert.equal(retry.body.snapshot.version, 2)

    const versions = await t.app.ctx.db.selectFrom('snapshot_versions').select('version').where('snapshot_id', '=', id).execute()
    assert.equal(versions.length, 2)
    const events = await t.app.ctx.db.selectFrom('audit_events').select('action').where('snapshot_id', '=', id).where('action', '=', 'snapshot.imported').execute()
    assert.equal(events.length, 2, 'one audit event per import that wrote something')

    // The key of the first import with another bundle: 422, nothing written.
    const reused = await post(signed, 'import-v1')
    assert.equal(reused.status, 422, reused.raw)
    assert.equal(reused.body.error, 'Idempotency key reused')
  })

  it('refuses bundles whose content contradicts itself', async () => {
    const setup = await sourceSetup(t.app)
    const snapshot = await snapshotOf(t.app, setup)
    const { bundle } = await exportOf(t.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const post = async (change: (b: Bundle) => void) => {
      const copy = structuredClone(bundle)
      change(copy)
      const response = await api(t.app, 'POST', '/api/user-snapshots/import', { token: setup.tenant.admin.token, body: await resign(copy, otherSeed) })
      assert.equal(response.status, 400, response.raw)
      return expectErrorShape(response)
    }
    assert.match((await post((b) => (b.snapshot.counts.automations = 9))).message, /counts\.automations is 9 but the bundle holds 3/)
    assert.match((await post((b) => (b.snapshot.items.prompts[1].sourceId = b.snapshot.items.prompts[0].sourceId))).message, /same sourceId/)
    assert.match((await post((b) => delete b.snapshot.items.templates)).message, /no templates list/)
    assert.match((await post((b) => (b.snapshot.items.pipelines = []))).message, /has no pipelines/)
    assert.equal((await post((b) => (b.snapshot.items.automations[0].unknown = 1))).error, 'Validation error')
  })

  it('imports an org snapshot (superadmins only) that applies like the original', async () => {
    const source = await orgSourceSetup(t.app)
    const { raw } = await exportOf(t.app, `/api/org-snapshots/${source.snapshot._id}/export`, source.root.token)
    const admin = await api(t.app, 'POST', '/api/org-snapshots/import', { token: source.tenant.admin.token, rawBody: raw })
    assert.equal(admin.status, 403)
    const root = await newSuperadmin(t.app)
    const imported = await api(t.app, 'POST', '/api/org-snapshots/import', { token: root.token, rawBody: raw })
    assert.equal(imported.status, 201, imported.raw)
    assert.deepEqual(imported.body.snapshot.credentialNames, Object.keys(source.secrets).sort())
    assert.equal(imported.body.snapshot.sourceOrgId, null)
    const applied = async (id: string) => {
      const response = await api(t.app, 'POST', `/api/org-snapshots/${id}/apply`, { token: root.token, body: orgApplyBody() })
      assert.equal(response.status, 201, response.raw)
      const orgId = response.body.result.organizationId as string
      const db = t.app.ctx.db
      const pipelines = await db.selectFrom('pipelines').select(['name', 'type', 'is_default']).where('organization_id', '=', orgId).execute()
      const stages = await db.selectFrom('pipeline_stages').select(['name', 'position', 'color']).where('organization_id', '=', orgId).orderBy('position').execute()
      const agents = await db.selectFrom('ai_agents').select(['name', 'description']).where('organization_id', '=', orgId).execute()
      const automations = await db.selectFrom('automations').select(['name', 'source_statuses', 'actions']).where('organization_id', '=', orgId).orderBy('name').execute()
      const agentIds = new Map((await db.selectFrom('ai_agents').select(['id', 'name']).where('organization_id', '=', orgId).execute()).map((a) => [a.id, a.name]))
      // Agent references by name: the ids differ per apply.
      const byName = automations.map((a) => ({ ...a, actions: { ...a.actions, ...(a.actions.agentId ? { agentId: agentIds.get(a.actions.agentId as string) } : {}) } }))
      const { applicationId: _a, organizationId: _o, organizationName: _n, userId: _u, ...result } = response.body.result
      return { result, pipelines, stages, agents, automations: byName }
    }
    assert.deepEqual(await applied(imported.body.snapshot._id), await applied(source.snapshot._id))
  })
})

describe('bundles: trust and limits', () => {
  const trusting = useTestApp({ config: { bundles: { importLimitBytes: 64 * 1024, trustedKeys: [otherKey] } } })
  const exporter = useTestApp()

  it('with BUNDLE_TRUSTED_KEYS only the listed keys are trusted (422 otherwise); bodies over IMPORT_LIMIT_BYTES are 413', async () => {
    const setup = await sourceSetup(exporter.app)
    const snapshot = await snapshotOf(exporter.app, setup)
    const { raw, bundle } = await exportOf(exporter.app, `/api/user-snapshots/${snapshot._id}/export`, setup.tenant.admin.token)
    const importer = await newTenant(trusting.app)
    const post = (rawBody: string, headers?: Record<string, string>) =>
      api(trusting.app, 'POST', '/api/user-snapshots/import', { token: importer.admin.token, rawBody, headers })

    // This app trusts only otherSeed's key: the exporter's bundle is refused, the same content signed with that key accepted.
    const untrusted = await post(raw)
    assert.equal(untrusted.status, 422, untrusted.raw)
    assert.equal(untrusted.body.error, 'Untrusted signer')
    assert.ok(untrusted.body.message.includes(bundle.instance.keyId))
    // A forger's key under the trusted kid is not trusted: trust is by kid and key.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const forged = structuredClone(bundle)
    forged.instance.keyId = otherKey.kid
    forged.checksum = checksumOf(forged)
    forged.signature = await new CompactSign(new TextEncoder().encode(forged.checksum))
      .setProtectedHeader({ alg: 'EdDSA', kid: otherKey.kid, jwk: publicKey.export({ format: 'jwk' }) })
      .sign(privateKey)
    const sameKid = await post(JSON.stringify(forged))
    assert.equal(sameKid.status, 422, sameKid.raw)
    const trusted = await post(JSON.stringify(await resign(bundle, otherSeed)))
    assert.equal(trusted.status, 201, trusted.raw)

    const big = JSON.stringify({ ...bundle, padding: 'x'.repeat(70 * 1024) })
    assert.equal((await post(big)).status, 413)
    // A gzip body that inflates past the limit is 413 too.
    const bomb = gzipSync(big)
    assert.ok(bomb.length < 64 * 1024)
    assert.equal((await post(bomb as unknown as string, { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status, 413)
    const rows = await trusting.app.ctx.db.selectFrom('snapshots').select('id').where('imported_from_snapshot', '=', snapshot._id).execute()
    assert.deepEqual(rows, [{ id: trusted.body.snapshot._id }])
  })
})
