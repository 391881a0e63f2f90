/** Client-side checks that mirror the API's schemas, so a form is checked before it is sent. */
export type Check = (value: string) => string | null

export const required: Check = (value) => (value.trim() === '' ? 'Required' : null)
export const maxLength = (n: number): Check => (value) => (value.length > n ? `At most ${n} characters` : null)
export const minLength = (n: number): Check => (value) => (value.length < n ? `At least ${n} characters` : null)
export const email: Check = (value) =>
  /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()) ? null : 'Enter an email address such as name@example.com'
export const phone: Check = (value) =>
  value === '' || /^(\+1|\+91)\d{10}$/.test(value) ? null : 'Use +1 or +91 followed by 10 digits, e.g. +14155550177'

/** The first failing check per field; an empty object when all pass. */
export function validate<T extends Record<string, unknown>>(
  values: T,
  rules: Partial<Record<keyof T & string, Check[]>>,
): Partial<Record<keyof T & string, string>> {
  const errors: Partial<Record<keyof T & string, string>> = {}
  for (const [field, checks] of Object.entries(rules) as [keyof T & string, Check[]][]) {
    const value = values[field]
    const text = typeof value === 'string' ? value : ''
    for (const check of checks) {
      const message = check(text)
      if (message) {
        errors[field] = message
        break
      }
    }
  }
  return errors
}

/**
 * An error answer's validation details (`{location, path, message}`, `path` a JSON
 * Pointer into the body) as pointer → first message, body issues only.
 */
export function fieldErrorsOf(body: { details?: unknown }): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!Array.isArray(body.details)) return errors
  for (const issue of body.details as { location?: unknown; path?: unknown; message?: unknown }[]) {
    if (typeof issue?.path === 'string' && typeof issue.message === 'string' && (issue.location ?? 'body') === 'body') {
      errors[issue.path] ??= issue.message
    }
  }
  return errors
}

/**
 * Server errors for the fields under `pointer` (e.g. "/newUser"), keyed by field name,
 * so each shows next to its input.
 */
export function fieldsUnder(fieldErrors: Record<string, string>, pointer: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [path, message] of Object.entries(fieldErrors)) {
    if (!path.startsWith(`${pointer}/`)) continue
    const field = path.slice(pointer.length + 1).split('/')[0]
    if (field) result[field] ??= message
  }
  return result
}
