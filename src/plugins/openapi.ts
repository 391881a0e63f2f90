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

/**
 * A named schema ($id) becomes a component wherever it is nested, but a body or a
 * response that is itself named would be written out in place: wrapped, it is a
 * reference too, so clients get its name as a type. The wrapper keeps the
 * description, which is the response's.
 */
function namedRoots<T extends { body?: unknown; response?: unknown }>(schema: T): T {
  const wrap = (part: unknown) =>
    part !== null && typeof part === 'object' && typeof (part as { $id?: unknown }).$id === 'string'
      ? { allOf: [part], ...('description' in part ? { description: part.description } : {}) }
      : part
  if (schema === null || typeof schema !== 'object') return schema
  const response =
    schema.response && typeof schema.response === 'object'
      ? Object.fromEntries(Object.entries(schema.response).map(([status, part]) => [status, wrap(part)]))
      : schema.response
  return { ...schema, body: wrap(schema.body), response }
}

/**
 * The wrappers of namedRoots, once the named schemas are references: a body or a
 * response that is one named schema is that reference (the response object keeps
 * the description).
 */
function unwrapNamedRoots(document: { paths?: Record<string, Record<string, unknown>> }) {
  const unwrap = (media: unknown) => {
    const content = (media as { content?: Record<string, { schema?: { allOf?: unknown[] } }> } | undefined)?.content
    for (const type of Object.values(content ?? {})) {
      const only = type.schema?.allOf
      if (only?.length === 1 && typeof (only[0] as { $ref?: unknown }).$ref === 'string') type.schema = only[0] as never
    }
  }
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const { requestBody, responses } = operation as { requestBody?: unknown; responses?: Record<string, unknown> }
      unwrap(requestBody)
      for (const response of Object.values(responses ?? {})) unwrap(response)
    }
  }
  return document
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
        { name: 'Auth', description: 'Sign in and check a token' },
        { name: 'Organizations', description: 'Tenants: create them (SUPERADMIN), their credentials and dynamic properties' },
        { name: 'Users', description: 'The users of an organization and the caller\u2019s profile' },
        { name: 'Pipelines', description: 'Pipelines and their stages, which automations reference by name' },
        { name: 'AI Agents', description: 'AI agents, which automations reference by id' },
        { name: 'Automations', description: 'A user\u2019s automations' },
        { name: 'Prompts', description: 'A user\u2019s AI prompts, owned or granted' },
        { name: 'Templates', description: 'A user\u2019s message templates' },
        {
          name: 'User Snapshots',
          description: 'Capture a user\u2019s automations, prompts and templates, share them, and apply them to create a new user',
        },
        {
          name: 'Org Snapshots',
          description: 'SUPERADMIN: capture a whole organization and apply it to create a new one',
        },
        { name: 'System', description: 'Health of the service' },
      ],
    },
    // Route schemas are shared with the validator, so they are copied, never changed in place.
    transform: ({ schema, url }) => ({ schema: namedRoots(withoutValidationOnlyKeywords(schema) as typeof schema), url }),
    transformObject: (documents) =>
      'openapiObject' in documents ? unwrapNamedRoots(documents.openapiObject as never) : documents.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } })
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
}
