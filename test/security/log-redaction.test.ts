import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { redactUrl } from '../../src/plugins/log-redaction.ts'
import { startServer, useProcesses, withStorage } from '../helpers/process.ts'

/**
 * SPEC §10: request logs redact query parameters named like token, password, key,
 * secret. A real server process logging at info level, as in production; the
 * test reads what it wrote to stdout.
 */
const { tempDir } = useProcesses()

describe('query strings in the request log', () => {
  it('never carry the values of secret-named parameters; other parameters stay readable', async () => {
    const secrets = ['tok-9f8e7d', 'pw-Secret!1', 'key-55aa', 'sec-0c0c', 'jwt-abc.def', 'sig-77', 'auth-x1']
    const paths = [
      `/health?token=${secrets[0]}&page=2`,
      `/api/auth/verify-token?password=${encodeURIComponent(secrets[1]!)}&api_key=${secrets[2]}`,
      `/no/such/route?client_secret=${secrets[3]}&Access-Token=${secrets[4]}`,
      `/health?X-Amz-Signature=${secrets[5]}&auth=${secrets[6]}&%ZZ=1&plain`,
    ]
    await withStorage(tempDir(), async (storage) => {
      const server = await startServer(storage)
      try {
        for (const path of paths) await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) })
      } finally {
        await server.stop()
      }
      const log = server.output.stdout
      for (const secret of secrets) assert.ok(!log.includes(secret), `${secret} reached the log`)
      assert.match(log, /"url":"\/health\?token=\[redacted\]&page=2"/)
      assert.match(log, /"url":"\/no\/such\/route\?client_secret=\[redacted\]&Access-Token=\[redacted\]"/)
      assert.match(log, /"url":"\/health\?X-Amz-Signature=\[redacted\]&auth=\[redacted\]&%ZZ=1&plain"/)
    })
  })

  it('leaves URLs without secret-named parameters as they were', () => {
    assert.equal(redactUrl('/api/user-snapshots?limit=20&cursor=abc'), '/api/user-snapshots?limit=20&cursor=abc')
    assert.equal(redactUrl('/health'), '/health')
    assert.equal(redactUrl('/x?refresh%5Ftoken=1&a=b=c'), '/x?refresh%5Ftoken=[redacted]&a=b=c')
  })
})
