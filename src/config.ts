import { hkdfSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Type, type StaticDecode, type TSchema } from '@sinclair/typebox'
import { TransformDecode, TransformDecodeError } from '@sinclair/typebox/value'
import { Ajv, type ErrorObject } from 'ajv'
import type { PasswordHashOptions } from './shared/passwords.ts'
import { phonePattern, StringEnum } from './shared/schemas.ts'

/**
 * Configuration is parsed once at start-up from the environment, validated, frozen
 * and passed in. Nothing else in the code reads process.env.
 *
 * `settingsSchema` below is the one place a variable is declared: the property is
 * where it lands in Config, `env` names the variable, and the schema gives its type,
 * default and range. Adding a variable is adding one property (and its README row,
 * which a unit test compares with the schema); Config's type follows from the schema.
 */

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

/**
 * Keywords the schema adds to JSON Schema (registered with Ajv below): `env` names the
 * variable; `allowed` says in words what a value failing `pattern` may be; `sensitive`
 * values are never repeated in an error; `untrimmed` values keep their outer spaces.
 */
interface VariableSchema extends TSchema {
  env: string
  allowed?: string
  sensitive?: boolean
  untrimmed?: boolean
}

/** The environment variable `name`, whose text the schema validates (coerced to numbers where it says so). */
const env = <T extends TSchema>(name: string, schema: T) => Type.Unsafe<StaticDecode<T>>({ ...schema, env: name })

const durationAllowed = 'a duration of at least one second, such as 3600, 90s, 30m, 12h or 7d'
const durationUnits: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/** Durations as seconds ("3600") or with a unit ("90s", "30m", "12h", "7d"), at least one second. */
export function parseDuration(name: string, raw: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(raw.trim())
  const seconds = match ? Number(match[1]) * (durationUnits[match[2] || 's'] ?? 1) : Number.NaN
  if (!(seconds >= 1)) throw new ConfigError(`${name} must be ${durationAllowed} (got "${raw}")`)
  return seconds
}

const duration = (name: string, fallback: string) =>
  Type.Transform(env(name, Type.String({ default: fallback, pattern: '^0*[1-9]\\d*\\s*[smhd]?$', allowed: durationAllowed })))
    .Decode((raw) => parseDuration(name, raw))
    .Encode(String)

/** TRUST_PROXY: false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
const trustProxy = Type.Transform(
  env(
    'TRUST_PROXY',
    Type.String({
      default: 'false',
      pattern: '^(true|false|\\d+|[0-9A-Fa-f.:/,\\s]+)$',
      allowed: 'true, false, a hop count or a comma-separated list of addresses',
    }),
  ),
)
  .Decode((raw): boolean | number | string => (raw === 'false' ? false : raw === 'true' ? true : /^\d+$/.test(raw) ? Number(raw) : raw))
  .Encode(String)

/** The SUPERADMIN to create at start-up unless a user with that email exists: both or neither. */
const bootstrap = Type.Transform(
  Type.Object({
    email: Type.Optional(env('BOOTSTRAP_SUPERADMIN_EMAIL', Type.String())),
    password: Type.Optional(env('BOOTSTRAP_SUPERADMIN_PASSWORD', Type.String({ minLength: 8, sensitive: true, untrimmed: true }))),
  }),
)
  .Decode(({ email, password }) => {
    if (Boolean(email) !== Boolean(password)) {
      throw new ConfigError('BOOTSTRAP_SUPERADMIN_EMAIL and BOOTSTRAP_SUPERADMIN_PASSWORD must be set together')
    }
    return email && password ? { email, password } : undefined
  })
  .Encode((pair) => ({ email: pair?.email, password: pair?.password }))

/** A public key an import trusts (SPEC §7.6): an Ed25519 JWK with its key id. */
export interface TrustedKey {
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  kid: string
}

const trustedKeysAllowed = 'a JWKS ({"keys":[…]}) of Ed25519 public keys with their kid, inline or as the path of a file holding one'

/** BUNDLE_TRUSTED_KEYS: a JWKS inline (it starts with "{") or the path of a file holding one; read once, never fetched. */
export function parseTrustedKeys(raw: string): TrustedKey[] {
  let text = raw
  if (!raw.startsWith('{')) {
    try {
      text = readFileSync(resolve(raw), 'utf8')
    } catch {
      throw new ConfigError(`BUNDLE_TRUSTED_KEYS names a file that cannot be read (${raw}); it must be ${trustedKeysAllowed}`)
    }
  }
  let jwks: unknown
  try {
    jwks = JSON.parse(text)
  } catch {
    throw new ConfigError(`BUNDLE_TRUSTED_KEYS is not valid JSON; it must be ${trustedKeysAllowed}`)
  }
  const keys = (jwks as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys) || keys.length === 0) throw new ConfigError(`BUNDLE_TRUSTED_KEYS must be ${trustedKeysAllowed}`)
  return keys.map((key: unknown, index): TrustedKey => {
    const jwk = (key ?? {}) as Record<string, unknown>
    if ('d' in jwk) throw new ConfigError(`BUNDLE_TRUSTED_KEYS key ${index} holds a private key; list public keys only`)
    const { kty, crv, x, kid } = jwk
    if (kty !== 'OKP' || crv !== 'Ed25519' || typeof x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(x)) {
      throw new ConfigError(`BUNDLE_TRUSTED_KEYS key ${index} is not an Ed25519 public key (kty "OKP", crv "Ed25519", x)`)
    }
    if (typeof kid !== 'string' || kid.length === 0) throw new ConfigError(`BUNDLE_TRUSTED_KEYS key ${index} has no kid`)
    return { kty, crv, x, kid }
  })
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const settingsSchema = Type.Object({
  nodeEnv: env('NODE_ENV', StringEnum(['development', 'production', 'test'], { default: 'development' })),
  host: env('HOST', Type.String({ default: '127.0.0.1' })),
  port: env('PORT', Type.Integer({ minimum: 0, maximum: 65535, default: 2212 })),
  logLevel: env('LOG_LEVEL', StringEnum(logLevels, { default: 'info' })),
  /** DATABASE_URL selects PostgreSQL; without it the embedded PGlite lives in DATA_DIR (see loadConfig). */
  database: Type.Object({
    url: Type.Optional(
      env('DATABASE_URL', Type.String({ pattern: '^postgres(ql)?://', allowed: 'a postgres:// or postgresql:// URL', sensitive: true })),
    ),
    poolSize: env('DATABASE_POOL_SIZE', Type.Integer({ minimum: 1, maximum: 200, default: 10 })),
    /** A directory, or 'memory://' for a throw-away in-memory database. */
    dataDir: Type.Transform(env('DATA_DIR', Type.String({ default: './data' })))
      .Decode((dir) => (dir === 'memory://' ? dir : resolve(dir)))
      .Encode((dir) => dir),
  }),
  jwtTtlSeconds: duration('JWT_TTL', '12h'),
  bodyLimitBytes: env('BODY_LIMIT_BYTES', Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 })),
  login: Type.Object({
    maxFailures: env('LOGIN_MAX_FAILURES', Type.Integer({ minimum: 1, maximum: 1000, default: 5 })),
    lockoutSeconds: duration('LOGIN_LOCKOUT', '15m'),
  }),
  /** The organization SUPERADMINs belong to, created with the first of them. */
  platformOrganization: Type.Object({
    name: env('BOOTSTRAP_ORG_NAME', Type.String({ default: 'Platform', maxLength: 200 })),
    phone: env('BOOTSTRAP_ORG_PHONE', Type.String({ default: '+10000000000', pattern: phonePattern, allowed: '+1 or +91 followed by 10 digits' })),
  }),
  bootstrap,
  shutdownTimeoutMs: env('SHUTDOWN_TIMEOUT_MS', Type.Integer({ minimum: 100, maximum: 600_000, default: 10_000 })),
  /** Fastify trustProxy: which proxies may set X-Forwarded-For (client address for login limits). */
  trustProxy,
  /** The general per-caller limit on every route; its counters are shared through Redis when REDIS_URL is set. */
  rateLimit: Type.Object({
    max: env('RATE_LIMIT_MAX', Type.Integer({ minimum: 0, maximum: 1_000_000, default: 600 })),
    windowSeconds: duration('RATE_LIMIT_WINDOW', '1m'),
    redisUrl: Type.Optional(
      env('REDIS_URL', Type.String({ pattern: '^rediss?://', allowed: 'a redis:// or rediss:// URL', sensitive: true })),
    ),
    redisKeyPrefix: env('REDIS_KEY_PREFIX', Type.String({ default: 'tether-relay:', maxLength: 100 })),
  }),
  /** Origins whose browser pages may call the API (CORS); none by default. */
  corsOrigins: Type.Optional(
    Type.Transform(
      env(
        'CORS_ORIGINS',
        Type.String({
          pattern: '^https?://[^\\s,/]+(\\s*,\\s*https?://[^\\s,/]+)*$',
          allowed: 'a comma-separated list of origins such as https://crm.example.com,http://localhost:5173',
        }),
      ),
    )
      .Decode((raw): string[] => raw.split(',').map((origin) => origin.trim()))
      .Encode((origins) => origins.join(',')),
  ),
  /** Background jobs (pushes): how many targets this process works on at once (0: an API-only process). */
  jobs: Type.Object({
    workers: env('WORKERS', Type.Integer({ minimum: 0, maximum: 64, default: 1 })),
    /** A target still running after this is handed to another worker (its first run, if alive, still wins the row lock). */
    targetTimeoutSeconds: duration('JOB_TARGET_TIMEOUT', '5m'),
  }),
  /** Portable bundles (SPEC §7.6): how big an import may be, and whose signatures it trusts (unset: any valid one). */
  bundles: Type.Object({
    importLimitBytes: env('IMPORT_LIMIT_BYTES', Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024, default: 64 * 1024 * 1024 })),
    trustedKeys: Type.Optional(
      Type.Transform(env('BUNDLE_TRUSTED_KEYS', Type.String()))
        .Decode(parseTrustedKeys)
        .Encode((keys) => JSON.stringify({ keys })),
    ),
  }),
  /** Unset secrets are generated outside production (see resolveSecrets). */
  secrets: Type.Object({
    jwtSecret: Type.Optional(env('JWT_SECRET', Type.String({ minLength: 32, sensitive: true }))),
    /** 32 bytes as 64 hex characters or base64 (decoded by decodeKey). */
    encryptionKey: Type.Optional(env('ENCRYPTION_KEY', Type.String({ sensitive: true }))),
    /** The Ed25519 private key (its 32-byte seed) that signs exported bundles; unset: derived from ENCRYPTION_KEY. */
    bundleSigningKey: Type.Optional(env('BUNDLE_SIGNING_KEY', Type.String({ sensitive: true }))),
  }),
})

type Settings = StaticDecode<typeof settingsSchema>

type DeepReadonly<T> = T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

export type Config = DeepReadonly<Omit<Settings, 'secrets' | 'database'>> & {
  readonly database:
    | { readonly kind: 'postgres'; readonly url: string; readonly poolSize: number }
    /** dataDir is a directory, or 'memory://' for a throw-away in-memory database. */
    | { readonly kind: 'pglite'; readonly dataDir: string }
  readonly jwtSecret: Uint8Array
  readonly encryptionKey: Buffer
  /** The 32-byte Ed25519 seed of the instance's bundle signing key. */
  readonly bundleSigningKey: Buffer
  readonly passwordHash: Readonly<PasswordHashOptions>
  /** Where the secrets came from (the first start reports it). */
  readonly secretsSource: SecretsSource
}

export type SecretsSource =
  | { readonly kind: 'environment' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'file'; readonly file: string; readonly created: boolean }

/** Every variable in the schema, in declaration order, with its default (the README documents each). */
export function environmentVariables(): { name: string; default?: string | number }[] {
  const found: { name: string; default?: string | number }[] = []
  visitVariables(settingsSchema, [], (schema) => found.push({ name: schema.env, default: schema.default as string | number | undefined }))
  return found
}

function visitVariables(schema: TSchema, path: string[], visit: (schema: VariableSchema, path: string[]) => void): void {
  if (typeof schema.env === 'string') return visit(schema as VariableSchema, path)
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, TSchema>)) {
    visitVariables(property, [...path, key], visit)
  }
}

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, verbose: true, strict: true })
ajv.addVocabulary(['env', 'allowed', 'sensitive', 'untrimmed'])
const validateSettings = ajv.compile(settingsSchema)

/** "PORT must be between 0 and 65535 (got 70000)": the variable, what is allowed, and what was given. */
function describeError(error: ErrorObject): string {
  const schema = error.parentSchema as VariableSchema
  const name = schema.env
  const got = schema.sensitive ? '' : ` (got ${typeof error.data === 'string' ? `"${error.data}"` : String(error.data)})`
  switch (error.keyword) {
    case 'type':
      return `${name} must be a whole number${got}`
    case 'minimum':
    case 'maximum':
      return `${name} must be between ${schema.minimum} and ${schema.maximum}${got}`
    case 'enum':
      return `${name} must be one of ${(schema.enum as string[]).join(', ')}${got}`
    case 'pattern':
      return `${name} must be ${schema.allowed ?? `like ${schema.pattern}`}${got}`
    case 'minLength':
      return `${name} must be at least ${schema.minLength} characters long`
    case 'maxLength':
      return `${name} must be at most ${schema.maxLength} characters long`
    default:
      return `${name} ${error.message ?? 'is not valid'}`
  }
}

/** The schema's variables read from the environment into the shape of the schema (unset and blank values left out). */
function readEnvironment(env: Env): Record<string, unknown> {
  const input: Record<string, unknown> = {}
  visitVariables(settingsSchema, [], (schema, path) => {
    const raw = env[schema.env]
    const value = schema.untrimmed ? raw : raw?.trim()
    // Every object on the path exists, so the defaults inside it apply.
    let target = input
    for (const key of path.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>
    if (value) target[path.at(-1)!] = value
  })
  return input
}

function parseSettings(env: Env): Settings {
  const input = readEnvironment(env)
  if (!validateSettings(input)) throw new ConfigError((validateSettings.errors ?? []).map(describeError).join('; '))
  try {
    return TransformDecode(settingsSchema, [], input) as Settings
  } catch (error) {
    throw error instanceof TransformDecodeError && error.error instanceof ConfigError ? error.error : error
  }
}

const secretFileName = 'secrets.json'

function decodeKey(name: string, raw: string): Buffer {
  // Base64 of 32 bytes always ends in '=', so all-hex input is meant as hex.
  if (/^[0-9a-fA-F]+$/.test(raw) && raw.length !== 64) {
    throw new ConfigError(`${name} must be 32 bytes: 64 hex characters (got ${raw.length}) or base64`)
  }
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
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
function developmentSecrets(dataDir: string): Secrets & { source: SecretsSource } {
  const generated = (): Secrets => ({
    jwtSecret: randomBytes(48).toString('base64'),
    encryptionKey: randomBytes(32).toString('base64'),
  })
  if (dataDir === 'memory://') return { ...generated(), source: { kind: 'memory' } }
  const file = join(dataDir, secretFileName)
  if (existsSync(file)) {
    const stored = readSecretsFile(file)
    if (stored) return { ...stored, source: { kind: 'file', file, created: false } }
    throw new ConfigError(`${file} is not a valid secrets file; remove it or set JWT_SECRET and ENCRYPTION_KEY`)
  }
  const secrets = generated()
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 })
  chmodSync(file, 0o600)
  return { ...secrets, source: { kind: 'file', file, created: true } }
}

/** Secrets from the environment; outside production, missing ones come from DATA_DIR (even with DATABASE_URL). */
function resolveSecrets(
  fromEnvironment: Settings['secrets'],
  nodeEnv: Settings['nodeEnv'],
  dataDir: string,
): Secrets & { source: SecretsSource } {
  const { jwtSecret, encryptionKey } = fromEnvironment
  if (jwtSecret && encryptionKey) return { jwtSecret, encryptionKey, source: { kind: 'environment' } }
  if (nodeEnv === 'production') {
    const missing = [!jwtSecret && 'JWT_SECRET', !encryptionKey && 'ENCRYPTION_KEY'].filter(Boolean)
    throw new ConfigError(
      `${missing.join(' and ')} must be set when NODE_ENV=production ` +
        '(generate with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))")',
    )
  }
  const generated = developmentSecrets(dataDir)
  return {
    jwtSecret: jwtSecret ?? generated.jwtSecret,
    encryptionKey: encryptionKey ?? generated.encryptionKey,
    source: generated.source,
  }
}

/** argon2id with OWASP's parameters (tests pass cheaper ones). */
const passwordHash: PasswordHashOptions = { memoryCost: 19456, timeCost: 2, parallelism: 1 }

/**
 * The bundle signing key: BUNDLE_SIGNING_KEY when set, else derived from ENCRYPTION_KEY
 * with HKDF (its own label, so the key never serves another purpose). The derived key
 * is as stable as ENCRYPTION_KEY: the same on every process of an instance and across
 * restarts, generated in development with it, required in production with it.
 */
function bundleSigningKey(configured: string | undefined, encryptionKey: Buffer): Buffer {
  if (configured) return decodeKey('BUNDLE_SIGNING_KEY', configured)
  return Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'tether-relay bundle signing key', 32))
}

export function loadConfig(env: Env = process.env): Config {
  const { secrets: fromEnvironment, database, ...settings } = parseSettings(env)
  const secrets = resolveSecrets(fromEnvironment, settings.nodeEnv, database.dataDir)
  const encryptionKey = decodeKey('ENCRYPTION_KEY', secrets.encryptionKey)
  return Object.freeze({
    ...settings,
    database: database.url
      ? { kind: 'postgres' as const, url: database.url, poolSize: database.poolSize }
      : { kind: 'pglite' as const, dataDir: database.dataDir },
    jwtSecret: new TextEncoder().encode(secrets.jwtSecret),
    encryptionKey,
    bundleSigningKey: bundleSigningKey(fromEnvironment.bundleSigningKey, encryptionKey),
    passwordHash,
    secretsSource: secrets.source,
  })
}
