import assert from 'node:assert/strict'
import { expectErrorShape, type ApiResponse } from './http.ts'

export type InvalidCase = [body: Record<string, unknown>, paths: string[]]

/**
 * Asserts a 400 in the error shape whose details name exactly these field paths
 * (each once, in order), all in `location` (body, params, querystring).
 */
export function expectInvalid(response: ApiResponse, paths: string[], label: string, location = 'body'): void {
  assert.equal(response.status, 400, `${label}: ${response.raw.slice(0, 300)}`)
  const details = expectErrorShape(response).details as { location: string; path: string }[]
  assert.deepEqual([...new Set(details.map((d) => d.path))], paths, label)
  assert.ok(
    details.every((d) => d.location === location),
    `${label}: details not all in ${location}: ${JSON.stringify(details)}`,
  )
}

/** Sends every body and expects a 400 naming its paths; the caller then checks nothing was written. */
export async function expectEachInvalid(send: (body: Record<string, unknown>) => Promise<ApiResponse>, cases: InvalidCase[]) {
  for (const [body, paths] of cases) {
    expectInvalid(await send(body), paths, JSON.stringify(body).slice(0, 200))
  }
}
