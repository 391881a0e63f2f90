import { Type, type ObjectOptions, type Static, type TObject, type TPartial, type TSchema } from '@sinclair/typebox'
import { objectIdPattern } from './ids.ts'
import { accessRoles } from './roles.ts'

/** Shared building blocks of the route schemas, so /openapi.json repeats one vocabulary. */

export const phonePattern = '^(\\+1|\\+91)\\d{10}$'
const phoneRegex = new RegExp(phonePattern)
export const isPhoneNumber = (value: string) => phoneRegex.test(value)

/** `x-lowercase`: the validator lowercases the value (see plugins/validation.ts), so ids match in any case. */
export const ObjectId = (description = 'A 24-hex identifier') =>
  Type.String({ pattern: objectIdPattern, description, examples: ['665f1a0c0e0a4b001a2c9f80'], 'x-lowercase': true })

export const Email = (description = 'Email address') =>
  Type.String({ format: 'email', maxLength: 254, description })

export const Password = () => Type.String({ minLength: 8, maxLength: 256, description: 'At least 8 characters' })

export const Phone = (description = 'Phone: +1 or +91 followed by 10 digits') =>
  Type.String({ pattern: phonePattern, description, examples: ['+14155550177'] })

/** A string enum rendered as `{type: string, enum: [...]}` (OpenAPI 3.0 has no `const`). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

export const AccessRoleSchema = StringEnum(accessRoles, {
  description: 'Access role',
})

export const AssignableRoleSchema = StringEnum(['ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP'], {
  description: 'Role of the user: ADMIN, DEPARTMENT_HEAD or SALES_REP',
})

export const Timestamp = (description = 'ISO-8601 timestamp') => Type.String({ format: 'date-time', description })

/**
 * The PATCH body of a resource, derived from its create body (or a Pick/Omit of it):
 * the same fields, each optional, no others, at least one. The create body's defaults
 * are left out: Ajv fills defaults in, which on an update would reset the fields the
 * client left out.
 */
export function UpdateBodyOf<T extends TObject>(create: T, options: ObjectOptions = {}): TPartial<T> {
  const partial = Type.Partial(create, { additionalProperties: false, minProperties: 1, ...options })
  const properties = Object.fromEntries(
    Object.entries(partial.properties).map(([key, { default: _default, ...property }]) => [key, property]),
  )
  return { ...partial, properties }
}

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

/**
 * A response schema with the description /openapi.json gives that response (else
 * "Default Response"): a copy, so a schema shared by several routes is described
 * per route. A named schema ($id) carries its own description instead: two
 * different schemas under one $id would break the validator and the document.
 */
export function Described<T extends TSchema>(schema: T, description: string): T {
  if (schema.$id !== undefined) throw new Error(`${schema.$id} is a named schema: describe it where it is defined`)
  return { ...schema, description }
}

const errorDescriptions = {
  400: 'Validation error: the request does not match the schema (field paths in details)',
  401: 'Missing, invalid or expired token',
  403: 'The caller role may not do this',
  404: 'Not found, or not visible to the caller',
  409: 'Conflict with existing data (a unique name, email or phone is taken)',
  413: 'Request body too large',
  415: 'The request body is not JSON',
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

/** Error responses every route with a request body can give (added to those routes automatically). */
export function bodyErrorResponses() {
  const { 400: _standard, 500: _unexpected, ...responses } = errorResponses(413, 415)
  return responses
}

/** Error responses of a route that requires a token. */
export function authErrors(...statuses: ErrorStatus[]) {
  return errorResponses(401, 403, ...statuses)
}

export const IdParams = Type.Object({ id: ObjectId() })

/** Printable ASCII (space to tilde): what an Idempotency-Key may hold. */
export const printableAsciiPattern = '^[\\x20-\\x7E]+$'

/**
 * The Idempotency-Key request header of the creating POSTs (SPEC §7.4). Headers are
 * validated like query strings: a malformed key is 400 before anything runs.
 */
export const IdempotencyKeyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: printableAsciiPattern,
      description:
        'Makes the request safe to retry (1\u2013255 printable ASCII characters, chosen by the client, e.g. a UUID). ' +
        'A retry with the same key within 24 hours gets the stored answer again, with `Idempotent-Replayed: true`, ' +
        'and creates nothing; the same key with another method, path or body is 422; a retry while the first ' +
        'request still runs is 409. Keys are per caller. Failed requests store nothing. Dry runs ignore it.',
    }),
  ),
})

/**
 * An object used as a map (`{[key]: value}`), as OpenAPI 3.0 writes it:
 * `additionalProperties: <value>`. Key constraints go in `propertyNames`, which
 * Ajv enforces and the OpenAPI document omits (see plugins/openapi.ts).
 */
export function MapOf<T extends TSchema>(
  value: T,
  options: {
    keys?: { maxLength?: number; pattern?: string }
    description?: string
    maxProperties?: number
    default?: Record<string, Static<T>>
  } = {},
) {
  const { keys, ...rest } = options
  return Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    additionalProperties: value,
    ...(keys ? { propertyNames: { type: 'string', ...keys } } : {}),
    ...rest,
  })
}

/**
 * A JSON object whose keys are free (automation actions, tool configs). Written as
 * `additionalProperties: true` so both the OpenAPI document and fast-json-stringify
 * keep every key.
 */
export const FreeFormObject = (options: { description?: string; maxProperties?: number } = {}) =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, ...options })
