import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, fromDatabaseError } from '../shared/errors.ts'
import { describeIssue, stoppedEarly, validationFailure, type AjvIssue } from './validation-errors.ts'

interface ErrorBody {
  error: string
  message: string
  details?: unknown
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

/** Fastify's client errors in our words (its own messages echo the URL or name internals). */
const fastifyMessages: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the server accepts',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'The request body must be JSON, sent with Content-Type: application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body size does not match its Content-Length header',
  FST_ERR_BAD_URL: 'The URL is not valid (malformed percent-encoding)',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is longer than the server accepts',
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

function toResponse(thrown: unknown, request: FastifyRequest): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  const error = fromDatabaseError(thrown) ?? thrown
  if (error instanceof AppError) {
    const body: ErrorBody = { error: error.title, message: error.message }
    if (error.details !== undefined) body.details = error.details
    return { status: error.status, body, headers: error.headers }
  }
  const fastifyError = error as FastifyError & { validationContext?: string; code?: string }
  if (Array.isArray(fastifyError.validation)) {
    const issues = fastifyError.validation as AjvIssue[] & { [stoppedEarly]?: boolean }
    const location = fastifyError.validationContext ?? 'body'
    const failure = validationFailure(issues.map((issue) => describeIssue(issue, location)), { stoppedEarly: issues[stoppedEarly] })
    return { status: 400, body: { error: 'Validation error', ...failure } }
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own client errors (body too large, bad media type, bad URL, ...).
    const message = (fastifyError.code && fastifyMessages[fastifyError.code]) || fastifyError.message
    return { status, body: { error: titles[status] ?? 'Bad request', message } }
  }
  request.log.error({ err: loggableError(error) }, 'unexpected error')
  return { status: 500, body: { error: 'Internal server error', message: 'An unexpected error occurred; no changes were made' } }
}

/** Every error a request can end in is rendered here, as `{error, message, details?}`. */
function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { status, body, headers } = toResponse(error, request)
  if (status < 500) request.log.info({ status, error: body.error }, 'request rejected')
  if (headers) void reply.headers(headers)
  return reply.status(status).send(body)
}

/**
 * Fastify option `frameworkErrors`: errors found while routing, before any route or
 * error handler is chosen (malformed percent-encoding, a path segment over
 * maxParamLength). Without it Fastify answers them in its own shape.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  void sendError(error, request, reply)
}

const socketErrors: Record<string, { status: number; error: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    error: 'Request header fields too large',
    message: 'The request line or headers are larger than the server accepts',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, error: 'Request timeout', message: 'The request was not received in time' },
}

/**
 * Fastify option `clientErrorHandler`: requests Node's HTTP parser rejects (a URL or
 * headers over the size limit, malformed HTTP) never reach Fastify's routing, so
 * the reply is written to the socket directly, in the same error shape.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const { status, ...body } = socketErrors[error.code ?? ''] ?? {
    status: 400,
    error: 'Bad request',
    message: 'The request is not valid HTTP',
  }
  const json = JSON.stringify(body)
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    )
  }
  socket.destroy()
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(sendError)
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'Route not found', message: `${request.method} ${request.url.split('?')[0]} is not an API route` }),
  )
}
