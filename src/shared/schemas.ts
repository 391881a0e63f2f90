import { Type, type ObjectOptions, type Static, type TSchema } from '@sinclair/typebox'
import { objectIdPattern } from './ids.ts'

/** Shared building blocks of the route schemas, so /openapi.json repeats one vocabulary. */

export const phonePattern = '^(\\+1|\\+91)\\d{10}$'

export const ObjectId = (description = 'A 24-hex identifier') =>
  Type.String({ pattern: objectIdPattern, description, examples: ['665f1a0c0e0a4b001a2c9f80'] })

export const Email = (description = 'Email address') =>
  Type.String({ format: 'email', maxLength: 254, description })

export const Password = () => Type.String({ minLength: 8, maxLength: 256, description: 'At least 8 characters' })

export const Phone = (description = 'Phone: +1 or +91 followed by 10 digits') =>
  Type.String({ pattern: phonePattern, description, examples: ['+14155550177'] })

/** A string enum rendered as `{type: string, enum: [...]}` (OpenAPI 3.0 has no `const`). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

export const AccessRoleSchema = StringEnum(['SUPERADMIN', 'ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP'], {
  description: 'Access role',
})

export const AssignableRoleSchema = StringEnum(['ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP'], {
  description: 'Role of the user: ADMIN, DEPARTMENT_HEAD or SALES_REP',
})

export const Timestamp = (description = 'ISO-8601 timestamp') => Type.String({ format: 'date-time', description })

/**
 * A map whose keys must all match `keyPattern`. JSON Schema's patternProperties
 * (what Type.Record emits) only checks the keys that match the pattern and lets
 * any other key through with any value, so every key is pinned here with
 * additionalProperties: false. /openapi.json shows the value schema only.
 */
export const StrictRecord = <V extends TSchema>(keyPattern: string, value: V, options: ObjectOptions = {}) =>
  Type.Record(Type.String({ pattern: keyPattern }), value, { ...options, additionalProperties: false })

/** Keys of any text up to `max` characters (newlines included, which `.` would not match). */
export const anyKey = (max: number) => `^[\\s\\S]{0,${max}}$`

/** OpenAPI 3.0 style `nullable: true` (understood by Ajv, fast-json-stringify and Swagger). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true })

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'Short title, e.g. "Snapshot not found"' }),
    message: Type.String({ description: 'A sentence describing what went wrong' }),
    details: Type.Optional(Type.Unknown({ description: 'Machine-readable specifics, e.g. failing field paths' })),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape', additionalProperties: true },
)

export const MessageResponse = Type.Object({ message: Type.String() })

const errorDescriptions = {
  400: 'Validation error: the request does not match the schema (field paths in details)',
  401: 'Missing, invalid or expired token',
  403: 'The caller role may not do this',
  404: 'Not found, or not visible to the caller',
  409: 'Conflict with existing data (a unique name, email or phone is taken)',
  413: 'Request body too large',
  422: 'Well-formed, but cannot be carried out on this data',
  429: 'Too many failed attempts; retry later',
  500: 'Unexpected failure; every change was rolled back',
} as const

export type ErrorStatus = keyof typeof errorDescriptions

const errorRef = Type.Ref('ErrorResponse')

/** Error responses for a route: the standard ones plus any listed. */
export function errorResponses(...statuses: ErrorStatus[]) {
  const all = new Set<ErrorStatus>([400, 500, ...statuses])
  const responses: Partial<Record<ErrorStatus, TSchema>> = {}
  for (const status of [...all].sort()) {
    responses[status] = Type.Unsafe({ ...errorRef, description: errorDescriptions[status] })
  }
  return responses
}

/** Error responses of a route that requires a token. */
export function authErrors(...statuses: ErrorStatus[]) {
  return errorResponses(401, 403, ...statuses)
}

export const IdParams = Type.Object({ id: ObjectId() })
