import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../shared/errors.ts'

interface ErrorBody {
  error: string
  message: string
  details?: unknown
}

interface AjvIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/** Ajv errors as `{location, path, message}`, with the offending property in the path. */
export function validationDetails(issues: AjvIssue[], location: string) {
  return issues.map((issue) => {
    let path = issue.instancePath ?? ''
    const params = issue.params ?? {}
    if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
      path += `/${params.missingProperty}`
    } else if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      path += `/${params.additionalProperty}`
      return { location, path, message: 'is not an allowed property' }
    }
    return { location, path: path || '/', message: issue.message ?? 'is invalid' }
  })
}

const titles: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  411: 'Length required',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  422: 'Unprocessable entity',
  429: 'Too many requests',
  431: 'Request header fields too large',
}

const internalError: ErrorBody = {
  error: 'Internal server error',
  message: 'An unexpected error occurred; no changes were made',
}

/** PostgreSQL errors that mean "bad value" rather than "server broke". */
const postgresClientErrors: Record<string, { status: number; error: string; message: string }> = {
  '23505': { status: 409, error: 'Conflict', message: 'A record with the same unique value already exists' },
  '23503': { status: 422, error: 'Invalid reference', message: 'The request refers to a record that does not exist' },
  '40001': { status: 409, error: 'Conflict', message: 'A concurrent change conflicted with this request; retry it' },
  '40P01': { status: 409, error: 'Conflict', message: 'A concurrent change conflicted with this request; retry it' },
  '22001': { status: 400, error: 'Validation error', message: 'A value is too long' },
  '22003': { status: 400, error: 'Validation error', message: 'A number is out of range' },
  '22P02': { status: 400, error: 'Validation error', message: 'A value has an invalid format' },
  '22P05': { status: 400, error: 'Validation error', message: 'A value contains an unsupported character' },
  '22021': { status: 400, error: 'Validation error', message: 'A value contains an invalid character' },
  '54000': { status: 400, error: 'Validation error', message: 'A value is too large' },
  '54001': { status: 400, error: 'Validation error', message: 'A value is nested too deeply' },
}

/**
 * Database drivers attach the failed query's parameters to their errors; those may
 * hold ciphertext or hashes, so only the diagnostic fields are logged.
 */
function loggableError(error: unknown) {
  if (!(error instanceof Error)) return { message: String(error) }
  const { code, constraint, routine } = error as Error & { code?: unknown; constraint?: unknown; routine?: unknown }
  return { type: error.name, message: error.message, stack: error.stack, code, constraint, routine }
}

function toResponse(error: unknown, request: FastifyRequest): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (error instanceof AppError) {
    const body: ErrorBody = { error: error.title, message: error.message }
    if (error.details !== undefined) body.details = error.details
    return { status: error.status, body, headers: error.headers }
  }
  const fastifyError = error as FastifyError & { validationContext?: string; code?: string }
  if (Array.isArray(fastifyError.validation)) {
    const location = fastifyError.validationContext ?? 'body'
    const details = validationDetails(fastifyError.validation, location)
    const first = details[0]
    const message = first ? `${location}${first.path === '/' ? '' : first.path} ${first.message}` : 'Invalid request'
    return { status: 400, body: { error: 'Validation error', message, details } }
  }
  const pgCode = typeof fastifyError.code === 'string' && /^[0-9A-Z]{5}$/.test(fastifyError.code) ? fastifyError.code : undefined
  const mapped = pgCode ? postgresClientErrors[pgCode] : undefined
  if (mapped) return { status: mapped.status, body: { error: mapped.error, message: mapped.message } }

  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own client errors (invalid JSON, body too large, bad media type, ...).
    const message = status === 413 ? 'The request body is larger than the server accepts' : fastifyError.message
    return { status, body: { error: titles[status] ?? 'Bad request', message } }
  }
  request.log.error({ err: loggableError(error) }, 'unexpected error')
  return { status: 500, body: internalError }
}

/**
 * Errors Fastify answers before a route is found (malformed percent-encoding, a
 * path segment over maxParamLength). Without this hook they bypass the error
 * handler and answer {error, code, message, statusCode} with the URL echoed back;
 * passed to Fastify as `frameworkErrors`.
 */
const frameworkErrors: Record<string, { status: number; body: ErrorBody }> = {
  FST_ERR_BAD_URL: { status: 400, body: { error: 'Bad request', message: 'The URL is not valid (malformed percent-encoding)' } },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, body: { error: 'URI too long', message: 'A path segment is longer than the server accepts' } },
}

export function frameworkErrorReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = frameworkErrors[error.code]
  if (known) request.log.info({ status: known.status, error: known.body.error }, 'request rejected')
  else request.log.error({ err: loggableError(error) }, 'unexpected error')
  const { status, body } = known ?? { status: 500, body: internalError }
  void reply.status(status).send(body)
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, headers } = toResponse(error, request)
    if (status < 500) request.log.info({ status, error: body.error }, 'request rejected')
    if (headers) void reply.headers(headers)
    return reply.status(status).send(body)
  })
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'Route not found', message: `${request.method} ${request.url.split('?')[0]} is not an API route` }),
  )
}
