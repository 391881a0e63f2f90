import { Ajv, type Options, type ValidateFunction } from 'ajv'
import type { DataValidationCxt } from 'ajv/dist/types/index.js'
import addFormats from 'ajv-formats'
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify'
import secureJson from 'secure-json-parse'
import { badRequest } from '../shared/errors.ts'
import { stoppedEarly, validationFailure } from './validation-errors.ts'

/**
 * Request validation. Bodies are validated strictly: no type coercion and unknown
 * properties rejected (never silently dropped). Query strings, params and headers
 * arrive as text, so they are coerced to the declared types.
 */
const shared: Options = {
  strict: false,
  useDefaults: true,
  removeAdditional: false,
}

function createAjv(coerceTypes: boolean, allErrors: boolean): Ajv {
  const ajv = new Ajv({ ...shared, coerceTypes, allErrors })
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

/** Inputs up to this many JSON nodes get every problem listed; larger ones stop at the first. */
const fullReportNodes = 2_000

/** Whether the value has at most `limit` nodes (stops counting there, so a huge body costs nothing). */
function isSmall(value: unknown, limit = fullReportNodes): boolean {
  let budget = limit
  const visit = (node: unknown): boolean => {
    if (--budget < 0) return false
    if (node === null || typeof node !== 'object') return true
    for (const item of Array.isArray(node) ? node : Object.values(node)) if (!visit(item)) return false
    return true
  }
  return visit(value)
}

type Validator = ValidateFunction & { schemaEnv?: unknown }

/**
 * Validation that stops early. The first pass stops at the first problem, so a valid
 * request, or a 1 MB body with 95,000 unknown keys, costs one walk and one error
 * object. Only a small invalid input is validated again, collecting every problem
 * (that validator is compiled on first use), so its answer can list them.
 */
function boundedValidator(fast: Validator, complete: () => ValidateFunction): Validator {
  const validate = ((data: unknown, dataCxt?: DataValidationCxt) => {
    if (fast(data, dataCxt)) {
      validate.errors = null
      return true
    }
    if (isSmall(data)) {
      const full = complete()
      full(data, dataCxt)
      validate.errors = full.errors?.length ? full.errors : fast.errors
    } else {
      validate.errors = Object.assign([...(fast.errors ?? [])], { [stoppedEarly]: true })
    }
    return false
  }) as Validator
  // Fastify passes the parent object to validators that carry schemaEnv, so a root value can be modified.
  validate.schemaEnv = fast.schemaEnv
  return validate
}

/** Fastify's default formatter joins every message into one string; our error handler words the answer itself. */
export const schemaErrorFormatter = (_errors: unknown[], dataVar: string) => new Error(`${dataVar} is invalid`)

export function installValidation(app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as string))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
  // Bodies: no coercion. Query strings, params and headers arrive as text and are coerced.
  const firstProblem = { body: createAjv(false, false), text: createAjv(true, false) }
  const everyProblem = { body: createAjv(false, true), text: createAjv(true, true) }
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) => {
    const part = httpPart === 'body' ? 'body' : 'text'
    let complete: ValidateFunction | undefined
    return boundedValidator(firstProblem[part].compile(schema as object), () => (complete ??= everyProblem[part].compile(schema as object)))
  })
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) return
    const problem = findUnsafeJson(request.body)
    if (problem) {
      const { message, details } = validationFailure([{ location: 'body', path: problem.path || '/', message: problem.message }])
      throw badRequest('Validation error', message, details)
    }
  })
}
