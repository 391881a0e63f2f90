import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, it } from 'node:test'
import { ConfigError, environmentVariables, loadConfig, parseDuration } from './config.ts'

const jwtSecret = 'a-test-secret-that-is-long-enough-0123456789'
const hexKey = 'ab'.repeat(32)
/** Explicit secrets, so a test about something else never writes a secrets file. */
const secrets = { JWT_SECRET: jwtSecret, ENCRYPTION_KEY: hexKey }

const scratch = mkdtempSync(join(tmpdir(), 'tether-config-'))
after(() => rmSync(scratch, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => join(scratch, `data-${++dirs}`)

function configError(env: Record<string, string>, message: RegExp) {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`)
      assert.match(error.message, message)
      return true
    },
  )
}

describe('loadConfig', () => {
  it('defaults to 127.0.0.1:2212, PGlite in ./data, 12 h tokens and development mode', () => {
    const config = loadConfig({ ...secrets })
    assert.equal(config.port, 2212)
    assert.equal(config.host, '127.0.0.1')
    assert.deepEqual(config.database, { kind: 'pglite', dataDir: resolve('./data') })
    assert.equal(config.jwtTtlSeconds, 12 * 3600)
    assert.equal(config.nodeEnv, 'development')
    assert.equal(config.logLevel, 'info')
    assert.equal(config.bodyLimitBytes, 1024 * 1024)
    assert.deepEqual(config.login, { maxFailures: 5, lockoutSeconds: 15 * 60 })
    assert.equal(config.shutdownTimeoutMs, 10_000)
    assert.equal(config.bootstrap, undefined)
    assert.deepEqual(config.platformOrganization, { name: 'Platform', phone: '+10000000000' })
    assert.ok(Object.isFrozen(config))
  })

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      ...secrets,
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '0.0.0.0',
      LOG_LEVEL: 'warn',
      JWT_TTL: '30m',
      BODY_LIMIT_BYTES: '2048',
      LOGIN_MAX_FAILURES: '9',
      LOGIN_LOCKOUT: '2h',
      SHUTDOWN_TIMEOUT_MS: '500',
      BOOTSTRAP_SUPERADMIN_EMAIL: 'root@example.test',
      BOOTSTRAP_SUPERADMIN_PASSWORD: 'long-enough',
      BOOTSTRAP_ORG_NAME: 'Ops',
      BOOTSTRAP_ORG_PHONE: '+919876543210',
    })
    assert.equal(config.nodeEnv, 'production')
    assert.equal(config.port, 8080)
    assert.equal(config.host, '0.0.0.0')
    assert.equal(config.logLevel, 'warn')
    assert.equal(config.jwtTtlSeconds, 1800)
    assert.equal(config.bodyLimitBytes, 2048)
    assert.deepEqual(config.login, { maxFailures: 9, lockoutSeconds: 7200 })
    assert.equal(config.shutdownTimeoutMs, 500)
    assert.deepEqual(config.bootstrap, { email: 'root@example.test', password: 'long-enough' })
    assert.deepEqual(config.platformOrganization, { name: 'Ops', phone: '+919876543210' })
    assert.deepEqual(config.encryptionKey, Buffer.from(hexKey, 'hex'))
    assert.deepEqual(config.jwtSecret, new TextEncoder().encode(jwtSecret))
  })

  it('reads the platform organization without a bootstrap superadmin (the CLI uses it)', () => {
    const config = loadConfig({ ...secrets, BOOTSTRAP_ORG_NAME: ' Ops HQ ', BOOTSTRAP_ORG_PHONE: '+14155550100' })
    assert.equal(config.bootstrap, undefined)
    assert.deepEqual(config.platformOrganization, { name: 'Ops HQ', phone: '+14155550100' })
  })

  it('switches to PostgreSQL when DATABASE_URL is set, with a pool size', () => {
    const url = 'postgres://app@db.internal:5432/tether'
    assert.deepEqual(loadConfig({ ...secrets, DATABASE_URL: url }).database, { kind: 'postgres', url, poolSize: 10 })
    assert.deepEqual(loadConfig({ ...secrets, DATABASE_URL: `${url.replace('postgres:', 'postgresql:')}`, DATABASE_POOL_SIZE: '3' }).database, {
      kind: 'postgres',
      url: url.replace('postgres:', 'postgresql:'),
      poolSize: 3,
    })
  })

  it('keeps DATA_DIR=memory:// as an in-memory database and resolves other paths', () => {
    assert.deepEqual(loadConfig({ ...secrets, DATA_DIR: 'memory://' }).database, { kind: 'pglite', dataDir: 'memory://' })
    assert.deepEqual(loadConfig({ ...secrets, DATA_DIR: 'var/db' }).database, { kind: 'pglite', dataDir: resolve('var/db') })
  })

  it('accepts the encryption key as 64 hex characters or as base64 of 32 bytes', () => {
    const key = Buffer.alloc(32, 7)
    assert.deepEqual(loadConfig({ JWT_SECRET: jwtSecret, ENCRYPTION_KEY: key.toString('base64') }).encryptionKey, key)
    assert.deepEqual(loadConfig({ JWT_SECRET: jwtSecret, ENCRYPTION_KEY: key.toString('hex') }).encryptionKey, key)
  })

  it('reads TRUST_PROXY as off, on, a hop count or a list of proxies', () => {
    const trust = (value?: string) => loadConfig({ ...secrets, ...(value === undefined ? {} : { TRUST_PROXY: value }) }).trustProxy
    assert.equal(trust(), false)
    assert.equal(trust('false'), false)
    assert.equal(trust('true'), true)
    assert.equal(trust('2'), 2)
    assert.equal(trust('10.0.0.0/8, 127.0.0.1'), '10.0.0.0/8, 127.0.0.1')
  })

  it('trims values and treats blank ones as unset', () => {
    const config = loadConfig({ ...secrets, PORT: ' 8080 ', HOST: '   ', JWT_TTL: ' 30 m ', LOG_LEVEL: '' })
    assert.equal(config.port, 8080)
    assert.equal(config.host, '127.0.0.1')
    assert.equal(config.jwtTtlSeconds, 1800)
    assert.equal(config.logLevel, 'info')
  })

  it('keeps the bootstrap password exactly as given', () => {
    const config = loadConfig({ ...secrets, BOOTSTRAP_SUPERADMIN_EMAIL: ' root@example.test ', BOOTSTRAP_SUPERADMIN_PASSWORD: ' spaced out ' })
    assert.deepEqual(config.bootstrap, { email: 'root@example.test', password: ' spaced out ' })
  })

  it('reports every bad variable at once', () => {
    configError({ ...secrets, PORT: 'http', LOG_LEVEL: 'loud', JWT_TTL: 'never' }, /PORT must be a whole number.*; LOG_LEVEL must be one of.*; JWT_TTL must be a duration/)
  })

  it('never repeats a secret or a database URL in an error', () => {
    const attempts: Record<string, string>[] = [
      { DATABASE_URL: 'mysql://app:hunter2-password@db/x' },
      { JWT_SECRET: 'hunter2-password', ENCRYPTION_KEY: hexKey },
      { BOOTSTRAP_SUPERADMIN_EMAIL: 'a@b.test', BOOTSTRAP_SUPERADMIN_PASSWORD: 'hunter2' },
      { ENCRYPTION_KEY: 'hunter2-password' },
    ]
    for (const env of attempts) {
      assert.throws(() => loadConfig({ ...secrets, ...env }), (error: Error) => error instanceof ConfigError && !error.message.includes('hunter2'))
    }
  })

  it('parses durations with and without units', () => {
    assert.equal(parseDuration('X', '3600'), 3600)
    assert.equal(parseDuration('X', '90s'), 90)
    assert.equal(parseDuration('X', '30m'), 1800)
    assert.equal(parseDuration('X', '12h'), 43200)
    assert.equal(parseDuration('X', '7d'), 604800)
    assert.throws(() => parseDuration('X', '0s'), /^ConfigError: X must be a duration/)
  })

  it('declares every variable once, and the README documents each with its default', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### Secrets'))
    const rows = new Map([...section.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)].map((m) => [m[1], m[2]]))
    const variables = environmentVariables()
    assert.equal(new Set(variables.map((v) => v.name)).size, variables.length, 'a variable is declared twice')
    assert.deepEqual([...rows.keys()].sort(), variables.map((v) => v.name).sort(), 'README rows and declared variables differ')
    for (const variable of variables) {
      if (variable.default !== undefined) {
        assert.ok(rows.get(variable.name)?.includes(`\`${String(variable.default)}\``), `README default of ${variable.name} is not ${String(variable.default)}`)
      }
    }
  })

  describe('rejects bad values with a ConfigError naming the variable', () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['a non-numeric port', { PORT: 'http' }, /^PORT must be a whole number \(got "http"\)/],
      ['a port out of range', { PORT: '70000' }, /^PORT must be between 0 and 65535 \(got 70000\)/],
      ['a negative port', { PORT: '-1' }, /^PORT must be between 0 and 65535 \(got -1\)/],
      ['a port with a unit', { PORT: '80px' }, /^PORT must be a whole number \(got "80px"\)/],
      ['a fractional body limit', { BODY_LIMIT_BYTES: '1.5' }, /^BODY_LIMIT_BYTES must be a whole number/],
      ['a tiny body limit', { BODY_LIMIT_BYTES: '10' }, /^BODY_LIMIT_BYTES must be between 1024 and/],
      ['a zero pool', { DATABASE_URL: 'postgres://x/y', DATABASE_POOL_SIZE: '0' }, /^DATABASE_POOL_SIZE must be between 1 and 200/],
      ['a duration without a number', { JWT_TTL: 'forever' }, /^JWT_TTL must be a duration of at least one second, such as 3600, 90s, 30m, 12h or 7d \(got "forever"\)/],
      ['a zero duration', { JWT_TTL: '0' }, /^JWT_TTL must be a duration of at least one second/],
      ['a zero duration with a unit', { LOGIN_LOCKOUT: '0m' }, /^LOGIN_LOCKOUT must be a duration of at least one second/],
      ['an unknown duration unit', { LOGIN_LOCKOUT: '5w' }, /^LOGIN_LOCKOUT must be a duration/],
      ['a non-postgres database URL', { DATABASE_URL: 'mysql://localhost/db' }, /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/],
      ['an unknown log level', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
      ['an unknown NODE_ENV (a mistyped production must not generate secrets)', { NODE_ENV: 'Production' }, /^NODE_ENV must be one of development, production, test/],
      ['a short JWT secret', { JWT_SECRET: 'short', ENCRYPTION_KEY: hexKey }, /^JWT_SECRET must be at least 32 characters long/],
      ['an encryption key of the wrong size', { ENCRYPTION_KEY: Buffer.alloc(16, 1).toString('base64') }, /^ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64 \(got 16 bytes\)/],
      ['a hex encryption key of the wrong length', { ENCRYPTION_KEY: 'ab'.repeat(16) }, /^ENCRYPTION_KEY must be 32 bytes: 64 hex characters \(got 32\) or base64/],
      ['a bootstrap email without a password', { BOOTSTRAP_SUPERADMIN_EMAIL: 'a@b.test' }, /^BOOTSTRAP_SUPERADMIN_EMAIL and BOOTSTRAP_SUPERADMIN_PASSWORD must be set together/],
      ['a bootstrap password without an email', { BOOTSTRAP_SUPERADMIN_PASSWORD: 'long-enough' }, /must be set together/],
      ['a short bootstrap password', { BOOTSTRAP_SUPERADMIN_EMAIL: 'a@b.test', BOOTSTRAP_SUPERADMIN_PASSWORD: 'short' }, /^BOOTSTRAP_SUPERADMIN_PASSWORD must be at least 8 characters long/],
      ['a bad bootstrap phone', { BOOTSTRAP_ORG_PHONE: '+44123' }, /^BOOTSTRAP_ORG_PHONE must be \+1 or \+91 followed by 10 digits/],
      ['an over-long platform name', { BOOTSTRAP_ORG_NAME: 'x'.repeat(201) }, /^BOOTSTRAP_ORG_NAME must be at most 200 characters long/],
      ['a too-short shutdown timeout', { SHUTDOWN_TIMEOUT_MS: '5' }, /^SHUTDOWN_TIMEOUT_MS must be between 100 and/],
      ['a zero login failure limit', { LOGIN_MAX_FAILURES: '0' }, /^LOGIN_MAX_FAILURES must be between 1 and 1000/],
      ['a proxy list that is not addresses', { TRUST_PROXY: 'yes please' }, /^TRUST_PROXY must be true, false, a hop count/],
    ]
    for (const [what, env, message] of cases) {
      it(what, () => configError({ ...secrets, ...env }, message))
    }
  })

  it('refuses to start in production without JWT_SECRET and ENCRYPTION_KEY, naming what is missing', () => {
    const dataDir = freshDir()
    configError({ NODE_ENV: 'production', DATA_DIR: dataDir }, /^JWT_SECRET and ENCRYPTION_KEY must be set when NODE_ENV=production/)
    configError({ NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: jwtSecret }, /^ENCRYPTION_KEY must be set when NODE_ENV=production/)
    configError({ NODE_ENV: 'production', DATA_DIR: dataDir, ENCRYPTION_KEY: hexKey }, /^JWT_SECRET must be set when NODE_ENV=production/)
    configError({ NODE_ENV: 'production', DATA_DIR: dataDir, JWT_SECRET: '  ', ENCRYPTION_KEY: hexKey }, /^JWT_SECRET must be set/)
    assert.equal(existsSync(dataDir), false, 'production never generates secrets on disk')
  })

  it('in development generates secrets once, keeps them in DATA_DIR/secrets.json (0600) and reuses them', () => {
    const dataDir = freshDir()
    const first = loadConfig({ DATA_DIR: dataDir })
    const file = join(dataDir, 'secrets.json')
    assert.ok(existsSync(file))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const stored = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(new TextDecoder().decode(first.jwtSecret), stored.jwtSecret)
    assert.deepEqual(first.encryptionKey, Buffer.from(stored.encryptionKey, 'base64'))
    assert.equal(first.encryptionKey.length, 32)
    assert.ok(first.jwtSecret.length >= 32)

    const second = loadConfig({ DATA_DIR: dataDir })
    assert.deepEqual(second.jwtSecret, first.jwtSecret)
    assert.deepEqual(second.encryptionKey, first.encryptionKey)

    const elsewhere = loadConfig({ DATA_DIR: freshDir() })
    assert.notDeepEqual(elsewhere.jwtSecret, first.jwtSecret, 'each data directory gets its own secrets')
  })

  it('lets an explicit secret override the generated one', () => {
    const dataDir = freshDir()
    const generated = loadConfig({ DATA_DIR: dataDir })
    const mixed = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: jwtSecret })
    assert.deepEqual(mixed.jwtSecret, new TextEncoder().encode(jwtSecret))
    assert.deepEqual(mixed.encryptionKey, generated.encryptionKey)
  })

  it('writes no secrets file for an in-memory database', () => {
    const before = readdirSync(scratch).length
    const config = loadConfig({ DATA_DIR: 'memory://' })
    assert.equal(config.encryptionKey.length, 32)
    assert.equal(existsSync('memory:'), false)
    assert.equal(readdirSync(scratch).length, before)
    const again = loadConfig({ DATA_DIR: 'memory://' })
    assert.notDeepEqual(again.jwtSecret, config.jwtSecret, 'in-memory secrets live as long as the process')
  })

  it('rejects an unreadable secrets file with a ConfigError that says how to recover', () => {
    for (const content of ['{"jwtSecret": 1}', 'not json']) {
      const dataDir = freshDir()
      loadConfig({ DATA_DIR: dataDir })
      writeFileSync(join(dataDir, 'secrets.json'), content)
      configError({ DATA_DIR: dataDir }, /secrets\.json is not a valid secrets file; remove it or set JWT_SECRET and ENCRYPTION_KEY/)
    }
  })

  it('derives the bundle signing key from ENCRYPTION_KEY unless BUNDLE_SIGNING_KEY is set', () => {
    const derived = loadConfig({ ...secrets }).bundleSigningKey
    assert.equal(derived.length, 32)
    assert.deepEqual(loadConfig({ ...secrets }).bundleSigningKey, derived, 'stable for one ENCRYPTION_KEY')
    assert.notDeepEqual(derived, Buffer.from(hexKey, 'hex'), 'never the encryption key itself')
    assert.notDeepEqual(loadConfig({ ...secrets, ENCRYPTION_KEY: 'cd'.repeat(32) }).bundleSigningKey, derived)
    assert.deepEqual(loadConfig({ ...secrets, BUNDLE_SIGNING_KEY: '12'.repeat(32) }).bundleSigningKey, Buffer.from('12'.repeat(32), 'hex'))
    configError({ ...secrets, BUNDLE_SIGNING_KEY: 'hunter2-password' }, /^BUNDLE_SIGNING_KEY must be 32 bytes/)
  })

  it('reads BUNDLE_TRUSTED_KEYS inline or from a file, Ed25519 public keys with a kid only', () => {
    const key = { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43), kid: 'k1' }
    const inline = JSON.stringify({ keys: [{ ...key, alg: 'EdDSA', use: 'sig' }] })
    assert.deepEqual(loadConfig({ ...secrets, BUNDLE_TRUSTED_KEYS: inline }).bundles.trustedKeys, [key])
    const file = join(scratch, 'trusted.json')
    writeFileSync(file, inline)
    assert.deepEqual(loadConfig({ ...secrets, BUNDLE_TRUSTED_KEYS: file }).bundles.trustedKeys, [key])
    assert.equal(loadConfig({ ...secrets }).bundles.trustedKeys, undefined)
    assert.equal(loadConfig({ ...secrets }).bundles.importLimitBytes, 64 * 1024 * 1024)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: join(scratch, 'missing.json') }, /^BUNDLE_TRUSTED_KEYS names a file that cannot be read/)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: '{"keys":[]}' }, /^BUNDLE_TRUSTED_KEYS must be a JWKS/)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: '{nope' }, /^BUNDLE_TRUSTED_KEYS is not valid JSON/)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: JSON.stringify({ keys: [{ ...key, d: 'B'.repeat(43) }] }) }, /key 0 holds a private key/)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: JSON.stringify({ keys: [key, { ...key, crv: 'P-256' }] }) }, /key 1 is not an Ed25519 public key/)
    configError({ ...secrets, BUNDLE_TRUSTED_KEYS: JSON.stringify({ keys: [{ ...key, kid: '' }] }) }, /key 0 has no kid/)
    configError({ ...secrets, IMPORT_LIMIT_BYTES: '10' }, /^IMPORT_LIMIT_BYTES must be between 1024 and 1073741824/)
  })
})
