import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from './config.ts'
import type { AppContext, FaultInjector } from './context.ts'
import type { DatabaseHandle } from './db/connect.ts'
import { checkDatabase } from './db/health.ts'
import { createJobQueue } from './db/job-queue.ts'
import { findTokenHolder } from './modules/auth/token-holders.repository.ts'
import { registerModules } from './modules/index.ts'
import { installAuth } from './plugins/auth.ts'
import { installConsole } from './plugins/console.ts'
import { installCors } from './plugins/cors.ts'
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './plugins/error-handler.ts'
import { serializeRequest } from './plugins/log-redaction.ts'
import { installOpenApi } from './plugins/openapi.ts'
import { installRateLimit } from './plugins/rate-limit.ts'
import { installValidation, schemaErrorFormatter } from './plugins/validation.ts'
import { createBundleSigner } from './shared/bundle-signing.ts'
import { createSecretBox } from './shared/crypto.ts'
import { errorResponses } from './shared/schemas.ts'
import { createPasswordHasher } from './shared/passwords.ts'
import { createTokenService } from './shared/tokens.ts'

export interface AppOptions {
  config: Config
  database: DatabaseHandle
  /** Where log lines go (tests capture them); stdout when absent. */
  logStream?: NodeJS.WritableStream
  /** Where the built admin console is (default dist/console); tests may point elsewhere. */
  consoleDir?: string
  /** Test-only: fail named steps of multi-step writes. */
  faults?: FaultInjector
}

export type App = FastifyInstance & { ctx: AppContext }

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext
  }
}

/** Paths whose values never reach a log line. */
const redact = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.password_hash',
  '*.credentials',
  '*.creds',
]

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops

export function createContext(options: AppOptions): AppContext {
  const { config, database } = options
  return {
    config,
    db: database.db,
    dbKind: database.kind,
    tokens: createTokenService(config.jwtSecret, config.jwtTtlSeconds),
    passwords: createPasswordHasher(config.passwordHash),
    secrets: createSecretBox(config.encryptionKey),
    bundleSigner: createBundleSigner(config.bundleSigningKey),
    faults: options.faults ?? (() => {}),
    queue: createJobQueue(database, { taskTimeoutSeconds: config.jobs.targetTimeoutSeconds }),
  }
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { config } = options
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: redact, censor: '[redacted]' },
      serializers: { req: serializeRequest },
      ...(options.logStream ? { stream: options.logStream } : {}),
    },
    bodyLimit: config.bodyLimitBytes,
    // A hop count trusts that many proxies in front of the service.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Ids and query strings are short; anything longer is not a real client.
    routerOptions: { maxParamLength: 200 },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    requestTimeout: 120_000,
    // Errors raised before a route is found answer in the same {error, message} shape.
    frameworkErrors,
    clientErrorHandler,
    schemaErrorFormatter,
  }).withTypeProvider<TypeBoxTypeProvider>()

  const ctx = createContext(options)
  app.decorate('ctx', ctx)
  // Before the database closes: running job targets finish, and the queue stops polling.
  app.addHook('onClose', () => ctx.queue.stop(config.shutdownTimeoutMs))

  // First of the request hooks: a flood is refused before any token lookup or body parsing.
  await installRateLimit(app, ctx)
  await installCors(app, config.corsOrigins ?? [])
  installValidation(app)
  installErrorHandling(app)
  installAuth(app, ctx, findTokenHolder)
  await installOpenApi(app)
  await installConsole(app, options.consoleDir)

  app.get(
    '/health',
    {
      schema: {
        tags: ['System'],
        operationId: 'get_health',
        security: [],
        summary: 'Liveness and readiness',
        description: 'Answers once the database is migrated and reachable.',
        response: {
          200: {
            type: 'object',
            description: 'The service is up and its database answers',
            properties: { status: { type: 'string', enum: ['ok'] } },
            required: ['status'],
          },
          500: errorResponses()[500],
        },
      },
    },
    async () => {
      await checkDatabase(ctx.db)
      return { status: 'ok' as const }
    },
  )

  await registerModules(app)
  return app
}
