import type { App } from '../../src/app.ts'

export interface ApiResponse<T = any> {
  status: number
  body: T
  headers: Record<string, unknown>
  raw: string
}

export interface ApiRequest {
  token?: string
  body?: unknown
  headers?: Record<string, string>
  /** Send this exact text as the body (for malformed-JSON tests). */
  rawBody?: string
}

/** One request through app.inject, JSON in and out. */
export async function api<T = any>(
  app: App,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  request: ApiRequest = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.token) headers.authorization = `Bearer ${request.token}`
  let payload: string | undefined
  if (request.rawBody !== undefined) payload = request.rawBody
  else if (request.body !== undefined) payload = JSON.stringify(request.body)
  if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json'
  const response = await app.inject({ method, url, headers, payload })
  let body: unknown = undefined
  if (response.body.length > 0) {
    try {
      body = JSON.parse(response.body)
    } catch {
      body = response.body
    }
  }
  return { status: response.statusCode, body: body as T, headers: response.headers, raw: response.body }
}

/** Asserts the seed error shape and returns the body for further checks. */
export function expectErrorShape(response: ApiResponse): { error: string; message: string; details?: unknown } {
  const body = response.body as Record<string, unknown>
  if (typeof body !== 'object' || body === null || typeof body.error !== 'string' || typeof body.message !== 'string') {
    throw new Error(`expected {error, message} error body, got ${response.status}: ${response.raw.slice(0, 500)}`)
  }
  return body as { error: string; message: string; details?: unknown }
}
