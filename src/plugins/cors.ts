import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'

/**
 * Browser access from other origins: none unless CORS_ORIGINS lists them. The
 * console and /docs are served from the API's own origin and need none (the
 * OpenAPI document names its server relatively, so "Try it out" stays same-origin).
 */
export async function installCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: [...origins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    maxAge: 600,
  })
}
