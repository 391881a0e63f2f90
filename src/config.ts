import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isPhoneNumber } from './shared/schemas.ts'

/**
 * Configuration is parsed once at start-up from the environment, validated, frozen
 * and passed in. Nothing else in the code reads process.env.
 */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test'
  readonly host: string
  readonly port: number
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    /** dataDir is a directory, or 'memory://' for a throw-away in-memory database. */
    | { readonly kind: 'pglite'; readonly dataDir: string }
  readonly jwtSecret: Uint8Array
  readonly jwtTtlSeconds: number
  readonly encryptionKey: Buffer
  readonly bodyLimitBytes: number
  readonly login: { readonly maxFailures: number; readonly lockoutSeconds: number }
  readonly passwordHash: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number }
  /** The organization SUPERADMINs belong to, created with the first of them. */
  readonly platformOrganization: { readonly name: string; readonly phone: string }
  /** The SUPERADMIN to create at start-up unless a user with that email exists. */
  readonly bootstrap?: { readonly email: string; readonly password: string }
  readonly shutdownTimeoutMs: number
  /** Fastify trustProxy: which proxies may set X-Forwarded-For (client address for login limits). */
  readonly trustProxy: boolean | number | string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

const secretFileName = 'secrets.json'

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number (got "${raw}")`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max} (got ${value})`)
  return value
}

/** Durations as seconds ("3600") or with a unit ("90s", "30m", "12h", "7d"). */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim())
  if (!match) throw new ConfigError(`${name} must be a duration such as 3600, 30m, 12h or 7d (got "${raw}")`)
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 's'] ?? 1
  const seconds = Number(match[1]) * factor
  if (seconds < 1) throw new ConfigError(`${name} must be at least one second`)
  return seconds
}

function decodeKey(name: string, raw: string): Buffer {
  const trimmed = raw.trim()
  // Base64 of 32 bytes always ends in '=', so all-hex input is meant as hex.
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length !== 64) {
    throw new ConfigError(`${name} must be 32 bytes: 64 hex characters (got ${trimmed.length}) or base64`)
  }
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64')
  if (key.length !== 32) {
    throw new ConfigError(`${name} must be 32 bytes, given as 64 hex characters or base64 (got ${key.length} bytes)`)
  }
  return key
}

interface Secrets {
  jwtSecret: string
  encryptionKey: string
}

function readSecretsFile(file: string): Secrets | undefined {
  let stored: Partial<Secrets> | null
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets> | null
  } catch {
    return undefined
  }
  if (typeof stored?.jwtSecret !== 'string' || typeof stored.encryptionKey !== 'string') return undefined
  return { jwtSecret: stored.jwtSecret, encryptionKey: stored.encryptionKey }
}

/**
 * Development convenience: secrets that are not set are generated once and kept
 * in DATA_DIR/secrets.json (mode 0600) so tokens and encrypted credentials
 * survive restarts. With an in-memory database they live as long as the process.
 */
function developmentSecrets(dataDir: string): Secrets {
  const generated = (): Secrets => ({
    jwtSecret: randomBytes(48).toString('base64'),
    encryptionKey: randomBytes(32).toString('base64'),
  })
  if (dataDir === 'memory://') return generated()
  const file = join(dataDir, secretFileName)
  if (existsSync(file)) {
    const stored = readSecretsFile(file)
    if (stored) return stored
    throw new ConfigError(`${file} is not a valid secrets file; remove it or set JWT_SECRET and ENCRYPTION_KEY`)
  }
  const secrets = generated()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return secrets
}

/** TRUST_PROXY: unset/false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  if (!/^[0-9A-Fa-f.:/,\s]+$/.test(raw)) {
    throw new ConfigError(`TRUST_PROXY must be true, false, a hop count or a comma-separated list of addresses (got "${raw}")`)
  }
  return raw
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development'
  const rawDataDir = env.DATA_DIR?.trim() || './data'
  const dataDir = rawDataDir === 'memory://' ? 'memory://' : resolve(rawDataDir)
  const databaseUrl = env.DATABASE_URL?.trim()
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL')
  }

  let jwtSecretRaw = env.JWT_SECRET?.trim()
  let encryptionKeyRaw = env.ENCRYPTION_KEY?.trim()
  if (!jwtSecretRaw || !encryptionKeyRaw) {
    if (nodeEnv === 'production') {
      const missing = [!jwtSecretRaw && 'JWT_SECRET', !encryptionKeyRaw && 'ENCRYPTION_KEY'].filter(Boolean)
      throw new ConfigError(
        `${missing.join(' and ')} must be set when NODE_ENV=production ` +
          '(generate with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))")',
      )
    }
    const generated = developmentSecrets(dataDir)
    jwtSecretRaw ||= generated.jwtSecret
    encryptionKeyRaw ||= generated.encryptionKey
  }
  if (jwtSecretRaw.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters long')

  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as Config['logLevel']
  if (!logLevels.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${logLevels.join(', ')}`)

  const host = env.HOST?.trim() || '127.0.0.1'
  const bootstrapEmail = env.BOOTSTRAP_SUPERADMIN_EMAIL?.trim()
  const bootstrapPassword = env.BOOTSTRAP_SUPERADMIN_PASSWORD
  if (Boolean(bootstrapEmail) !== Boolean(bootstrapPassword)) {
    throw new ConfigError('BOOTSTRAP_SUPERADMIN_EMAIL and BOOTSTRAP_SUPERADMIN_PASSWORD must be set together')
  }
  if (bootstrapPassword !== undefined && bootstrapPassword.length < 8) {
    throw new ConfigError('BOOTSTRAP_SUPERADMIN_PASSWORD must be at least 8 characters long')
  }
  const orgName = env.BOOTSTRAP_ORG_NAME?.trim() || 'Platform'
  if (orgName.length > 200) throw new ConfigError('BOOTSTRAP_ORG_NAME must be at most 200 characters long')
  const orgPhone = env.BOOTSTRAP_ORG_PHONE?.trim() || '+10000000000'
  if (!isPhoneNumber(orgPhone)) {
    throw new ConfigError('BOOTSTRAP_ORG_PHONE must be +1 or +91 followed by 10 digits')
  }

  const config: Config = {
    nodeEnv,
    host,
    port: int(env, 'PORT', 2212, 0, 65535),
    logLevel,
    database: databaseUrl
      ? { kind: 'postgres', url: databaseUrl, poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200) }
      : { kind: 'pglite', dataDir },
    jwtSecret: new TextEncoder().encode(jwtSecretRaw),
    jwtTtlSeconds: parseDuration('JWT_TTL', env.JWT_TTL?.trim() || '12h'),
    encryptionKey: decodeKey('ENCRYPTION_KEY', encryptionKeyRaw),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    login: {
      maxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
      lockoutSeconds: parseDuration('LOGIN_LOCKOUT', env.LOGIN_LOCKOUT?.trim() || '15m'),
    },
    passwordHash: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    platformOrganization: { name: orgName, phone: orgPhone },
    bootstrap: bootstrapEmail && bootstrapPassword ? { email: bootstrapEmail, password: bootstrapPassword } : undefined,
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    trustProxy: parseTrustProxy(env.TRUST_PROXY?.trim()),
  }
  return Object.freeze(config)
}
