import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import SwaggerParser from '@apidevtools/swagger-parser'
import { useTestApp } from './helpers/app.ts'

type Operation = {
  tags?: string[]
  summary?: string
  operationId?: string
  security?: Record<string, string[]>[]
  parameters?: { in: string; name: string }[]
  requestBody?: unknown
  responses: Record<
    string,
    { description?: string; content?: Record<string, { schema?: { $ref?: string }; example?: unknown }> }
  >
}
type Document = {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> }
}

/** Fastify's `/api/user/:id` is OpenAPI's `/api/user/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

describe('OpenAPI document', () => {
  const t = useTestApp()
  let document: Document

  before(async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^application\/json/)
    document = response.json()
  })

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    )

  it('is a valid OpenAPI 3.0 document, with every $ref resolvable', async () => {
    assert.match(document.openapi, /^3\.0\.\d+$/)
    // validate() dereferences in place, so give it a copy.
    await SwaggerParser.validate(structuredClone(document) as never)
  })

  it('lists every /api route, with a bearer requirement exactly on the routes that need a token', () => {
    const catalog = t.app.routeCatalog
    assert.ok(catalog.length >= 13, `only ${catalog.length} routes in the catalog`)
    assert.deepEqual(document.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    for (const route of catalog) {
      const operation = document.paths[openApiPath(route.url)]?.[route.method.toLowerCase()]
      assert.ok(operation, `${route.method} ${route.url} is missing from /openapi.json`)
      const name = `${route.method} ${route.url}`
      // A public route says so with an empty list (no document-wide default can be read as applying to it).
      if (route.auth === 'public') assert.deepEqual(operation.security, [], name)
      else assert.deepEqual(operation.security, [{ bearerAuth: [] }], name)
    }
    assert.deepEqual(document.paths['/health']?.get?.security, [], '/health needs no token')
    const documented = operations().filter(({ path }) => path.startsWith('/api'))
    assert.equal(documented.length, catalog.length, 'no undocumented extras and no duplicates')
  })

  it('gives every operation a tag, a summary, a success response and its error responses in the error shape', () => {
    const catalog = new Map(t.app.routeCatalog.map((r) => [`${r.method} ${openApiPath(r.url)}`, r]))
    for (const { path, method, operation } of operations()) {
      const name = `${method.toUpperCase()} ${path}`
      assert.ok(operation.tags?.length, `${name} has no tag`)
      assert.ok(operation.summary, `${name} has no summary`)
      const statuses = Object.keys(operation.responses)
      assert.ok(statuses.some((s) => /^2\d\d$/.test(s)), `${name} declares no success response`)

      const expected = new Set(['500'])
      if (path.startsWith('/api')) expected.add('400')
      if (operation.requestBody) ['413', '415'].forEach((s) => expected.add(s))
      if (operation.parameters?.some((p) => p.in === 'path')) expected.add('404')
      const route = catalog.get(name)
      if (route && route.auth !== 'public') ['401', '403'].forEach((s) => expected.add(s))
      for (const status of expected) assert.ok(statuses.includes(status), `${name} does not declare ${status}`)

      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const response = operation.responses[status]!
        assert.ok(response.description, `${name} ${status} has no description`)
        assert.equal(response.content?.['application/json']?.schema?.$ref, '#/components/schemas/ErrorResponse', `${name} ${status}`)
      }
    }
  })

  it('names every operation (unique operationId) and describes every response in words', () => {
    const ids = operations().map(({ path, method, operation }) => {
      assert.match(operation.operationId ?? '', /^[a-z]+(_[a-z]+)+$/, `${method.toUpperCase()} ${path} has no operationId`)
      for (const [status, response] of Object.entries(operation.responses)) {
        assert.ok(response.description, `${method.toUpperCase()} ${path} ${status}`)
        assert.notEqual(response.description, 'Default Response', `${method.toUpperCase()} ${path} ${status} is not described`)
      }
      return operation.operationId
    })
    assert.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  })

  it('names the snapshot schemas as components, so generated clients get named types, with the seeds\u2019 examples', () => {
    const named = [
      'CreateSnapshotRequest',
      'UserSnapshotSummary',
      'UserSnapshotDetail',
      'UserSnapshotListResponse',
      'CreateUserSnapshotResponse',
      'AssignUserSnapshotRequest',
      'AssignUserSnapshotResponse',
      'ApplyRefsResponse',
      'ApplyUserSnapshotNewUser',
      'ApplyUserSnapshotRequest',
      'ApplyUserSnapshotResponse',
      'DryRunUserSnapshotResponse',
      'ApplyPlan',
      'OrgSnapshotSummary',
      'OrgSnapshotDetail',
      'OrgSnapshotListResponse',
      'CreateOrgSnapshotResponse',
      'ApplyOrgSnapshotFirstUser',
      'ApplyOrgSnapshotRequest',
      'ApplyOrgSnapshotResponse',
      'DryRunOrgSnapshotResponse',
    ]
    for (const name of named) assert.ok(document.components.schemas[name], `${name} is not a component`)
    const apply = document.paths['/api/user-snapshots/{id}/apply']!.post!
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
    assert.deepEqual((apply.requestBody as any).content['application/json'].schema, ref('ApplyUserSnapshotRequest'))
    assert.deepEqual(apply.responses['201']!.content!['application/json']!.schema, ref('ApplyUserSnapshotResponse'))
    assert.deepEqual(apply.responses['200']!.content!['application/json']!.schema, ref('DryRunUserSnapshotResponse'))
    const orgApply = document.paths['/api/org-snapshots/{id}/apply']!.post!
    assert.deepEqual((orgApply.requestBody as any).content['application/json'].schema, ref('ApplyOrgSnapshotRequest'))
    assert.deepEqual(
      (document.components.schemas.UserSnapshotListResponse as any).properties.snapshots.items,
      ref('UserSnapshotSummary'),
    )
    // The seed pages' examples (seeds 000-004), completed where our schema requires more.
    const example = (name: string) => (document.components.schemas[name] as { example?: any }).example
    assert.equal(example('ApplyUserSnapshotNewUser').email, 'casey@acme.example')
    assert.equal(example('ApplyUserSnapshotRequest').pipelineMapping['Move to Contacted on first reply'].Contacted, 'Reached Out')
    assert.equal(example('ApplyOrgSnapshotRequest').orgName, 'NewOrg Holdings')
    assert.equal(example('ApplyOrgSnapshotResponse').result.organizationName, 'NewOrg Holdings')
    assert.equal(example('UserSnapshotSummary').name, 'Top performer baseline 2026-05')
    assert.deepEqual(example('AssignUserSnapshotRequest').assignedOrgIds, ['64ee9a8b1e7f2a0011223344', '64ee9a8b1e7f2a0011223345'])
  })

  it('describes the error shape once, as a component', () => {
    assert.deepEqual(document.components.schemas.ErrorResponse, {
      type: 'object',
      description: 'Every error has this shape',
      additionalProperties: true,
      required: ['error', 'message'],
      properties: {
        error: { type: 'string', description: 'Short title, e.g. "Snapshot not found"' },
        message: { type: 'string', description: 'A sentence describing what went wrong' },
        details: { description: 'Machine-readable specifics, e.g. failing field paths' },
      },
    })
  })

  it('is served as an interactive reference at /docs', async () => {
    let response = await t.app.inject({ method: 'GET', url: '/docs' })
    if (response.statusCode === 302) response = await t.app.inject({ method: 'GET', url: String(response.headers.location) })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/html/)
    assert.match(response.body, /swagger-ui/i)
    // The page loads its spec from the server that serves it.
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' })
    assert.equal(spec.statusCode, 200)
    assert.deepEqual(Object.keys(spec.json().paths).sort(), Object.keys(document.paths).sort())
  })
})
