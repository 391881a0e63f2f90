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

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400
    case 'UNAUTHENTICATED':
      return 401
    case 'FORBIDDEN':
      return 403
    case 'NOT_FOUND':
      return 404
    case 'CONFLICT':
      return 409
    case 'PAYLOAD_TOO_LARGE':
      return 413
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415
    case 'UNPROCESSABLE':
      return 422
    case 'RATE_LIMITED':
      return 429
    case 'INTERNAL':
      return 500
  }
}

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
