/**
 * Domain errors: a closed set of codes, mapped to HTTP status in exactly one place.
 * Services throw these; only the error-handler plugin turns them into replies.
 */
export const errorCodes = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNPROCESSABLE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL',
] as const

export type ErrorCode = (typeof errorCodes)[number]

/** The one table from error code to HTTP status. */
export const statusByCode: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
}

export const statusForCode = (code: ErrorCode): number => statusByCode[code]

export class AppError extends Error {
  readonly code: ErrorCode
  /** Short title shown as `error` in the response body, e.g. "Snapshot not found". */
  readonly title: string
  readonly details: unknown
  /** Extra response headers, e.g. Retry-After for RATE_LIMITED. */
  readonly headers: Record<string, string> | undefined

  constructor(
    code: ErrorCode,
    title: string,
    message: string,
    options: { details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.title = title
    this.details = options.details
    this.headers = options.headers
  }

  get status(): number {
    return statusForCode(this.code)
  }
}

export const badRequest = (title: string, message: string, details?: unknown) =>
  new AppError('VALIDATION_FAILED', title, message, { details })

export const forbidden = (message = 'You do not have access to this resource') =>
  new AppError('FORBIDDEN', 'Forbidden', message)

export const notFound = (what: string, message?: string) =>
  new AppError('NOT_FOUND', `${what} not found`, message ?? `No ${what.toLowerCase()} exists with the given id`)

export const conflict = (title: string, message: string, details?: unknown) =>
  new AppError('CONFLICT', title, message, { details })

export const unprocessable = (title: string, message: string, details?: unknown) =>
  new AppError('UNPROCESSABLE', title, message, { details })

/**
 * Database errors that mean "bad data" rather than "broken server", by SQLSTATE.
 * Repositories name the constraints they know (db/constraints.ts: guardConstraints)
 * for a precise message; any other such error still becomes a client error here.
 */
const databaseErrors: Record<string, { code: ErrorCode; title: string; message: string }> = {
  '23505': { code: 'CONFLICT', title: 'Conflict', message: 'A record with the same unique value already exists' },
  '23503': { code: 'UNPROCESSABLE', title: 'Invalid reference', message: 'The request refers to a record that does not exist' },
  '40001': { code: 'CONFLICT', title: 'Conflict', message: 'A concurrent change conflicted with this request; retry it' },
  '40P01': { code: 'CONFLICT', title: 'Conflict', message: 'A concurrent change conflicted with this request; retry it' },
  '22001': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value is too long' },
  '22003': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A number is out of range' },
  '22P02': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value has an invalid format' },
  '22P05': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value contains an unsupported character' },
  '22021': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value contains an invalid character' },
  '54000': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value is too large' },
  '54001': { code: 'VALIDATION_FAILED', title: 'Validation error', message: 'A value is nested too deeply' },
}

/** The domain error a database error stands for, or undefined when it is a server fault. */
export function fromDatabaseError(error: unknown): AppError | undefined {
  const sqlState = (error as { code?: unknown } | null)?.code
  if (typeof sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlState)) return undefined
  const mapped = databaseErrors[sqlState]
  return mapped && new AppError(mapped.code, mapped.title, mapped.message)
}
