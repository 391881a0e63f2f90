import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { paths } from './openapi.ts'

/**
 * The typed HTTP client of the Tether Relay API, shared by the admin console and
 * the CLI. Paths, parameters, bodies and responses are checked against the types
 * generated from /openapi.json (src/client/openapi.ts), so an API change that
 * breaks a caller fails `npm run check`.
 */
export type { components, operations, paths } from './openapi.ts'

export type TetherClient = Client<paths>

/** Every error the API answers has this shape (`details` lists validation failures as `{location, path, message}`). */
export interface ApiErrorBody {
  error: string
  message: string
  details?: unknown
}

export interface TetherClientOptions {
  /** Origin of the service, e.g. http://127.0.0.1:2212; '' (or a relative URL) for same-origin use in a browser. */
  baseUrl: string
  /** Read on every request, so a sign-in or sign-out takes effect at once. */
  token?: () => string | null | undefined
  /** Called with every 401 answer (expired or revoked token). */
  onUnauthorized?: (response: Response) => void
  fetch?: typeof globalThis.fetch
  headers?: Record<string, string>
}

export function createTetherClient(options: TetherClientOptions): TetherClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const auth: Middleware = {
    onRequest({ request }) {
      const token = options.token?.()
      if (token) request.headers.set('authorization', `Bearer ${token}`)
      return request
    },
    onResponse({ response }) {
      if (response.status === 401) options.onUnauthorized?.(response)
      return response
    },
  }
  client.use(auth)
  return client
}

/** The error body of a failed call, or a generic one when the answer was not in the API's error shape. */
export function toApiError(error: unknown, response?: Response): ApiErrorBody {
  if (error !== null && typeof error === 'object' && typeof (error as ApiErrorBody).message === 'string') {
    const body = error as ApiErrorBody
    return { error: typeof body.error === 'string' ? body.error : 'Error', message: body.message, details: body.details }
  }
  const status = response ? `${response.status} ${response.statusText}`.trim() : 'no answer'
  return { error: 'Request failed', message: `The server answered ${status}` }
}
