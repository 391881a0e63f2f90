import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import type { AccessRole } from '../../src/shared/roles.ts'
import type { RouteAuth } from '../../src/plugins/auth.ts'
import type { App } from '../../src/app.ts'
import { createJob, prepareJobType } from '../../src/modules/jobs/jobs.service.ts'
import { useTestApp } from '../helpers/app.ts'
import { newSuperadmin, newTenant, uniqueEmail, uniquePhone, type Tenant, type TestUser } from '../helpers/fixtures.ts'
import { api, expectErrorShape } from '../helpers/http.ts'
import { seedPipeline, tenantFootprint, type Footprint } from '../helpers/seed.ts'
import { snapshotOf, sourceSetup, type SourceSetup } from '../helpers/scenarios.ts'

/**
 * The role × route matrix. Every /api route registered in the app must appear
 * here (a new route fails this test until it is added), and for each one:
 * - no token → 401;
 * - every role outside the route's allowed roles → 403 (and the allowed roles
 *   are exactly those the route declares);
 * - every id parameter, given another tenant's id (or, on superadmin-only
 *   routes, an id that does not exist) → 404, never 403;
 * and nothing of the victim organization changes.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
const ALL: AccessRole[] = ['SUPERADMIN', 'ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP']
const ADMINS: AccessRole[] = ['SUPERADMIN', 'ADMIN']
const ROOT: AccessRole[] = ['SUPERADMIN']
const missingId = 'fffffffffffffffffffffff0'

interface World {
  a: SourceSetup
  b: Tenant
  root: TestUser
  pipelineId: string
  templateId: string
  userSnapshotId: string
  orgSnapshotId: string
  /** A background job started by org A's admin (never run: no worker in this file). */
  jobId: string
}

interface Probe {
  /** Who asks (defaults to org B's admin). */
  as?: (w: World) => TestUser
  url: (w: World) => string
  body?: (w: World) => unknown
  /** 404 for ids; 403 for naming another organization explicitly; 422 for a body reference (same answer as a missing one). */
  status: 403 | 404 | 422
}

interface Entry {
  allowed: AccessRole[] | 'public'
  /** Requests that reach for data the caller may not see. Required for every route with an id parameter. */
  probes?: Probe[]
}

const newUser = () => ({ email: uniqueEmail('m'), password: 'Password!2026', fullName: 'M', accessRole: 'SALES_REP' })
const bRep = (w: World) => w.b.salesRep
const bHead = (w: World) => w.b.departmentHead
const root = (w: World) => w.root
const repItem = (w: World, kind: 'automation' | 'prompt' | 'template') =>
  kind === 'automation' ? Object.values(w.a.automationIds)[0]! : kind === 'prompt' ? w.a.promptIds.Greeter! : w.templateId

/** Per owned-item kind: every reader role of org B gets 404 on org A's item. */
function ownedItemProbes(base: string, kind: 'automation' | 'prompt' | 'template', update: unknown): Record<string, Entry> {
  const url = (w: World) => `${base}/${repItem(w, kind)}`
  const readers = [undefined, bRep, bHead]
  return {
    [`GET ${base}/:id`]: { allowed: ALL, probes: readers.map((as) => ({ as, url, status: 404 as const })) },
    [`PUT ${base}/:id`]: { allowed: ALL, probes: readers.map((as) => ({ as, url, body: () => update, status: 404 as const })) },
    [`DELETE ${base}/:id`]: { allowed: ALL, probes: readers.map((as) => ({ as, url, status: 404 as const })) },
  }
}

/** Versions, diff, applications and push of a snapshot kind: another tenant's snapshot (or a user snapshot as an org one) is 404. */
function lifecycleEntries(kind: 'user' | 'org', allowed: AccessRole[]): Record<string, Entry> {
  const base = `/api/${kind}-snapshots`
  const probesOf = (suffix: string, body?: () => unknown): Probe[] =>
    kind === 'user'
      ? [{ url: (w) => `${base}/${w.userSnapshotId}${suffix}`, body, status: 404 }]
      : [
          { as: root, url: () => `${base}/${missingId}${suffix}`, body, status: 404 },
          { as: root, url: (w) => `${base}/${w.userSnapshotId}${suffix}`, body, status: 404 },
        ]
  return {
    [`POST ${base}/:id/versions`]: { allowed, probes: probesOf('/versions', () => ({})) },
    [`GET ${base}/:id/versions`]: { allowed, probes: probesOf('/versions') },
    [`GET ${base}/:id/diff`]: { allowed, probes: probesOf('/diff?from=1&to=1') },
    [`GET ${base}/:id/applications`]: { allowed, probes: probesOf('/applications') },
    [`POST ${base}/:id/push`]: { allowed, probes: [...probesOf('/push', () => ({})), ...probesOf('/push?dryRun=true', () => ({}))] },
  }
}

const matrix: Record<string, Entry> = {
  'POST /api/auth/login': { allowed: 'public' },
  'GET /api/auth/verify-token': { allowed: ALL },

  'POST /api/organizations': { allowed: ROOT },
  'GET /api/organizations': { allowed: ROOT },
  'GET /api/organizations/:id': { allowed: ROOT, probes: [{ as: root, url: () => `/api/organizations/${missingId}`, status: 404 }] },
  'PUT /api/organizations/:id/credentials': {
    allowed: ROOT,
    probes: [{ as: root, url: () => `/api/organizations/${missingId}/credentials`, body: () => ({ anthropicApiKey: null }), status: 404 }],
  },
  'GET /api/organizations/sections/:orgId': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/organizations/sections/${w.a.tenant.organization.id}`, status: 404 }],
  },
  'PUT /api/organizations/sections/:orgId': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/organizations/sections/${w.a.tenant.organization.id}`, body: () => ({ sections: [] }), status: 404 }],
  },

  'POST /api/user': {
    allowed: ADMINS,
    probes: [{ url: () => '/api/user', body: (w) => ({ ...newUser(), organizationId: w.a.tenant.organization.id }), status: 403 }],
  },
  'GET /api/user/list': {
    allowed: ALL,
    probes: [{ url: (w) => `/api/user/list?organizationId=${w.a.tenant.organization.id}`, status: 403 }],
  },
  'GET /api/user/profile': { allowed: ALL },
  'PATCH /api/user/:id': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user/${w.a.tenant.salesRep.id}`, body: () => ({ loginDisabled: true }), status: 404 }],
  },
  'DELETE /api/user/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/user/${w.a.tenant.salesRep.id}`, status: 404 }] },

  'GET /api/pipelines': { allowed: ALL, probes: [{ url: (w) => `/api/pipelines?organizationId=${w.a.tenant.organization.id}`, status: 403 }] },
  'POST /api/pipelines': {
    allowed: ADMINS,
    probes: [
      {
        url: (w) => `/api/pipelines?organizationId=${w.a.tenant.organization.id}`,
        body: (w) => ({ name: 'Hijack', type: 'Contact', stages: [{ name: 'X' }], organizationId: w.a.tenant.organization.id }),
        status: 403,
      },
    ],
  },
  'PUT /api/pipelines/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/pipelines/${w.pipelineId}`, body: () => ({ name: 'Hijacked' }), status: 404 }] },
  'DELETE /api/pipelines/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/pipelines/${w.pipelineId}`, status: 404 }] },

  'GET /api/agents': { allowed: ALL, probes: [{ url: (w) => `/api/agents?organizationId=${w.a.tenant.organization.id}`, status: 403 }] },
  'POST /api/agents': {
    allowed: ADMINS,
    probes: [{ url: () => '/api/agents', body: (w) => ({ name: 'Thief', promptId: w.a.promptIds.Greeter }), status: 422 }],
  },
  'DELETE /api/agents/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/agents/${w.a.agentId}`, status: 404 }] },

  'GET /api/automations': { allowed: ALL, probes: [{ url: (w) => `/api/automations?userId=${w.a.tenant.salesRep.id}`, status: 404 }] },
  'POST /api/automations': { allowed: ALL },
  ...ownedItemProbes('/api/automations', 'automation', { description: 'hijacked' }),
  'PATCH /api/automations/:id/preference': {
    allowed: ALL,
    probes: [undefined, bRep].map((as) => ({
      as,
      url: (w: World) => `/api/automations/${repItem(w, 'automation')}/preference`,
      body: () => ({ enabled: false }),
      status: 404 as const,
    })),
  },

  'GET /api/prompts/user': { allowed: ALL, probes: [{ url: (w) => `/api/prompts/user?userId=${w.a.tenant.salesRep.id}`, status: 404 }] },
  'POST /api/prompts': { allowed: ALL },
  ...ownedItemProbes('/api/prompts', 'prompt', { description: 'hijacked' }),

  'GET /api/user/sms-templates': { allowed: ALL, probes: [{ url: (w) => `/api/user/sms-templates?userId=${w.a.tenant.salesRep.id}`, status: 404 }] },
  'POST /api/templates': { allowed: ALL },
  ...ownedItemProbes('/api/templates', 'template', { category: 'hijacked' }),

  'POST /api/user-snapshots': {
    allowed: ADMINS,
    probes: [
      {
        url: () => '/api/user-snapshots',
        body: (w) => ({ name: 'Steal', sourceOrgId: w.a.tenant.organization.id, sourceUserId: w.a.tenant.salesRep.id }),
        status: 403,
      },
    ],
  },
  'GET /api/user-snapshots': { allowed: ADMINS },
  'GET /api/user-snapshots/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}`, status: 404 }] },
  'GET /api/user-snapshots/:id/items': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}/items?kind=automation`, status: 404 }],
  },
  'DELETE /api/user-snapshots/:id': { allowed: ADMINS, probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}`, status: 404 }] },
  'GET /api/user-snapshots/orgs/:orgId/users': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user-snapshots/orgs/${w.a.tenant.organization.id}/users`, status: 404 }],
  },
  'PATCH /api/user-snapshots/:id/assign': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}/assign`, body: () => ({ isGlobal: true }), status: 404 }],
  },
  'GET /api/user-snapshots/:id/apply-refs': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}/apply-refs`, status: 404 }],
  },
  'POST /api/user-snapshots/:id/apply': {
    allowed: ADMINS,
    probes: [
      { url: (w) => `/api/user-snapshots/${w.userSnapshotId}/apply`, body: () => ({ newUser: newUser() }), status: 404 },
      { url: (w) => `/api/user-snapshots/${w.userSnapshotId}/apply?dryRun=true`, body: () => ({ newUser: newUser() }), status: 404 },
    ],
  },

  'GET /api/user-snapshots/:id/export': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/user-snapshots/${w.userSnapshotId}/export`, status: 404 }],
  },
  'POST /api/user-snapshots/import': { allowed: ADMINS },
  ...lifecycleEntries('user', ADMINS),
  ...lifecycleEntries('org', ROOT),
  'GET /api/organizations/:id/applications': {
    allowed: ADMINS,
    probes: [
      { url: (w) => `/api/organizations/${w.a.tenant.organization.id}/applications`, status: 403 },
      { as: root, url: () => `/api/organizations/${missingId}/applications`, status: 404 },
    ],
  },

  'POST /api/org-snapshots': { allowed: ROOT },
  'GET /api/org-snapshots/:id/export': {
    allowed: ROOT,
    probes: [
      { as: root, url: () => `/api/org-snapshots/${missingId}/export`, status: 404 },
      { as: root, url: (w) => `/api/org-snapshots/${w.userSnapshotId}/export`, status: 404 },
    ],
  },
  'POST /api/org-snapshots/import': { allowed: ROOT },
  'GET /api/org-snapshots': { allowed: ROOT },
  'GET /api/org-snapshots/:id': {
    allowed: ROOT,
    probes: [
      { as: root, url: () => `/api/org-snapshots/${missingId}`, status: 404 },
      { as: root, url: (w) => `/api/org-snapshots/${w.userSnapshotId}`, status: 404 },
    ],
  },
  'GET /api/org-snapshots/:id/items': {
    allowed: ROOT,
    probes: [
      { as: root, url: () => `/api/org-snapshots/${missingId}/items?kind=pipeline`, status: 404 },
      { as: root, url: (w) => `/api/org-snapshots/${w.userSnapshotId}/items?kind=automation`, status: 404 },
    ],
  },
  'DELETE /api/org-snapshots/:id': {
    allowed: ROOT,
    probes: [{ as: root, url: (w) => `/api/org-snapshots/${w.userSnapshotId}`, status: 404 }],
  },
  'GET /api/org-snapshots/orgs/:organizationId/users': {
    allowed: ROOT,
    probes: [{ as: root, url: () => `/api/org-snapshots/orgs/${missingId}/users`, status: 404 }],
  },
  'POST /api/org-snapshots/:id/apply': {
    allowed: ROOT,
    probes: [
      {
        as: root,
        url: (w) => `/api/org-snapshots/${w.userSnapshotId}/apply`,
        body: () => ({ orgName: `Org ${uniqueEmail()}`, orgPhone: uniquePhone(), orgAddress: 'x' }),
        status: 404,
      },
    ],
  },

  'GET /api/jobs': { allowed: ADMINS },
  'GET /api/jobs/:id': {
    allowed: ADMINS,
    probes: [
      { url: (w) => `/api/jobs/${w.jobId}`, status: 404 },
      { as: root, url: () => `/api/jobs/${missingId}`, status: 404 },
    ],
  },
  'POST /api/jobs/:id/retry': { allowed: ADMINS, probes: [{ url: (w) => `/api/jobs/${w.jobId}/retry`, status: 404 }] },

  'GET /api/audit-events': {
    allowed: ADMINS,
    probes: [{ url: (w) => `/api/audit-events?organizationId=${w.a.tenant.organization.id}`, status: 403 }],
  },
}

/** A push job of org A's admin over one (made-up) application, created as the push creates it. */
async function startJobOf(app: App, a: SourceSetup): Promise<string> {
  const admin = a.tenant.admin
  const actor = { id: admin.id, organizationId: a.tenant.organization.id, role: admin.role, email: admin.email, fullName: admin.fullName }
  await prepareJobType(app.ctx, 'snapshot.push')
  return app.ctx.db.transaction().execute((trx) =>
    createJob(app.ctx, trx, actor, 'snapshot.push', {}, [{ applicationId: missingId, organizationId: actor.organizationId }]),
  )
}

describe('role × route matrix', () => {
  const t = useTestApp()
  let w: World
  let before_: Footprint

  before(async () => {
    const a = await sourceSetup(t.app)
    const b = await newTenant(t.app)
    const superadmin = await newSuperadmin(t.app)
    const pipeline = await seedPipeline(t.app, a.tenant.organization.id, 'Victim pipeline', ['One'])
    const template = await t.app.ctx.db
      .selectFrom('templates')
      .select('id')
      .where('user_id', '=', a.tenant.salesRep.id)
      .executeTakeFirstOrThrow()
    const userSnapshot = await snapshotOf(t.app, a)
    const orgSnapshot = await api(t.app, 'POST', '/api/org-snapshots', {
      token: superadmin.token,
      body: { name: 'Org', sourceOrgId: a.tenant.organization.id, sourceUserId: a.tenant.salesRep.id },
    })
    assert.equal(orgSnapshot.status, 201)
    w = {
      a,
      b,
      root: superadmin,
      pipelineId: pipeline.id,
      templateId: template.id,
      userSnapshotId: userSnapshot._id,
      orgSnapshotId: orgSnapshot.body.snapshot._id,
      jobId: await startJobOf(t.app, a),
    }
    before_ = await tenantFootprint(t.app, a.tenant.organization.id)
  })

  const routeKey = (method: string, url: string) => `${method} ${url}`
  /** A concrete URL for a route pattern: every parameter filled with an existing id of org A. */
  const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, () => w.userSnapshotId)

  it('covers every registered /api route, with the roles each declares', () => {
    const registered = t.app.routeCatalog.map((r) => routeKey(r.method, r.url)).sort()
    assert.deepEqual(registered, Object.keys(matrix).sort(), 'every route needs a matrix entry, and no entry may be stale')
    for (const route of t.app.routeCatalog) {
      const entry = matrix[routeKey(route.method, route.url)]!
      const declared: RouteAuth = route.auth
      assert.deepEqual(declared === 'public' ? 'public' : [...declared].sort(), entry.allowed === 'public' ? 'public' : [...entry.allowed].sort(), routeKey(route.method, route.url))
      if (route.url.includes(':')) {
        assert.ok(entry.probes?.some((p) => p.status === 404), `${routeKey(route.method, route.url)} needs a 404 probe for its id`)
      }
    }
  })

  it('answers 401 without a token, or with a garbage one, on every non-public route', async () => {
    for (const route of t.app.routeCatalog.filter((r) => r.auth !== 'public')) {
      for (const headers of [{}, { authorization: 'Bearer garbage' }] as Record<string, string>[]) {
        const r = await api(t.app, route.method as Method, concrete(route.url), { headers, body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {} })
        assert.equal(r.status, 401, `${route.method} ${route.url}`)
        expectErrorShape(r)
      }
    }
  })

  it('answers 403 to every role the route does not allow', async () => {
    const users: Record<AccessRole, TestUser> = {
      SUPERADMIN: w.root,
      ADMIN: w.b.admin,
      DEPARTMENT_HEAD: w.b.departmentHead,
      SALES_REP: w.b.salesRep,
    }
    let checked = 0
    for (const route of t.app.routeCatalog) {
      const entry = matrix[routeKey(route.method, route.url)]!
      if (entry.allowed === 'public') continue
      for (const role of ALL.filter((r) => !(entry.allowed as AccessRole[]).includes(r))) {
        const r = await api(t.app, route.method as Method, concrete(route.url), {
          token: users[role].token,
          body: route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
        })
        assert.equal(r.status, 403, `${role} on ${route.method} ${route.url}: ${r.raw.slice(0, 200)}`)
        expectErrorShape(r)
        checked++
      }
    }
    assert.ok(checked > 50)
  })

  it('answers 404 (or the documented 403) when reaching for another tenant\u2019s data, changing nothing', async () => {
    for (const [key, entry] of Object.entries(matrix)) {
      const method = key.split(' ')[0] as Method
      for (const probe of entry.probes ?? []) {
        const caller = probe.as?.(w) ?? w.b.admin
        const url = probe.url(w)
        const r = await api(t.app, method, url, { token: caller.token, body: probe.body?.(w) })
        assert.equal(r.status, probe.status, `${caller.role} ${method} ${url}: ${r.raw.slice(0, 300)}`)
        expectErrorShape(r)
      }
    }
    assert.deepEqual(await tenantFootprint(t.app, w.a.tenant.organization.id), before_)
    const snapshot = await t.app.ctx.db.selectFrom('snapshots').select(['is_global', 'assigned_org_ids']).where('id', '=', w.userSnapshotId).executeTakeFirstOrThrow()
    assert.deepEqual(snapshot, { is_global: false, assigned_org_ids: [w.a.tenant.organization.id] })
    const user = await t.app.ctx.db.selectFrom('users').select('login_disabled').where('id', '=', w.a.tenant.salesRep.id).executeTakeFirstOrThrow()
    assert.equal(user.login_disabled, false)
  })
})
