import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/**
 * The admin console (web/, built into dist/console by `npm run build:console`,
 * which `npm start` runs when the build is missing or stale) is served at /:
 * its hashed assets from /assets/, and its index.html for the console's own
 * addresses (the sections below), so a deep link or a reload works. Nothing
 * else changes: /api/*, /health, /docs and /openapi.json answer as before, and
 * an unknown address still gets the JSON 404.
 */
export const defaultConsoleDir = fileURLToPath(new URL('../../dist/console/', import.meta.url))

/** Top-level sections of the console's router (web/src/paths.ts). */
export const consoleSections = ['sign-in', 'user-snapshots', 'org-snapshots', 'audit'] as const

/**
 * The console's own scripts and styles only; Mantine sets inline styles, and the
 * API reference at /docs keeps its own headers.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

function securityHeaders(reply: FastifyReply) {
  return reply
    .header('content-security-policy', contentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
}

export async function installConsole(app: FastifyInstance, dir: string = defaultConsoleDir): Promise<void> {
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/assets/',
    // Only the hashed build output is served from here; index.html goes through the routes below.
    serve: false,
    // Cache headers are set per route below.
    cacheControl: false,
  })

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(join(dir, 'index.html'))) {
      return reply.status(503).send({
        error: 'Console not built',
        message: 'The admin console has not been built: run npm run build:console (npm start does it for you)',
      })
    }
    // The page itself is never cached, so a new build is picked up on the next load.
    return securityHeaders(reply).header('cache-control', 'no-cache').sendFile('index.html', dir)
  }
  const hidden = { schema: { hide: true } }

  app.get('/', hidden, (_request, reply) => sendIndex(reply))
  for (const section of consoleSections) {
    app.get(`/${section}`, hidden, (_request, reply) => sendIndex(reply))
    app.get(`/${section}/*`, hidden, (_request, reply) => sendIndex(reply))
  }
  app.get('/favicon.svg', hidden, (_request, reply) => reply.header('cache-control', 'public, max-age=86400').sendFile('favicon.svg', dir))
  // File names carry a content hash: a changed file is a new name, so they can be cached for good.
  app.get<{ Params: { '*': string } }>('/assets/*', hidden, (request, reply) =>
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .sendFile(request.params['*'], join(dir, 'assets')),
  )
}
