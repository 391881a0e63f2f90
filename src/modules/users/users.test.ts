import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { useTestApp } from '../../../test/helpers/app.ts'
import { raceTest } from '../../../test/helpers/database.ts'
import { newSuperadmin, newTenant, newUser, testPassword, uniqueEmail } from '../../../test/helpers/fixtures.ts'
import { api, expectErrorShape } from '../../../test/helpers/http.ts'

const userKeys = [
  '_id',
  'accessRole',
  'createdAt',
  'departmentId',
  'designation',
  'email',
  'fullName',
  'loginDisabled',
  'organizationId',
  'phoneNumber',
  'updatedAt',
]

function userBody(overrides: Record<string, unknown> = {}) {
  return { email: uniqueEmail('new'), password: 'New-user-pass', fullName: 'New Person', accessRole: 'SALES_REP', ...overrides }
}

describe('users', () => {
  const t = useTestApp()

  const usersOf = (organizationId: string) =>
    t.app.ctx.db.selectFrom('users').selectAll().where('organization_id', '=', organizationId).execute()

  describe('POST /api/user', () => {
    it('lets an ADMIN create every role below SUPERADMIN in their own organization', async () => {
      const { admin, organization } = await newTenant(t.app)
      for (const accessRole of ['ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP']) {
        const body = userBody({ accessRole, phoneNumber: '+14155550177', designation: 'Closer', departmentId: 'ab'.repeat(12) })
        const r = await api(t.app, 'POST', '/api/user', { token: admin.token, body })
        assert.equal(r.status, 201, r.raw)
        assert.deepEqual(Object.keys(r.body), ['user'])
        const user = r.body.user
        assert.deepEqual(Object.keys(user).sort(), userKeys)
        assert.deepEqual(
          { ...user, _id: undefined, createdAt: undefined, updatedAt: undefined },
          {
            _id: undefined,
            email: body.email,
            fullName: 'New Person',
            phoneNumber: '+14155550177',
            designation: 'Closer',
            accessRole,
            departmentId: 'ab'.repeat(12),
            organizationId: organization.id,
            loginDisabled: false,
            createdAt: undefined,
            updatedAt: undefined,
          },
        )
        assert.match(user._id, /^[0-9a-f]{24}$/)
        assert.ok(!Number.isNaN(Date.parse(user.createdAt)))

        const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: body.email, password: 'New-user-pass' } })
        assert.equal(login.status, 200)
        assert.equal(login.body.user.accessRole, accessRole)
      }
    })

    it('stores an argon2id hash, never the password, and never returns either', async () => {
      const { admin } = await newTenant(t.app)
      const body = userBody({ password: 'Plain-text-secret-42' })
      const r = await api(t.app, 'POST', '/api/user', { token: admin.token, body })
      assert.equal(r.status, 201)
      assert.ok(!r.raw.includes('Plain-text-secret-42') && !r.raw.includes('argon2'))
      const row = await t.app.ctx.db.selectFrom('users').select('password_hash').where('id', '=', r.body.user._id).executeTakeFirstOrThrow()
      assert.match(row.password_hash, /^\$argon2id\$/)
      assert.ok(!row.password_hash.includes('Plain-text-secret-42'))
    })

    it('creates a user with loginDisabled who then cannot sign in', async () => {
      const { admin } = await newTenant(t.app)
      const body = userBody({ loginDisabled: true })
      const r = await api(t.app, 'POST', '/api/user', { token: admin.token, body })
      assert.equal(r.body.user.loginDisabled, true)
      const login = await api(t.app, 'POST', '/api/auth/login', { body: { email: body.email, password: body.password } })
      assert.equal(login.status, 403)
    })

    it('refuses an ADMIN asking for SUPERADMIN or for another organization with 403, creating nothing', async () => {
      const { admin, organization } = await newTenant(t.app)
      const other = await newTenant(t.app)
      const superRole = await api(t.app, 'POST', '/api/user', { token: admin.token, body: userBody({ accessRole: 'SUPERADMIN' }) })
      assert.equal(superRole.status, 403)
      assert.equal(expectErrorShape(superRole).error, 'Forbidden')
      const elsewhere = await api(t.app, 'POST', '/api/user', {
        token: admin.token,
        body: userBody({ organizationId: other.organization.id }),
      })
      assert.equal(elsewhere.status, 403)
      assert.equal((await usersOf(organization.id)).length, 3)
      assert.equal((await usersOf(other.organization.id)).length, 3)
    })

    it('lets a SUPERADMIN create any role, in another organization by organizationId', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { organization } = await newTenant(t.app)
      const r = await api(t.app, 'POST', '/api/user', {
        token: superadmin.token,
        body: userBody({ accessRole: 'ADMIN', organizationId: organization.id }),
      })
      assert.equal(r.status, 201)
      assert.equal(r.body.user.organizationId, organization.id)
      const peer = await api(t.app, 'POST', '/api/user', { token: superadmin.token, body: userBody({ accessRole: 'SUPERADMIN' }) })
      assert.equal(peer.status, 201)
      assert.equal(peer.body.user.organizationId, superadmin.organizationId)
      const missing = await api(t.app, 'POST', '/api/user', {
        token: superadmin.token,
        body: userBody({ organizationId: 'f'.repeat(24) }),
      })
      assert.equal(missing.status, 404)
      assert.equal(expectErrorShape(missing).error, 'Organization not found')
    })

    it('refuses an email already used, in any letter case and any organization, with 409', async () => {
      const { admin } = await newTenant(t.app)
      const other = await newTenant(t.app)
      for (const email of [other.salesRep.email, other.salesRep.email.toUpperCase(), admin.email]) {
        const r = await api(t.app, 'POST', '/api/user', { token: admin.token, body: userBody({ email }) })
        assert.equal(r.status, 409, email)
        assert.deepEqual(expectErrorShape(r), {
          error: 'Email already exists',
          message: `A user with the email ${email} already exists`,
          details: { field: 'email' },
        })
      }
      assert.equal((await usersOf(admin.organizationId)).length, 3)
    })

    it('creates exactly one user when the same email is submitted concurrently', raceTest, async () => {
      const { admin } = await newTenant(t.app)
      const email = uniqueEmail('race')
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api(t.app, 'POST', '/api/user', { token: admin.token, body: userBody({ email: i % 2 ? email : email.toUpperCase() }) }),
        ),
      )
      const statuses = results.map((r) => r.status).sort()
      assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409])
      for (const r of results.filter((r) => r.status === 409)) assert.equal(expectErrorShape(r).error, 'Email already exists')
      const rows = await t.app.ctx.db
        .selectFrom('users')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
        .execute()
      assert.equal(rows.length, 1)
    })

    it('is refused to DEPARTMENT_HEAD and SALES_REP with 403, and without a token with 401', async () => {
      const { departmentHead, salesRep, organization } = await newTenant(t.app)
      for (const user of [departmentHead, salesRep]) {
        const r = await api(t.app, 'POST', '/api/user', { token: user.token, body: userBody() })
        assert.equal(r.status, 403)
        expectErrorShape(r)
      }
      assert.equal((await api(t.app, 'POST', '/api/user', { body: userBody() })).status, 401)
      assert.equal((await usersOf(organization.id)).length, 3)
    })

    it('validates email, password, role, phone and required fields with the failing paths', async () => {
      const { admin } = await newTenant(t.app)
      const cases: [Record<string, unknown>, string[]][] = [
        [userBody({ email: 'not-an-email' }), ['/email']],
        [userBody({ password: 'short' }), ['/password']],
        [userBody({ accessRole: 'OWNER' }), ['/accessRole']],
        [userBody({ phoneNumber: '+44 20 7946 0958' }), ['/phoneNumber']],
        [userBody({ fullName: '' }), ['/fullName']],
        [userBody({ departmentId: 'sales' }), ['/departmentId']],
        [userBody({ loginDisabled: 'yes' }), ['/loginDisabled']],
        [{ email: uniqueEmail() }, ['/accessRole', '/fullName', '/password']],
      ]
      for (const [body, paths] of cases) {
        const r = await api(t.app, 'POST', '/api/user', { token: admin.token, body })
        assert.equal(r.status, 400, JSON.stringify(body))
        const details = expectErrorShape(r).details as { path: string }[]
        assert.deepEqual([...new Set(details.map((d) => d.path))].sort(), paths, JSON.stringify(body))
      }
      assert.equal((await usersOf(admin.organizationId)).length, 3)
    })
  })

  describe('GET /api/user/list and /api/user/profile', () => {
    it('lists the users of the caller\u2019s organization only, for every role', async () => {
      const tenant = await newTenant(t.app)
      await newTenant(t.app)
      const expected = [tenant.admin, tenant.departmentHead, tenant.salesRep].map((u) => u.id).sort()
      for (const user of [tenant.admin, tenant.departmentHead, tenant.salesRep]) {
        const r = await api(t.app, 'GET', '/api/user/list', { token: user.token })
        assert.equal(r.status, 200)
        assert.deepEqual(Object.keys(r.body), ['users'])
        assert.deepEqual(r.body.users.map((u: { _id: string }) => u._id).sort(), expected)
        for (const listed of r.body.users) {
          assert.deepEqual(Object.keys(listed).sort(), userKeys)
          assert.equal(listed.organizationId, tenant.organization.id)
        }
        assert.ok(!r.raw.includes('password'))
      }
    })

    it('lets a SUPERADMIN list another organization, and refuses that to an ADMIN with 403', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { admin, organization } = await newTenant(t.app)
      const other = await newTenant(t.app)
      const listed = await api(t.app, 'GET', `/api/user/list?organizationId=${organization.id}`, { token: superadmin.token })
      assert.equal(listed.status, 200)
      assert.equal(listed.body.users.length, 3)
      const own = await api(t.app, 'GET', '/api/user/list', { token: superadmin.token })
      assert.deepEqual(own.body.users.map((u: { _id: string }) => u._id), [superadmin.id])
      const refused = await api(t.app, 'GET', `/api/user/list?organizationId=${other.organization.id}`, { token: admin.token })
      assert.equal(refused.status, 403)
      const self = await api(t.app, 'GET', `/api/user/list?organizationId=${organization.id}`, { token: admin.token })
      assert.equal(self.status, 200)
      assert.equal((await api(t.app, 'GET', '/api/user/list?organizationId=nope', { token: superadmin.token })).status, 400)
    })

    it('returns the caller\u2019s own profile', async () => {
      const { salesRep, organization } = await newTenant(t.app)
      const r = await api(t.app, 'GET', '/api/user/profile', { token: salesRep.token })
      assert.equal(r.status, 200)
      assert.equal(r.body.user._id, salesRep.id)
      assert.equal(r.body.user.email, salesRep.email)
      assert.equal(r.body.user.accessRole, 'SALES_REP')
      assert.equal(r.body.user.organizationId, organization.id)
      assert.equal((await api(t.app, 'GET', '/api/user/profile')).status, 401)
    })
  })

  describe('PATCH /api/user/{id}', () => {
    it('updates profile fields and role, and clears nullable ones with null', async () => {
      const { admin, salesRep } = await newTenant(t.app)
      const r = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, {
        token: admin.token,
        body: { fullName: 'Renamed', phoneNumber: '+911234567890', designation: 'Lead', accessRole: 'DEPARTMENT_HEAD' },
      })
      assert.equal(r.status, 200, r.raw)
      assert.equal(r.body.user.fullName, 'Renamed')
      assert.equal(r.body.user.phoneNumber, '+911234567890')
      assert.equal(r.body.user.accessRole, 'DEPARTMENT_HEAD')
      assert.ok(Date.parse(r.body.user.updatedAt) >= Date.parse(r.body.user.createdAt))
      const cleared = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, {
        token: admin.token,
        body: { phoneNumber: null, designation: null },
      })
      assert.equal(cleared.body.user.phoneNumber, null)
      assert.equal(cleared.body.user.designation, null)
      assert.equal(cleared.body.user.fullName, 'Renamed', 'absent fields are unchanged')
      const profile = await api(t.app, 'GET', '/api/user/profile', { token: salesRep.token })
      assert.equal(profile.body.user.accessRole, 'DEPARTMENT_HEAD')
    })

    it('disables and re-enables sign-in', async () => {
      const { admin, salesRep } = await newTenant(t.app)
      const disabled = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: admin.token, body: { loginDisabled: true } })
      assert.equal(disabled.body.user.loginDisabled, true)
      assert.equal((await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })).status, 403)
      await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: admin.token, body: { loginDisabled: false } })
      assert.equal((await api(t.app, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })).status, 200)
    })

    it('refuses to disable oneself or change one\u2019s own role with 422', async () => {
      const { admin } = await newTenant(t.app)
      for (const body of [{ loginDisabled: true }, { accessRole: 'SALES_REP' }]) {
        const r = await api(t.app, 'PATCH', `/api/user/${admin.id}`, { token: admin.token, body })
        assert.equal(r.status, 422, JSON.stringify(body))
        assert.equal(expectErrorShape(r).error, 'Cannot change own access')
      }
      const row = await t.app.ctx.db.selectFrom('users').selectAll().where('id', '=', admin.id).executeTakeFirstOrThrow()
      assert.equal(row.login_disabled, false)
      assert.equal(row.access_role, 'ADMIN')
      const own = await api(t.app, 'PATCH', `/api/user/${admin.id}`, { token: admin.token, body: { fullName: 'Still me', accessRole: 'ADMIN' } })
      assert.equal(own.status, 200)
    })

    it('hides users of other organizations with 404 and refuses non-admins with 403', async () => {
      const { admin, departmentHead, salesRep } = await newTenant(t.app)
      const other = await newTenant(t.app)
      const superadmin = await newSuperadmin(t.app)
      for (const id of [other.salesRep.id, superadmin.id, 'c'.repeat(24)]) {
        const r = await api(t.app, 'PATCH', `/api/user/${id}`, { token: admin.token, body: { fullName: 'Hijacked' } })
        assert.equal(r.status, 404, id)
        assert.equal(expectErrorShape(r).error, 'User not found')
      }
      const untouched = await t.app.ctx.db.selectFrom('users').select('full_name').where('id', '=', other.salesRep.id).executeTakeFirstOrThrow()
      assert.equal(untouched.full_name, other.salesRep.fullName)
      const refused = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: departmentHead.token, body: { fullName: 'X' } })
      assert.equal(refused.status, 403)
    })

    it('lets a SUPERADMIN manage users of any organization', async () => {
      const superadmin = await newSuperadmin(t.app)
      const { salesRep } = await newTenant(t.app)
      const r = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: superadmin.token, body: { designation: 'Moved' } })
      assert.equal(r.status, 200)
      assert.equal(r.body.user.designation, 'Moved')
    })

    it('refuses SUPERADMIN as a role and empty or unknown bodies with 400', async () => {
      const { admin, salesRep } = await newTenant(t.app)
      const cases: [unknown, string][] = [
        [{ accessRole: 'SUPERADMIN' }, '/accessRole'],
        [{}, '/'],
        [{ email: 'new@example.test' }, '/email'],
        [{ organizationId: 'a'.repeat(24) }, '/organizationId'],
      ]
      for (const [body, path] of cases) {
        const r = await api(t.app, 'PATCH', `/api/user/${salesRep.id}`, { token: admin.token, body })
        assert.equal(r.status, 400, JSON.stringify(body))
        assert.ok((expectErrorShape(r).details as { path: string }[]).some((d) => d.path === path), JSON.stringify(r.body))
      }
      const row = await t.app.ctx.db.selectFrom('users').selectAll().where('id', '=', salesRep.id).executeTakeFirstOrThrow()
      assert.equal(row.access_role, 'SALES_REP')
      assert.equal(row.email, salesRep.email)
    })
  })

  describe('DELETE /api/user/{id}', () => {
    it('deletes the user, what they own, and stops their token', async () => {
      const { admin, salesRep, organization } = await newTenant(t.app)
      await t.app.ctx.db
        .insertInto('templates')
        .values({ organization_id: organization.id, user_id: salesRep.id, name: 'Hi', template: 'Hello {{name}}', type: 'sms' })
        .execute()
      const r = await api(t.app, 'DELETE', `/api/user/${salesRep.id}`, { token: admin.token })
      assert.equal(r.status, 200)
      assert.deepEqual(r.body, { message: 'User deleted' })
      assert.equal(await t.app.ctx.db.selectFrom('users').select('id').where('id', '=', salesRep.id).executeTakeFirst(), undefined)
      assert.deepEqual(await t.app.ctx.db.selectFrom('templates').select('id').where('user_id', '=', salesRep.id).execute(), [])
      assert.equal((await api(t.app, 'GET', '/api/user/profile', { token: salesRep.token })).status, 401)
      assert.equal((await api(t.app, 'DELETE', `/api/user/${salesRep.id}`, { token: admin.token })).status, 404)
    })

    it('refuses to delete oneself with 422', async () => {
      const { admin } = await newTenant(t.app)
      const r = await api(t.app, 'DELETE', `/api/user/${admin.id}`, { token: admin.token })
      assert.equal(r.status, 422)
      assert.equal(expectErrorShape(r).error, 'Cannot delete own account')
      assert.equal((await api(t.app, 'GET', '/api/user/profile', { token: admin.token })).status, 200)
    })

    it('hides users of other organizations with 404 and refuses non-admins with 403', async () => {
      const { admin, departmentHead, salesRep } = await newTenant(t.app)
      const other = await newTenant(t.app)
      const r = await api(t.app, 'DELETE', `/api/user/${other.admin.id}`, { token: admin.token })
      assert.equal(r.status, 404)
      assert.equal(expectErrorShape(r).error, 'User not found')
      assert.equal((await api(t.app, 'DELETE', `/api/user/${salesRep.id}`, { token: departmentHead.token })).status, 403)
      assert.equal((await usersOf(other.organization.id)).length, 3)
      assert.equal((await usersOf(admin.organizationId)).length, 3)
    })

    it('lets an ADMIN delete another ADMIN of the same organization', async () => {
      const { admin, organization } = await newTenant(t.app)
      const second = await newUser(t.app, organization.id, 'ADMIN')
      assert.equal((await api(t.app, 'DELETE', `/api/user/${second.id}`, { token: admin.token })).status, 200)
    })
  })
})
