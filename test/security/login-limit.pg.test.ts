import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { useTestApp } from '../helpers/app.ts'
import { newTenant, testPassword } from '../helpers/fixtures.ts'
import { httpJson, startProductionServer, stopAllServers, type ServerProcess } from '../helpers/server.ts'

/**
 * The sign-in limit holds across processes: two real servers on one PostgreSQL
 * database receive concurrent guesses for one email, alternating. The check is
 * reserved in the database before the password is compared, so the two servers
 * together run LOGIN_MAX_FAILURES checks, not that many each (and not one per guess).
 */
describe('login limit across two server processes', () => {
  const t = useTestApp()
  const servers: ServerProcess[] = []

  before(async () => {
    assert.ok(t.database.url, 'the PostgreSQL pass provides a database URL')
    for (let i = 0; i < 2; i++) {
      servers.push(await startProductionServer({ databaseUrl: t.database.url, env: { LOGIN_MAX_FAILURES: '5' } }))
    }
  })
  after(stopAllServers)

  it('100 concurrent wrong guesses: 5 checked in all, 95 refused with 429, and then the right password too', async () => {
    const { salesRep } = await newTenant(t.app)
    const passwords = Array.from({ length: 100 }, (_, i) => `wrong-${i}`)
    const responses = await Promise.all(
      passwords.map((password, i) =>
        httpJson(servers[i % 2]!, 'POST', '/api/auth/login', { body: { email: salesRep.email, password } }),
      ),
    )
    const statuses = responses.map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 429).length, 95, statuses.join(','))
    assert.equal(statuses.filter((s) => s === 401).length, 5)
    for (const server of servers) {
      const right = await httpJson(server, 'POST', '/api/auth/login', { body: { email: salesRep.email, password: testPassword } })
      assert.equal(right.status, 429)
    }
  })
})
