import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import secureJson from 'secure-json-parse'
import { badRequest } from '../shared/errors.ts'

/**
 * Request validation. Bodies are validated strictly: no type coercion and unknown
 * properties rejected (never silently dropped). Query strings, params and headers
 * arrive as text, so they are coerced to the declared types.
 */
const shared: Options = {
  allErrors: true,
  strict: false,
  useDefaults: true,
  removeAdditional: false,
}

function createAjv(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...shared, coerceTypes })
  addFormats.default(ajv)
  // Ids are 24 hex characters in either case; the database holds them lowercase.
  ajv.addKeyword({
    keyword: 'x-lowercase',
    modifying: true,
    schemaType: 'boolean',
    compile: (enabled: boolean) => (data: unknown, context) => {
      if (enabled && typeof data === 'string' && context?.parentData && context.parentDataProperty !== undefined) {
        ;(context.parentData as Record<string | number, unknown>)[context.parentDataProperty] = data.toLowerCase()
      }
      return true
    },
  })
  return ajv
}

const maxDepth = 32

/**
 * Bodies are JSON trees of bounded depth with no NUL characters (PostgreSQL text
 * cannot store them) and only finite numbers. Checked before schema validation so
 * free-form objects (automation actions, tool configs) are covered too.
 */
export function findUnsafeJson(value: unknown, path = '', depth = 0): { path: string; message: string } | null {
  if (depth > maxDepth) return { path, message: `nesting deeper than ${maxDepth} levels is not allowed` }
  if (typeof value === 'string') {
    return value.includes('\u0000') ? { path, message: 'must not contain NUL characters' } : null
  }
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, message: 'must be a finite number' }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findUnsafeJson(value[i], `${path}/${i}`, depth + 1)
      if (problem) return problem
    }
    return null
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return { path: `${path}/${key}`, message: 'property names must not contain NUL' }
      const problem = findUnsafeJson(item, `${path}/${key}`, depth + 1)
      if (problem) return problem
    }
  }
  return null
}

/**
 * The only body format is JSON. Fastify's own parser would also take text/plain and
 * answer a poisoned body (`__proto__`, `constructor.prototype`) as "not valid JSON";
 * this one says what is wrong, and lets a body-less route (DELETE, GET) ignore an
 * empty body some clients send with a JSON Content-Type.
 */
export function parseJsonBody(request: FastifyRequest, text: string): unknown {
  if (text.length === 0) {
    if (request.routeOptions.schema?.body === undefined) return undefined
    throw badRequest('Invalid JSON', 'The request body is empty; send a JSON document')
  }
  try {
    return secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' })
  } catch (error) {
    if (error instanceof SyntaxError && /forbidden (prototype|constructor) property/.test(error.message)) {
      throw badRequest('Invalid JSON', 'The request body must not contain "__proto__" or "constructor.prototype" keys')
    }
    throw badRequest('Invalid JSON', 'The request body is not valid JSON')
  }
}

export function installValidation(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as string))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
  const strict = createAjv(false)
  const coercing = createAjv(true)
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object),
  )
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) return
    const problem = findUnsafeJson(request.body)
    if (problem) {
      throw badRequest('Validation error', `body${problem.path} ${problem.message}`, [
        { location: 'body', path: problem.path || '/', message: problem.message },
      ])
    }
  })
}
