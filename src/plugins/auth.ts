import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { AppContext } from '../context.ts'
import type { Executor } from '../db/database.ts'
import type { Actor } from '../shared/actor.ts'
import type { AccessRole } from '../shared/roles.ts'
import { AppError, forbidden } from '../shared/errors.ts'

/**
 * Every /api route declares who may call it in `config.auth`: 'public', or the
 * roles allowed. One onRequest hook enforces it for all routes, before the body
 * is even parsed; a route that forgets to declare it fails at start-up.
 */
export type RouteAuth = 'public' | readonly AccessRole[]

export interface RouteInfo {
  method: string
  url: string
  auth: RouteAuth
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth
  }
  interface FastifyRequest {
    actor: Actor
  }
  interface FastifyInstance {
    /** Every registered /api route with its access rule (the role matrix test reads it). */
    routeCatalog: RouteInfo[]
  }
}

/** What a token is checked against: the user it names, as stored now. */
export interface TokenHolder {
  id: string
  organization_id: string
  access_role: AccessRole
  email: string
  full_name: string
  login_disabled: boolean
  token_generation: number
}

/** Reads the user a token names; given by the app (the SQL lives in a feature module's repository). */
export type FindTokenHolder = (db: Executor, userId: string) => Promise<TokenHolder | undefined>

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', 'Invalid or expired token', message)

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization
  if (header === undefined) throw unauthenticated('An Authorization: Bearer <token> header is required')
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim())
  if (!match?.[1]) throw unauthenticated('The Authorization header must be "Bearer <token>"')
  return match[1]
}

/** Resolves the caller from a token; the user must still exist and may log in. */
async function authenticate(ctx: AppContext, findTokenHolder: FindTokenHolder, token: string): Promise<Actor> {
  const claims = await ctx.tokens.verify(token)
  if (!claims) throw unauthenticated('The token is invalid or has expired')
  const user = await findTokenHolder(ctx.db, claims.userId)
  if (!user || user.login_disabled) throw unauthenticated('The token belongs to a user who can no longer sign in')
  // Disabling a user moves the generation on: tokens issued before stay dead after re-enabling.
  if (user.token_generation !== claims.generation) throw unauthenticated('The token was revoked; sign in again')
  return {
    id: user.id,
    organizationId: user.organization_id,
    role: user.access_role,
    email: user.email,
    fullName: user.full_name,
  }
}

export function installAuth(app: FastifyInstance, ctx: AppContext, findTokenHolder: FindTokenHolder): void {
  app.decorate('routeCatalog', [] as RouteInfo[])
  app.decorateRequest('actor', null as unknown as Actor)

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api')) return
    const auth = route.config?.auth
    if (auth === undefined) throw new Error(`Route ${String(route.method)} ${route.url} does not declare config.auth`)
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD') continue
      app.routeCatalog.push({ method, url: route.url, auth })
    }
    // Public routes say so (an empty list), so no document-wide default can be read as applying to them.
    route.schema = { ...route.schema, security: auth === 'public' ? [] : [{ bearerAuth: [] }] }
  })

  app.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config.auth
    if (auth === undefined || auth === 'public') return
    request.actor = await authenticate(ctx, findTokenHolder, bearerToken(request))
    if (!auth.includes(request.actor.role)) throw forbidden(`This action requires one of the roles: ${auth.join(', ')}`)
  })
}
