import { objectIdPattern } from '../shared/ids.ts'
import { phonePattern, printableAsciiPattern } from '../shared/schemas.ts'

/**
 * Validation problems in plain words: each names the field once and says what is
 * allowed ("newUser.accessRole must be one of ADMIN, DEPARTMENT_HEAD, SALES_REP"),
 * while `details` keep the machine-readable location and JSON-pointer path. An
 * answer lists at most `maxDetails` problems and says how many more there were.
 */
export interface AjvIssue {
  instancePath?: string
  propertyName?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

export interface ValidationDetail {
  location: string
  path: string
  message: string
}

export const maxDetails = 20

/** Set on an Ajv error list by the validator when it stopped at the first problem (a large input). */
export const stoppedEarly = Symbol('validation stopped at the first problem')

/** Patterns the schemas share, in words. */
const patternWords: Record<string, string> = {
  [objectIdPattern]: 'must be a 24-character hexadecimal id',
  [phonePattern]: 'must be +1 or +91 followed by 10 digits',
  [printableAsciiPattern]: 'must hold only printable ASCII characters (space to ~)',
  '^#[0-9A-Fa-f]{6}$': 'must be a color written as # and 6 hexadecimal digits, such as #1A73E8',
}

const formatWords: Record<string, string> = {
  email: 'must be an email address',
  'date-time': 'must be an ISO-8601 date and time, such as 2026-05-01T09:30:00Z',
  date: 'must be a date such as 2026-05-01',
  uri: 'must be a URL',
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`)
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

function describe(keyword: string, params: Record<string, unknown>, fallback: string | undefined): string {
  const limit = Number(params.limit)
  switch (keyword) {
    case 'required':
      return 'is required'
    case 'additionalProperties':
      return 'is not an allowed property'
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`
    case 'type':
      return `must be ${String(params.type).split(',').map(article).join(' or ')}`
    case 'minLength':
      return limit === 1 ? 'must not be empty' : `must be at least ${plural(limit, 'character', 'characters')} long`
    case 'maxLength':
      return `must be at most ${plural(limit, 'character', 'characters')} long`
    case 'minimum':
      return `must be at least ${limit}`
    case 'maximum':
      return `must be at most ${limit}`
    case 'exclusiveMinimum':
      return `must be greater than ${limit}`
    case 'exclusiveMaximum':
      return `must be less than ${limit}`
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}`
    case 'minItems':
      return limit === 1 ? 'must not be empty' : `must have at least ${plural(limit, 'item', 'items')}`
    case 'maxItems':
      return `must have at most ${plural(limit, 'item', 'items')}`
    case 'minProperties':
      return `must have at least ${plural(limit, 'property', 'properties')}`
    case 'maxProperties':
      return `must have at most ${plural(limit, 'property', 'properties')}`
    case 'uniqueItems':
      return `must not contain duplicates (items ${String(params.j)} and ${String(params.i)} are equal)`
    case 'format':
      return formatWords[String(params.format)] ?? `must be a valid ${String(params.format)}`
    case 'pattern':
      return patternWords[String(params.pattern)] ?? `must match the pattern ${String(params.pattern)}`
    case 'anyOf':
    case 'oneOf':
      return 'does not match any of the allowed forms'
    default:
      return fallback ?? 'is invalid'
  }
}

/** One Ajv issue as `{location, path, message}`, with the offending property in the path. */
export function describeIssue(issue: AjvIssue, location: string): ValidationDetail {
  let path = issue.instancePath ?? ''
  const params = issue.params ?? {}
  // A property name that fails propertyNames is reported on the object; name the key itself.
  const propertyName = issue.propertyName ?? params.propertyName
  if (typeof propertyName === 'string') return { location, path: `${path}/${propertyName}`, message: 'is not an allowed property name' }
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') path += `/${params.missingProperty}`
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') path += `/${params.additionalProperty}`
  return { location, path: path || '/', message: describe(issue.keyword ?? '', params, issue.message) }
}

/** "newUser.stages[0].name", "Query parameter dryRun", "The request body": the subject of a message. */
export function fieldName(location: string, path: string): string {
  const segments = path.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  const dotted = segments.reduce((name, s) => (/^\d+$/.test(s) ? `${name}[${s}]` : name ? `${name}.${s}` : s), '')
  if (location === 'querystring') return dotted ? `Query parameter ${dotted}` : 'The query string'
  if (location === 'params') return dotted ? `Path parameter ${dotted}` : 'The path'
  if (location === 'headers') return dotted ? `Header ${dotted}` : 'The headers'
  return dotted || 'The request body'
}

/** The 400 body for a list of problems: the first in words, at most `maxDetails` in details, the rest counted. */
export function validationFailure(
  details: ValidationDetail[],
  options: { stoppedEarly?: boolean } = {},
): { message: string; details: ValidationDetail[] } {
  // allErrors may report one property twice (e.g. under anyOf); list each problem once.
  const unique = [...new Map(details.map((d) => [`${d.location} ${d.path} ${d.message}`, d])).values()]
  const first = unique[0]
  let message = first ? `${fieldName(first.location, first.path)} ${first.message}` : 'The request is invalid'
  const more = unique.length - 1
  if (more > 0) {
    message += `, and ${plural(more, 'more problem', 'more problems')}`
    if (unique.length > maxDetails) message += ` (details lists the first ${maxDetails})`
  }
  if (options.stoppedEarly) message += ' (the input is large, so validation stopped at the first problem)'
  return { message, details: unique.slice(0, maxDetails) }
}
