import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { bodyErrorResponses, ErrorResponse } from '../shared/schemas.ts'

/** JSON Schema keywords Ajv enforces that OpenAPI 3.0 does not know; the document leaves them out. */
const validationOnlyKeywords = new Set(['propertyNames'])

function withoutValidationOnlyKeywords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutValidationOnlyKeywords)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !validationOnlyKeywords.has(key))
      .map(([key, item]) => [key, withoutValidationOnlyKeywords(item)]),
  )
}

/** /openapi.json is generated from the route schemas; /docs renders it. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(ErrorResponse)
  // Any route that takes a body can answer 413 and 415; say so once for all of them.
  app.addHook('onRoute', (route) => {
    if (route.schema?.body === undefined) return
    route.schema = { ...route.schema, response: { ...bodyErrorResponses(), ...(route.schema.response as object) } }
  })
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tether Relay API',
        version: '1.0.0',
        description:
          'Open, API-compatible implementation of the Tether Relay snapshot service: capture the working ' +
          'setup of a user or a whole organization into a snapshot, share it, and apply it to create a new ' +
          'user or organization in one transaction. Errors always have the shape {error, message, details?}.',
      },
      // Relative: the server the document was loaded from, whatever its host and port ("Try it out" stays same-origin).
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
      tags: [
        { name: 'Auth' },
        { name: 'Organizations' },
        { name: 'Users' },
        { name: 'Pipelines' },
        { name: 'AI Agents' },
        { name: 'Automations' },
        { name: 'Prompts' },
        { name: 'Templates' },
        { name: 'User Snapshots' },
        { name: 'Org Snapshots' },
        { name: 'System' },
      ],
    },
    // Route schemas are shared with the validator, so they are copied, never changed in place.
    transform: ({ schema, url }) => ({ schema: withoutValidationOnlyKeywords(schema) as typeof schema, url }),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}
