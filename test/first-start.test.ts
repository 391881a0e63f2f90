import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { testDatabaseKind } from './helpers/database.ts'
import { startServer, useProcesses, within } from './helpers/process.ts'

/**
 * The first start tells a new user, in plain words on a terminal, where the data
 * lives, that secrets were generated and where, the API, /docs and console URLs, and
 * how to create the first superadmin; without a terminal the same facts are one
 * JSON log line. Real processes; the terminal is a pseudo-terminal from `script`.
 */
const { tempDir } = useProcesses()
const root = new URL('..', import.meta.url).pathname

function readyLine(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((l) => l.includes('"msg":"ready"'))
  assert.ok(line, `no ready line in:\n${stdout}`)
  return JSON.parse(line) as Record<string, string>
}

describe('first start', { skip: testDatabaseKind === 'postgres' }, () => {
  it('logs where everything is as JSON when stdout is not a terminal, and stops asking once a superadmin exists', async () => {
    const dataDir = tempDir()
    const first = await startServer({ DATA_DIR: dataDir })
    await first.stop()
    const facts = readyLine(first.output.stdout)
    assert.equal(facts.api, `${first.url}/api`)
    assert.equal(facts.docs, `${first.url}/docs`)
    assert.equal(facts.console, `${first.url}/`)
    assert.equal(facts.storage, `embedded PostgreSQL (PGlite) in ${dataDir}`)
    assert.match(facts.secrets!, new RegExp(`^generated now and saved in ${join(dataDir, 'secrets.json')}`))
    assert.match(facts.firstSuperadmin!, /^Stop the server \(Ctrl\+C\), then run: npm run cli -- create-superadmin --email/)

    const again = await startServer({ DATA_DIR: dataDir, BOOTSTRAP_SUPERADMIN_EMAIL: 'root@example.test', BOOTSTRAP_SUPERADMIN_PASSWORD: 'Root-pass-123' })
    await again.stop()
    const later = readyLine(again.output.stdout)
    assert.equal(later.secrets, `read from ${join(dataDir, 'secrets.json')}`)
    assert.equal(later.firstSuperadmin, undefined)
  })

  it('prints the same facts in plain words on a terminal', async () => {
    const dataDir = tempDir()
    const command = `${process.execPath} --import tsx src/server.ts`
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    try {
      await within(60_000, 'the terminal banner', new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => output.includes('Stop with Ctrl+C.') && resolve())
        child.on('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)))
      }))
    } finally {
      process.kill(-child.pid!, 'SIGKILL')
    }
    const text = output.replace(/\r/g, '')
    const base = /Console {4}(http:\/\/127\.0\.0\.1:\d+)\//.exec(text)?.[1]
    assert.ok(base, text)
    for (const expected of [
      'Tether Relay is running.',
      `API        ${base}/api`,
      `API docs   ${base}/docs`,
      `Data       embedded PostgreSQL (PGlite) in ${dataDir}`,
      `Secrets    generated now and saved in ${join(dataDir, 'secrets.json')}`,
      'No superadmin exists yet. Stop the server (Ctrl+C), then run:',
      "npm run cli -- create-superadmin --email you@example.com --password '<at least 8 characters>'",
      'or start the server with BOOTSTRAP_SUPERADMIN_EMAIL and BOOTSTRAP_SUPERADMIN_PASSWORD set.',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in:\n${text}`)
    }
  })
})
