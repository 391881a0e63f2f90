import { createTetherClient, toApiError, type operations, type TetherClient } from '../client/index.ts'
import { loadLogin } from './credentials.ts'
import { CommandFailure, ServerError, UsageError } from './errors.ts'
import { defaultUrl } from './defaults.ts'

/**
 * The CLI's side of the typed client (src/client, generated from /openapi.json):
 * which server, which token, and the one place a failed call becomes an error.
 */

/** The JSON body of an operation's answer with that status, as generated from /openapi.json. */
export type Body<O extends keyof operations, S extends number> = operations[O]['responses'] extends Record<S, { content: { 'application/json': infer T } }> ? T : never

export interface RemoteOptions {
  url?: string
  json?: boolean
}

export interface Connection {
  /** The server, normalised (no trailing slash): also the key of its stored token. */
  readonly url: string
  readonly client: TetherClient
  /** Where the token came from, for the hint when it is refused. */
  readonly tokenSource: 'environment' | 'login' | 'none'
}

/** --url, else TETHER_RELAY_URL (commander reads it into the option), else the default. */
export function serverUrl(option: string | undefined): string {
  const raw = option?.trim() || defaultUrl
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http:// or https:// URL, got "${raw}"`)
  if (url.search || url.hash || url.username || url.password) throw new UsageError('--url takes no query, fragment or credentials')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * A client for the server. `signedIn`: a missing token fails before any request
 * is sent; `anonymous`: no token is sent at all (login).
 */
export async function connect(options: RemoteOptions, { signedIn = true, anonymous = false } = {}): Promise<Connection> {
  const url = serverUrl(options.url)
  const fromEnvironment = anonymous ? undefined : process.env.TETHER_RELAY_TOKEN?.trim()
  const token = anonymous ? undefined : fromEnvironment || (await loadLogin(url))?.token
  if (signedIn && !token) {
    throw new CommandFailure(`Not signed in to ${url}`, `Run: tether-relay login${url === defaultUrl ? '' : ` --url ${url}`}`)
  }
  return {
    url,
    client: createTetherClient({ baseUrl: url, token: () => token }),
    tokenSource: fromEnvironment ? 'environment' : token ? 'login' : 'none',
  }
}

interface Answer<T> {
  data?: T
  error?: unknown
  response: Response
}

/**
 * Awaits a client call: its data, or a ServerError with the server's `error` and
 * `message` (and a hint when the token was refused), or a CommandFailure when
 * the server could not be reached.
 */
export async function call<T>(connection: Connection, request: Promise<Answer<T>>): Promise<T> {
  return (await callForResponse(connection, request)).data
}

/** As `call`, with the response too (its headers: a download's file name and length). */
export async function callForResponse<T>(connection: Connection, request: Promise<Answer<T>>): Promise<{ data: T; response: Response }> {
  let answer: Answer<T>
  try {
    answer = await request
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error)
    throw new CommandFailure(`Cannot reach ${connection.url}: ${cause}`, 'Is the server running? Pass --url or set TETHER_RELAY_URL to use another.')
  }
  if (answer.error !== undefined || !answer.response.ok) {
    const body = toApiError(answer.error, answer.response)
    const error = new ServerError(answer.response.status, body)
    if (answer.response.status === 401 && connection.tokenSource !== 'none') {
      error.hint =
        connection.tokenSource === 'environment'
          ? 'The token in TETHER_RELAY_TOKEN was refused.'
          : `Your session has ended: run tether-relay login${connection.url === defaultUrl ? '' : ` --url ${connection.url}`}`
    }
    throw error
  }
  return { data: answer.data as T, response: answer.response }
}
