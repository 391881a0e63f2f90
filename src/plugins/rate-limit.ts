import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Redis } from 'ioredis'
import type { AppContext } from '../context.ts'
import { AppError } from '../shared/errors.ts'
import { errorResponses } from '../shared/schemas.ts'

/**
 * A general per-caller limit on every route (@fastify/rate-limit): RATE_LIMIT_MAX
 * requests per RATE_LIMIT_WINDOW. A caller is the user a genuine token names, or
 * else the client address. It runs first of all request hooks, so a flood is refused
 * before any token lookup or body parsing. Counters live in the process, or in Redis
 * when REDIS_URL is set so that every server process shares them. 429 answers carry
 * Retry-After and the RateLimit-Limit/-Remaining/-Reset headers (IETF draft names).
 */
export async function installRateLimit(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const settings = ctx.config.rateLimit
  const redis = settings.redisUrl ? connectRedis(app, settings.redisUrl) : undefined

  await app.register(rateLimit, {
    global: false,
    max: settings.max,
    timeWindow: settings.windowSeconds * 1000,
    enableDraftSpec: true,
    ...(redis && { redis, nameSpace: `${settings.redisKeyPrefix}rate-limit:` }),
    // A Redis outage must not take the API down with it: requests pass unlimited meanwhile (logged).
    skipOnError: true,
    keyGenerator: (request: FastifyRequest) => callerKey(ctx, request),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000))
      return new AppError('RATE_LIMITED', 'Too many requests', `Too many requests; retry in ${seconds} seconds`, {
        details: { retryAfterSeconds: seconds },
      })
    },
  })
  app.addHook('onRequest', app.rateLimit())

  // Every route can answer 429; the document says so once for all of them.
  const { 429: tooManyRequests } = errorResponses(429)
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return
    route.schema = { ...route.schema, response: { 429: tooManyRequests, ...(route.schema?.response as object) } }
  })
}

/** The user a genuine, unexpired token names (tokens are checked again, fully, by auth), or the client address. */
async function callerKey(ctx: AppContext, request: FastifyRequest): Promise<string> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(request.headers.authorization?.trim() ?? '')
  const claims = match?.[1] ? await ctx.tokens.verify(match[1]) : null
  return claims ? `user:${claims.userId}` : `address:${request.ip}`
}

function connectRedis(app: FastifyInstance, url: string): Redis {
  // Fail fast: a request waits at most this long for Redis before it passes unlimited.
  const redis = new Redis(url, { connectTimeout: 2_000, maxRetriesPerRequest: 1, commandTimeout: 1_000 })
  let lastWarning = 0
  redis.on('error', (error: Error) => {
    if (Date.now() - lastWarning < 60_000) return
    lastWarning = Date.now()
    app.log.warn({ err: { message: error.message } }, 'rate limit store (Redis) unavailable; requests are not limited meanwhile')
  })
  app.addHook('onClose', async () => {
    await redis.quit().catch(() => redis.disconnect())
  })
  return redis
}
