import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, uniqueEmail, uniquePhone, uniqueSuffix } from '../helpers/fixtures.ts'
import { api } from '../helpers/http.ts'
import { matchingTarget, sourceSetup } from '../helpers/scenarios.ts'

/**
 * The seed pages are the contract. test/contract/seed-contract.json holds their
 * schemas (copied into the repo); this test checks that
 * 1. every seed request schema is reproduced by the route's schema in /openapi.json
 *    (same properties, required lists, constraints, enums, patterns, defaults), and
 *    every seed status code is declared;
 * 2. real responses validate against the seed response schemas.
 */

type Schema = Record<string, any>
interface SeedContract {
  components: { schemas: Record<string, Schema> }
  operations: Record<string, { request?: string; responses: Record<string, string> }>
}

const seed = JSON.parse(readFileSync(new URL('./seed-contract.json', import.meta.url), 'utf8')) as SeedContract
const constraintKeywords = ['type', 'minLength', 'maxLength', 'pattern', 'enum', 'format', 'default', 'minimum', 'maximum']

function resolve(doc: { components?: { schemas?: Record<string, Schema> } }, schema: Schema): Schema {
  let current = schema
  while (typeof current.$ref === 'string') {
    const name = current.$ref.split('/').pop()!
    current = doc.components?.schemas?.[name] ?? {}
  }
  return current
}

/** Problems where `ours` does not reproduce `theirs` (the seed). */
function reproduces(oursDoc: any, ours: Schema, theirs: Schema, path: string, request: boolean): string[] {
  ours = resolve(oursDoc, ours)
  theirs = resolve(seed, theirs)
  const problems: string[] = []
  for (const keyword of constraintKeywords) {
    if (theirs[keyword] !== undefined && JSON.stringify(ours[keyword]) !== JSON.stringify(theirs[keyword])) {
      problems.push(`${path}: ${keyword} is ${JSON.stringify(ours[keyword])}, seed says ${JSON.stringify(theirs[keyword])}`)
    }
  }
  if (theirs.additionalProperties === false && ours.additionalProperties !== false) {
    problems.push(`${path}: must reject unknown properties`)
  }
  if (typeof theirs.additionalProperties === 'object' && Object.keys(theirs.additionalProperties).length > 0) {
    if (typeof ours.additionalProperties !== 'object') problems.push(`${path}: additionalProperties must be a schema`)
    else problems.push(...reproduces(oursDoc, ours.additionalProperties, theirs.additionalProperties, `${path}/*`, request))
  }
  if (theirs.items) {
    if (!ours.items) problems.push(`${path}: items missing`)
    else problems.push(...reproduces(oursDoc, ours.items, theirs.items, `${path}/items`, request))
  }
  for (const [name, property] of Object.entries<Schema>(theirs.properties ?? {})) {
    if (!ours.properties?.[name]) {
      problems.push(`${path}/${name}: missing`)
      continue
    }
    problems.push(...reproduces(oursDoc, ours.properties[name], property, `${path}/${name}`, request))
  }
  const theirRequired = [...(theirs.required ?? [])].sort()
  const ourRequired = [...(ours.required ?? [])].sort()
  if (request ? JSON.stringify(theirRequired) !== JSON.stringify(ourRequired) : !theirRequired.every((r) => ourRequired.includes(r))) {
    problems.push(`${path}: required ${JSON.stringify(ourRequired)}, seed says ${JSON.stringify(theirRequired)}`)
  }
  return problems
}

describe('seed contract', () => {
  const t = useTestApp()
  let openapi: any
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema({ $id: 'seed', components: seed.components })
  const validate = (schemaName: string, body: unknown) => {
    const check = ajv.getSchema(`seed#/components/schemas/${schemaName}`)!
    assert.ok(check(body), `${schemaName}: ${JSON.stringify(check.errors)} in ${JSON.stringify(body).slice(0, 400)}`)
  }

  before(() => {
    openapi = t.app.swagger()
  })

  it('reproduces every seed request schema and declares every seed status', () => {
    const problems: string[] = []
    for (const [operation, contract] of Object.entries(seed.operations)) {
      const [method, path] = operation.split(' ') as [string, string]
      const ours = openapi.paths?.[path]?.[method.toLowerCase()]
      if (!ours) {
        problems.push(`${operation}: not in /openapi.json`)
        continue
      }
      for (const status of Object.keys(contract.responses)) {
        if (!ours.responses?.[status]) problems.push(`${operation}: response ${status} not declared`)
      }
      if (contract.request) {
        const body = ours.requestBody?.content?.['application/json']?.schema
        if (!body) problems.push(`${operation}: no JSON request body`)
        else problems.push(...reproduces(openapi, body, { $ref: `#/components/schemas/${contract.request}` }, operation, true))
      }
      for (const [status, schemaName] of Object.entries(contract.responses)) {
        const response = ours.responses?.[status]?.content?.['application/json']?.schema
        if (response) problems.push(...reproduces(openapi, response, { $ref: `#/components/schemas/${schemaName}` }, `${operation} ${status}`, false))
      }
    }
    assert.deepEqual(problems, [])
  })

  it('notices a schema that drifts from the seed (the checker itself can fail)', () => {
    const drifted = structuredClone(openapi)
    // The bodies are references to named components: drift the components they name.
    const create = drifted.paths['/api/user-snapshots'].post.requestBody.content['application/json'].schema
    delete resolve(drifted, create).properties.name.maxLength
    const apply = drifted.paths['/api/user-snapshots/{id}/apply'].post.requestBody.content['application/json'].schema
    resolve(drifted, resolve(drifted, apply).properties.newUser).properties.accessRole.enum = ['ADMIN']
    const problems = [
      ...reproduces(drifted, create, { $ref: '#/components/schemas/CreateUserSnapshotRequest' }, 'create', true),
      ...reproduces(drifted, apply, { $ref: '#/components/schemas/ApplyUserSnapshotRequest' }, 'apply', true),
    ]
    assert.deepEqual(problems, [
      'create/name: maxLength is undefined, seed says 120',
      'apply/newUser/accessRole: enum is ["ADMIN"], seed says ["ADMIN","DEPARTMENT_HEAD","SALES_REP"]',
    ])
  })

  it('answers with bodies that validate against the seed response schemas', async () => {
    const setup = await sourceSetup(t.app)
    const target = await matchingTarget(t.app)
    const superadmin = await newSuperadmin(t.app)
    const token = setup.tenant.admin.token

    const created = await api(t.app, 'POST', '/api/user-snapshots', {
      token,
      body: { name: 'Contract', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    assert.equal(created.status, 201)
    validate('CreateUserSnapshotResponse', created.body)
    const id = created.body.snapshot._id

    const list = await api(t.app, 'GET', '/api/user-snapshots', { token })
    validate('UserSnapshotListResponse', list.body)
    const paged = await api(t.app, 'GET', '/api/user-snapshots?limit=1', { token })
    validate('UserSnapshotListResponse', paged.body)

    const assigned = await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, {
      token: superadmin.token,
      body: { assignedOrgIds: [setup.tenant.organization.id, target.tenant.organization.id], isGlobal: false },
    })
    assert.equal(assigned.status, 200)
    validate('AssignUserSnapshotResponse', assigned.body)

    const applied = await api(t.app, 'POST', `/api/user-snapshots/${id}/apply`, {
      token: target.tenant.admin.token,
      body: {
        newUser: { email: uniqueEmail('contract'), password: 'TempPass!2026', fullName: 'Contract', accessRole: 'SALES_REP' },
        applyAutomations: true,
        applyPrompts: true,
        applyTemplates: true,
      },
    })
    assert.equal(applied.status, 201)
    validate('ApplyUserSnapshotResponse', applied.body)

    const errors = [
      await api(t.app, 'GET', `/api/user-snapshots/${'f'.repeat(24)}`, { token }),
      await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, { token, body: {} }),
      await api(t.app, 'PATCH', `/api/user-snapshots/${id}/assign`, { token, body: { assignedOrgIds: [] } }),
      await api(t.app, 'POST', `/api/user-snapshots/${id}/apply`, {
        token: target.tenant.admin.token,
        body: { newUser: { email: target.tenant.admin.email, password: 'TempPass!2026', fullName: 'X', accessRole: 'SALES_REP' } },
      }),
    ]
    assert.deepEqual(errors.map((e) => e.status), [404, 400, 403, 409])
    for (const error of errors) validate('UserSnapshotErrorResponse', error.body)

    const orgSnapshot = await api(t.app, 'POST', '/api/org-snapshots', {
      token: superadmin.token,
      body: { name: 'Org contract', sourceOrgId: setup.tenant.organization.id, sourceUserId: setup.tenant.salesRep.id },
    })
    const orgApply = async (firstUser?: unknown) =>
      api(t.app, 'POST', `/api/org-snapshots/${orgSnapshot.body.snapshot._id}/apply`, {
        token: superadmin.token,
        body: { orgName: `Contract ${uniqueSuffix()}`, orgPhone: uniquePhone(), orgAddress: '1 King St', ...(firstUser ? { firstUser } : {}) },
      })
    const withUser = await orgApply({ email: uniqueEmail('first'), password: 'TempPass!2026', fullName: 'First' })
    assert.equal(withUser.status, 201, withUser.raw)
    validate('ApplyOrgSnapshotResponse', withUser.body)
    const withoutUser = await orgApply()
    assert.equal(withoutUser.status, 201)
    validate('ApplyOrgSnapshotResponse', withoutUser.body)
    const orgError = await api(t.app, 'POST', `/api/org-snapshots/${orgSnapshot.body.snapshot._id}/apply`, { token: superadmin.token, body: {} })
    assert.equal(orgError.status, 400)
    validate('OrgSnapshotErrorResponse', orgError.body)
  })
})
