import assert from 'node:assert/strict'
import type { App } from '../../src/app.ts'
import { startWorkers } from '../../src/modules/index.ts'
import { api } from './http.ts'
import { newUserBody } from './scenarios.ts'

/**
 * Helpers for push tests: the app's workers (what `npm start` runs), a job
 * polled until it finishes, and a new snapshot version captured through the API.
 */

const started = new WeakSet<App>()

/** Makes the test app a worker of every job type, once. */
export async function startTestWorkers(app: App, concurrency = 2): Promise<void> {
  if (started.has(app)) return
  started.add(app)
  await startWorkers(app.ctx, concurrency)
}

export async function waitForJob(app: App, token: string, jobId: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await api(app, 'GET', `/api/jobs/${jobId}`, { token })
    assert.equal(response.status, 200, response.raw)
    if (response.body.job.finishedAt !== null) return response.body.job
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${response.raw}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Captures the snapshot's source again (its next version). */
export async function newVersion(app: App, kind: 'user' | 'org', snapshotId: string, token: string): Promise<number> {
  const response = await api(app, 'POST', `/api/${kind}-snapshots/${snapshotId}/versions`, { token, body: {} })
  assert.equal(response.status, 201, response.raw)
  return response.body.snapshot.version as number
}

/** Pushes and waits for the job; returns the finished job. */
export async function pushAndWait(app: App, kind: 'user' | 'org', snapshotId: string, token: string, body: Record<string, unknown> = {}) {
  await startTestWorkers(app)
  const response = await api(app, 'POST', `/api/${kind}-snapshots/${snapshotId}/push`, { token, body })
  assert.equal(response.status, 202, response.raw)
  assert.equal(response.body.message, 'Push started')
  return waitForJob(app, token, response.body.job._id)
}

/** Applies a user snapshot `count` times, each to a new user; returns the users' ids (the targets of a push). */
export async function applyToNewUsers(app: App, snapshotId: string, token: string, count: number): Promise<string[]> {
  const userIds: string[] = []
  for (let i = 0; i < count; i++) {
    const applied = await api(app, 'POST', `/api/user-snapshots/${snapshotId}/apply`, { token, body: { newUser: newUserBody() } })
    assert.equal(applied.status, 201, applied.raw)
    userIds.push(applied.body.result.userId as string)
  }
  return userIds
}
