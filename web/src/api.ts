import { createTetherClient, toApiError, type ApiErrorBody, type paths } from '../../src/client/index.ts'
import { session } from './session.ts'
import { fieldErrorsOf } from './validation.ts'

/** The one API client of the console: same origin, the signed-in token, 401 ends the session. */
export const api = createTetherClient({
  baseUrl: window.location.origin,
  token: () => session.get()?.token,
  onUnauthorized: () => session.expire(),
})

/** An error answer of the API, with its validation details indexed by JSON Pointer. */
export class ApiError extends Error {
  readonly status: number
  readonly body: ApiErrorBody

  constructor(status: number, body: ApiErrorBody) {
    super(body.message)
    this.status = status
    this.body = body
  }

  /** `details[].path` (a JSON Pointer into the body) → message, for errors shown beside their field. */
  get fieldErrors(): Record<string, string> {
    return fieldErrorsOf(this.body)
  }
}

/** Awaits an openapi-fetch call and returns its data, or throws ApiError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await call
  } catch {
    throw new ApiError(0, { error: 'Network error', message: 'The server could not be reached. Check your connection and try again.' })
  }
  if (!result.response.ok || result.data === undefined) {
    throw new ApiError(result.response.status, toApiError(result.error, result.response))
  }
  return result.data
}

/** The JSON body of the answer `status` of `method path` (default: its 200, else its 201). */
type At<R, S extends number> = R extends { [K in S]: { content: { 'application/json': infer B } } } ? B : never
type Ok<R> = [At<R, 200>] extends [never] ? At<R, 201> : At<R, 200>
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? Ok<R>
  : never
export type ResponseAt<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: infer R
}
  ? At<R, S>
  : never
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } }
}
  ? B
  : never

export type UserSnapshotSummary = ResponseOf<'/api/user-snapshots', 'get'>['snapshots'][number]
export type OrgSnapshotSummary = ResponseOf<'/api/org-snapshots', 'get'>['snapshots'][number]
export type SnapshotSummary = UserSnapshotSummary | OrgSnapshotSummary
export type UserSnapshotDetail = ResponseOf<'/api/user-snapshots/{id}', 'get'>['snapshot']
export type OrgSnapshotDetail = ResponseOf<'/api/org-snapshots/{id}', 'get'>['snapshot']
export type Organization = ResponseOf<'/api/organizations', 'get'>['organizations'][number]
export type ApplyRefs = ResponseOf<'/api/user-snapshots/{id}/apply-refs', 'get'>
export type ApplyUserBody = BodyOf<'/api/user-snapshots/{id}/apply', 'post'>
export type ApplyOrgBody = BodyOf<'/api/org-snapshots/{id}/apply', 'post'>
export type Credentials = NonNullable<ApplyOrgBody['credentials']>

/** The user-snapshot shapes (with sharing fields), told apart from org snapshots (with credential names). */
export const isUserSnapshot = <T extends { counts: unknown }>(s: T | UserSnapshotDetail | UserSnapshotSummary): s is T & UserSnapshotSummary =>
  Array.isArray((s as UserSnapshotSummary).assignedOrgIds)
export const isOrgSnapshot = (s: UserSnapshotDetail | OrgSnapshotDetail): s is OrgSnapshotDetail =>
  Array.isArray((s as OrgSnapshotDetail).credentialNames)

/**
 * A fresh Idempotency-Key (SPEC §7.4) for one creating request: the same key is sent again
 * when the user retries after a lost answer, so the server replays instead of creating twice.
 * getRandomValues, unlike randomUUID, also works on a plain-http address.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}
