import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import fc from 'fast-check'
import { SignJWT } from 'jose'
import { updateUser } from '../../src/modules/users/users.repository.ts'
import type { RouteInfo } from '../../src/plugins/auth.ts'
import { createTokenService } from '../../src/shared/tokens.ts'
import { testSecrets, useTestApp } from '../helpers/app.ts'
import { databaseDigest, type DatabaseDigest } from '../helpers/digest.ts'
import { newSuperadmin, newTenant, newUser } from '../helpers/fixtures.ts'
import { snapshotOf, sourceSetup } from '../helpers/scenarios.ts'
import {
  mutatedValue,
  nested,
  oddStrings,
  resolveRefs,
  validValue,
  type JsonSchema,
  type ValueHints,
} from '../helpers/schema-arbitrary.ts'

/**
 * Property-based fuzzing of every route the app registers (app.routeCatalog), with
 * bodies generated around each write route's schema from /openapi.json, so routes
 * added later are fuzzed without editing this file. Whatever arrives, the answer
 * is a 4xx in the error shape (or a 2xx for a request that is valid), never a 500
 * or a hang, and a request that is not answered 2xx writes nothing.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> node scripts/run-tests.mjs fuzz
 * More cases: FUZZ_RUNS=<factor>.
 */
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 20_260_601
const factor = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 1
const bodyRuns = Math.round(1_500 * factor)
const requestRuns = Math.round(700 * factor)
const requestTimeoutMs = 15_000

const errorKeys = ['error', 'message', 'details']

interface Operation {
  [fc.toStringMethod]: () => string
  route: RouteInfo
  pathParams: { name: string; schema: JsonSchema }[]
  query: { name: string; schema: JsonSchema }[]
  body: JsonSchema | undefined
  validateBody: ValidateFunction | undefined
}

interface Caller {
  [fc.toStringMethod]: () => string
  label: string
  header: string | undefined
  /** The user the token names, when the token itself is genuine and unexpired. */
  userId: string | null
}

type ContentKind = 'json' | 'not-json' | 'none'

interface Case {
  op: Operation
  caller: Caller
  params: Record<string, { value: string; raw: boolean }>
  query: string
  contentType: string | undefined
  contentKind: ContentKind
  payload: string | undefined
  extraHeaders: Record<string, string>
}

/** Bodies a JSON parser must refuse or that carry values the API never stores. */
function hostile(value: unknown, depth = 0): boolean {
  if (depth > 32) return true
  if (typeof value === 'string') return value.includes('\u0000')
  if (typeof value === 'number') return !Number.isFinite(value)
  if (Array.isArray(value)) return value.some((item) => hostile(item, depth + 1))
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000') || key === '__proto__') return true
      if (key === 'constructor' && item !== null && typeof item === 'object' && Object.hasOwn(item, 'prototype')) return true
      if (hostile(item, depth + 1)) return true
    }
  }
  return false
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown }
  } catch {
    return { ok: false }
  }
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is sent as
 * the percent-encoded bytes of its code unit: invalid UTF-8 the server must refuse.
 */
function encodeLoosely(text: string): string {
  return Array.from(text, (char) => {
    const code = char.charCodeAt(0)
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
    }
    return encodeURIComponent(char)
  }).join('')
}

/** A token signed with the app's own key that never expires (SPEC §10: refused). */
const noExpiry = (userId: string, organizationId: string) =>
  new SignJWT({ org: organizationId, role: 'SUPERADMIN' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer('tether-relay')
    .setIssuedAt()
    .sign(new TextEncoder().encode(testSecrets.JWT_SECRET))

const withTimeout = <T>(promise: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${requestTimeoutMs} ms: ${what}`)), requestTimeoutMs).unref()),
  ])

describe('fuzzing: every route, hostile input of every shape', () => {
  const t = useTestApp()
  let operations: Operation[]
  let callers: Caller[]
  let hints: ValueHints
  let realIds: string[]

  before(async () => {
    const app = t.app
    const root = await newSuperadmin(app)
    const a = await sourceSetup(app)
    const b = await newTenant(app)
    const c = await newTenant(app)
    const disabled = await newUser(app, c.organization.id, 'ADMIN', { loginDisabled: true })
    // Disabled and enabled again: its token from before stays revoked.
    const revoked = await newUser(app, c.organization.id, 'ADMIN')
    await updateUser(app.ctx.db, revoked.id, { login_disabled: false }, { revokeTokens: true })
    const userSnapshots = [await snapshotOf(app, a), await snapshotOf(app, a)]
    const orgSnapshots = []
    for (let i = 0; i < 2; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/org-snapshots',
        headers: { authorization: `Bearer ${root.token}` },
        payload: { name: `Fuzz ${i}`, sourceOrgId: a.tenant.organization.id, sourceUserId: a.tenant.salesRep.id },
      })
      assert.equal(r.statusCode, 201)
      orgSnapshots.push((JSON.parse(r.body) as { snapshot: { _id: string } }).snapshot._id)
    }
    realIds = [
      a.tenant.organization.id,
      b.organization.id,
      c.organization.id,
      a.tenant.salesRep.id,
      a.tenant.departmentHead.id,
      b.admin.id,
      b.salesRep.id,
      ...userSnapshots.map((s) => s._id),
      ...orgSnapshots,
    ]
    hints = { byPattern: { '^[0-9a-f]{24}$': realIds } }
    idArb = makeIdArb()

    const forged = createTokenService(new TextEncoder().encode('another-secret-another-secret-0123456789'), 3600)
    const expired = createTokenService(new TextEncoder().encode(testSecrets.JWT_SECRET), -60)
    const sign = (userId: string) => app.ctx.tokens.sign({ userId, organizationId: c.organization.id, accessRole: 'ADMIN' })
    const bearer = (token: string) => `Bearer ${token}`
    const printable = (caller: Omit<Caller, typeof fc.toStringMethod>): Caller => ({ ...caller, [fc.toStringMethod]: () => caller.label })
    callers = ([
      { label: 'superadmin', header: bearer(root.token), userId: root.id },
      { label: 'admin', header: bearer(a.tenant.admin.token), userId: a.tenant.admin.id },
      { label: 'department head', header: bearer(c.departmentHead.token), userId: c.departmentHead.id },
      { label: 'sales rep', header: bearer(c.salesRep.token), userId: c.salesRep.id },
      { label: 'no header', header: undefined, userId: null },
      { label: 'empty', header: '', userId: null },
      { label: 'bare Bearer', header: 'Bearer', userId: null },
      { label: 'Basic', header: 'Basic dXNlcjpwYXNz', userId: null },
      { label: 'garbage', header: 'Bearer not.a.jwt', userId: null },
      { label: 'odd characters', header: 'Bearer \u00e9\u00e8\u00ff', userId: null },
      { label: 'huge', header: `Bearer ${'A'.repeat(6_000)}`, userId: null },
      { label: 'alg none', header: bearer('eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.'), userId: null },
      { label: 'forged', header: bearer(await forged.sign({ userId: root.id, organizationId: root.organizationId, accessRole: 'SUPERADMIN' })), userId: null },
      { label: 'expired', header: bearer(await expired.sign({ userId: root.id, organizationId: root.organizationId, accessRole: 'SUPERADMIN' })), userId: null },
      { label: 'unknown user', header: bearer(await sign('ffffffffffffffffffffffff')), userId: 'ffffffffffffffffffffffff' },
      { label: 'non-id subject', header: bearer(await sign("x' or '1'='1")), userId: "x' or '1'='1" },
      { label: 'unicode subject', header: bearer(await sign('\u202e\ud83d\ude00')), userId: '\u202e\ud83d\ude00' },
      { label: 'disabled user', header: bearer(disabled.token), userId: disabled.id },
      { label: 'revoked by a disable', header: bearer(revoked.token), userId: revoked.id },
      { label: 'no exp (real key)', header: bearer(await noExpiry(root.id, root.organizationId)), userId: null },
    ] as Omit<Caller, typeof fc.toStringMethod>[]).map(printable)

    const spec = app.swagger() as unknown as {
      paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema: JsonSchema }[]; requestBody?: { content?: Record<string, { schema: JsonSchema }> } }>>
      components: { schemas: Record<string, unknown> }
    }
    // Like the server: no coercion, defaults filled in (so a defaulted required field may be left out).
    const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: true })
    addFormats.default(ajv)
    operations = app.routeCatalog.map((route) => {
      const openapiPath = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
      const op = spec.paths[openapiPath]?.[route.method.toLowerCase()]
      assert.ok(op, `${route.method} ${route.url} is documented in /openapi.json`)
      const parameters = (op.parameters ?? []).map((p) => ({ ...p, schema: resolveRefs(p.schema, spec.components.schemas) }))
      const raw = op.requestBody?.content?.['application/json']?.schema
      const body = raw === undefined ? undefined : resolveRefs(raw, spec.components.schemas)
      return {
        [fc.toStringMethod]: () => `${route.method} ${route.url}`,
        route,
        pathParams: parameters.filter((p) => p.in === 'path'),
        query: parameters.filter((p) => p.in === 'query'),
        body,
        validateBody: body === undefined ? undefined : ajv.compile(body),
      }
    })
  })

  /** Is the caller, right now, a user who may sign in with an unrevoked token (generation 0), and with which role? */
  async function callerRole(caller: Caller): Promise<string | null> {
    if (caller.userId === null || !/^[0-9a-f]{24}$/.test(caller.userId)) return null
    const user = await t.app.ctx.db
      .selectFrom('users')
      .select(['access_role', 'login_disabled', 'token_generation'])
      .where('id', '=', caller.userId)
      .executeTakeFirst()
    return user && !user.login_disabled && user.token_generation === 0 ? user.access_role : null
  }

  let idArb: fc.Arbitrary<{ value: string; raw: boolean }>
  const makeIdArb = () =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...realIds).map((value) => ({ value, raw: false })) },
      { weight: 2, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/).map((value) => ({ value, raw: false })) },
      {
        weight: 2,
        arbitrary: fc
          .oneof(
            fc.constantFrom(...oddStrings.filter((s) => s !== '')),
            fc.string({ minLength: 1, maxLength: 30 }),
            fc.stringMatching(/^[0-9A-F]{24}$/),
            fc.stringMatching(/^[0-9a-f]{23}$/),
            fc.stringMatching(/^[0-9a-f]{25}$/),
            fc.constantFrom('665f1a0c0e0a4b001a2c9f8g', '665f1a0c0e0a4b001a2c9f80/../x', '665f1a0c0e0a4b001a2c9f80?x=1', 'null', '0'),
          )
          .map((value) => ({ value, raw: false })),
      },
      // Percent-encoding the router itself refuses, and segments longer than it accepts.
      { weight: 1, arbitrary: fc.constantFrom('%ZZ', '%E0%A4%A', '%', '%%30', 'a'.repeat(201), 'f'.repeat(4_000)).map((value) => ({ value, raw: true })) },
    )

  const contentArb: fc.Arbitrary<{ type: string | undefined; kind: ContentKind }> = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8').map((type) => ({ type, kind: 'json' as const })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/vnd.api+json', undefined)
        .map((type) => ({ type, kind: 'not-json' as const })),
    },
  )

  interface CaseParts {
    callerIndex: fc.Arbitrary<number>
    params: fc.Arbitrary<Record<string, { value: string; raw: boolean }>>
    query: fc.Arbitrary<string>
    extraHeaders: fc.Arbitrary<Record<string, string>>
    content: fc.Arbitrary<Pick<Case, 'contentType' | 'contentKind' | 'payload'>>
  }

  /** Cases over the given routes; the arbitraries are built once per route (building them per case dominates the run time). */
  function casesOf(ops: Operation[], parts: (op: Operation) => CaseParts): fc.Arbitrary<Case> {
    return fc
      .oneof(...ops.map((op) => fc.record({ op: fc.constant(op), ...parts(op) })))
      .map(({ callerIndex, content, ...rest }): Case => ({ ...rest, ...content, caller: callers[callerIndex]! }))
  }

  const encodedParam = (param: { value: string; raw: boolean }) => (param.raw ? param.value : encodeLoosely(param.value))

  function buildUrl(c: Pick<Case, 'op' | 'params' | 'query'>): string {
    const path = c.op.route.url.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodedParam(c.params[name]!))
    return c.query ? `${path}?${c.query}` : path
  }

  /** Path segments the router refuses before any route runs: not UTF-8 once decoded, or too long. */
  function urlLevelProblem(c: Case): boolean {
    return Object.values(c.params).some((param) => {
      try {
        return decodeURIComponent(encodedParam(param)).length > 200
      } catch {
        return true
      }
    })
  }

  function describeCase(c: Case): string {
    const body = c.payload === undefined ? '' : ` body(${c.payload.length}): ${c.payload.slice(0, 300)}`
    return `${c.op.route.method} ${buildUrl(c).slice(0, 300)} as ${c.caller.label}, content-type ${String(c.contentType)}${body}`
  }

  let lastDigest: DatabaseDigest | undefined
  async function digest(publicRoute: boolean) {
    // Failed sign-ins are recorded on purpose (rate limiting): only public routes may touch that table.
    return databaseDigest(t.app.ctx.db, { exclude: publicRoute ? ['login_failures'] : [] })
  }

  /** Sends one case and checks the invariants every answer must keep. */
  async function send(c: Case, allowed: (status: number) => boolean): Promise<void> {
    const publicRoute = c.op.route.auth === 'public'
    const before = lastDigest && !publicRoute ? lastDigest : await digest(publicRoute)
    lastDigest = undefined
    const headers: Record<string, string> = { ...c.extraHeaders }
    if (c.caller.header !== undefined) headers.authorization = c.caller.header
    if (c.contentType !== undefined && c.payload !== undefined) headers['content-type'] = c.contentType
    const response = await withTimeout(
      t.app.inject({ method: c.op.route.method as 'POST', url: buildUrl(c), headers, payload: c.payload }),
      describeCase(c),
    )
    const status = response.statusCode
    const context = `${describeCase(c)}\n=> ${status} ${response.body.slice(0, 500)}`
    assert.ok(status < 500, `server error: ${context}`)
    assert.ok(allowed(status), `unexpected status: ${context}`)
    if (status >= 400) {
      const body = JSON.parse(response.body) as Record<string, unknown>
      assert.ok(typeof body.error === 'string' && typeof body.message === 'string', `error shape: ${context}`)
      assert.deepEqual(Object.keys(body).filter((k) => !errorKeys.includes(k)), [], `only {error, message, details}: ${context}`)
      // Bounded, worded answers: at most 20 details, no raw validator text.
      if (Array.isArray(body.details)) assert.ok(body.details.length <= 20, `at most 20 details: ${context}`)
      assert.doesNotMatch(String(body.message), /must have required property|must NOT have|equal to one of the allowed values|^(body|querystring|params)\//, `worded message: ${context}`)
    } else {
      JSON.parse(response.body)
    }
    const after = await digest(publicRoute)
    if (status >= 300) assert.deepEqual(after, before, `a rejected request wrote to the database: ${context}`)
    lastDigest = publicRoute ? undefined : after
  }

  const anyStatus = () => true
  const only = (...statuses: number[]) => (status: number) => statuses.includes(status)

  /** What the caller may expect before the body is even looked at. */
  async function authExpectation(c: Case): Promise<((status: number) => boolean) | null> {
    if (c.op.route.auth === 'public') return null
    const role = await callerRole(c.caller)
    if (role === null) return only(401)
    if (!c.op.route.auth.includes(role as never)) return only(403)
    return null
  }

  it(`write bodies generated around each route's schema (${bodyRuns} cases, seed ${seed})`, async () => {
    const writable = operations.filter((op) => op.body !== undefined)
    assert.ok(writable.length >= 9, 'every write route with a body schema is fuzzed')
    const bodyArb = (op: Operation) => {
      const schema = op.body!
      return fc.oneof(
        { weight: 4, arbitrary: validValue(schema, hints).map((v) => ({ text: JSON.stringify(v) })) },
        { weight: 6, arbitrary: mutatedValue(schema, hints).map((v) => ({ text: v === undefined ? undefined : JSON.stringify(v) })) },
        { weight: 1, arbitrary: fc.jsonValue().map((v) => ({ text: JSON.stringify(v) })) },
        {
          weight: 2,
          arbitrary: fc.oneof(
            fc.string({ maxLength: 60 }),
            fc.string({ maxLength: 60, unit: 'binary' }),
            validValue(schema, hints).chain((v) => {
              const text = JSON.stringify(v)
              return fc.nat(text.length).map((cut) => text.slice(0, cut))
            }),
            validValue(schema, hints).map((v) => `${JSON.stringify(v)} trailing`),
            validValue(schema, hints).map((v) => `\ufeff${JSON.stringify(v)}`),
            fc.constantFrom(
              '',
              'null',
              '0',
              '"text"',
              '[]',
              '{"__proto__":{"isAdmin":true}}',
              '{"constructor":{"prototype":{"isAdmin":true}}}',
              '{"a":1e400}',
              '{"a":-1e400}',
              '{"a":NaN}',
              "{'single':'quotes'}",
              '{"a":"\\ud800"}',
              '{"a":"\\u0000"}',
              `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
              `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
            ),
          ).map((text) => ({ text: text })),
        },
      )
    }
    const callerArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0, 1) }, { weight: 2, arbitrary: fc.nat(callers.length - 1) })
    const paramArb = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...realIds).map((value) => ({ value, raw: false })) }, { weight: 1, arbitrary: idArb })
    const caseArb = casesOf(writable, (op) => ({
      callerIndex: callerArb,
      params: fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, paramArb]))),
      query: fc.constant(''),
      extraHeaders: fc.constant({}),
      content: fc.tuple(contentArb, bodyArb(op)).map(([content, body]) => ({
        contentType: content.type,
        contentKind: body.text === undefined ? ('none' as const) : content.kind,
        payload: body.text,
      })),
    }))

    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const allowed = urlLevelProblem(c) ? only(400, 414) : ((await authExpectation(c)) ?? (await bodyExpectation(c)))
        await send(c, allowed)
      }),
      { seed, numRuns: bodyRuns, includeErrorInReport: true },
    )

    async function bodyExpectation(c: Case): Promise<(status: number) => boolean> {
      if (c.contentKind === 'not-json') return only(400, 415)
      if (c.payload !== undefined && Buffer.byteLength(c.payload) > t.app.ctx.config.bodyLimitBytes) return only(413)
      const paramsValid = c.op.pathParams.every((p) => new RegExp(p.schema.pattern ?? '').test(c.params[p.name]!.value))
      if (c.payload === undefined) return only(400)
      const parsed = parseJson(c.payload)
      if (!parsed.ok || hostile(parsed.value) || !c.op.validateBody!(structuredClone(parsed.value)) || !paramsValid) return only(400)
      // A valid request: a 2xx, or a 4xx the data explains (404, 409, 422, a business-rule 400 or 403).
      return anyStatus
    }
  })

  it(`malformed ids, tokens, query strings and headers on every route (${requestRuns} cases, seed ${seed})`, async () => {
    const queryArb = (op: Operation) =>
      fc.oneof(
        fc.constant(''),
        fc
          .array(
            fc.tuple(
              fc.oneof(fc.constantFrom(...op.query.map((q) => q.name), 'token', 'access_token', 'organizationId', '__proto__', 'a[b]'), fc.string({ maxLength: 10 })),
              fc.oneof(fc.constantFrom(...realIds, 'true', 'false', 'maybe', '-1', '0', '501', '1e3', ''), fc.constantFrom(...oddStrings), fc.string({ maxLength: 20 })),
            ),
            { maxLength: 4 },
          )
          .map((pairs) => pairs.map(([k, v]) => `${encodeLoosely(k)}=${encodeLoosely(v)}`).join('&')),
        fc.constantFrom('%ZZ=1', 'a=%E0%A4%A', '&&==&', 'limit=1&limit=2', 'dryRun=true&dryRun=false', `cursor=${'z'.repeat(3_000)}`),
      )
    const headerArb: fc.Arbitrary<Record<string, string>> = fc.oneof(
      fc.constant({}),
      fc.constantFrom<Record<string, string>[]>(
        { accept: 'application/xml' },
        { accept: '*/*;q=0' },
        { 'x-forwarded-for': '1.2.3.4, 5.6.7.8' },
        { 'accept-encoding': 'gzip;q=2, br' },
        { 'accept-version': '9.9.9' },
        { cookie: 'session=x; token=y' },
        { 'x-http-method-override': 'DELETE' },
      ),
    )
    const caseArb = casesOf(operations, (op) => ({
      callerIndex: fc.nat(callers.length - 1),
      params: fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, idArb]))),
      query: queryArb(op),
      extraHeaders: headerArb,
      content: (op.body === undefined ? fc.constant(null) : fc.option(validValue(op.body, hints), { freq: 3 })).map((body) => ({
        contentType: 'application/json',
        contentKind: body === null ? ('none' as const) : ('json' as const),
        payload: body === null ? undefined : JSON.stringify(body),
      })),
    }))

    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const auth = await authExpectation(c)
        const paramsValid = c.op.pathParams.every((p) => new RegExp(p.schema.pattern ?? '').test(c.params[p.name]!.value))
        let allowed: (status: number) => boolean
        if (urlLevelProblem(c)) allowed = only(400, 414)
        else if (auth) allowed = auth
        else if (!paramsValid) allowed = only(400)
        else allowed = anyStatus
        await send(c, allowed)
      }),
      { seed, numRuns: requestRuns, includeErrorInReport: true },
    )
  })

  it('deep nesting at any depth is refused with 400 in the error shape, without exhausting the stack', async () => {
    const root = callers[0]!
    for (const op of operations.filter((o) => o.body !== undefined)) {
      for (const depth of [33, 1_000, 100_000]) {
        const payload = depth > 1_000 ? `${'['.repeat(depth)}${']'.repeat(depth)}` : JSON.stringify(nested(depth, 1, 'mixed'))
        const c: Case = {
          op,
          caller: root,
          params: Object.fromEntries(op.pathParams.map((p) => [p.name, { value: realIds[0]!, raw: false }])),
          query: '',
          contentType: 'application/json',
          contentKind: 'json',
          payload,
          extraHeaders: {},
        }
        await send(c, op.route.auth === 'public' || op.route.auth.includes('SUPERADMIN') ? only(400) : only(403))
      }
    }
  })

  it('stays healthy afterwards', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/health' })
    assert.equal(health.statusCode, 200)
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' })
    const list = await t.app.inject({ method: 'GET', url: '/api/user-snapshots', headers: { authorization: callers[0]!.header! } })
    assert.equal(list.statusCode, 200)
  })
})
