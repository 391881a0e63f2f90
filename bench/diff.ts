import { sql } from 'kysely'
import type { AppContext } from '../src/context.ts'
import { median } from './measure.ts'
import type { Workload } from './workload.ts'

/**
 * Issue 12's diff target through HTTP: GET …/{id}/diff between two versions of an
 * N-item snapshot in which a tenth of the items changed (under 1 s on PostgreSQL).
 * The source's items are edited in place (a changed description or template text,
 * so every changed item is one `changed` entry with one field), a second version is
 * captured through POST …/versions, and the diff is timed, answer read whole.
 */

export interface DiffResult {
  size: number
  changed: number
  runs: number
  medianMs: number
  minMs: number
  maxMs: number
  answerKb: number
}

interface Client {
  address: string
  token: string
}

/** Every tenth item of each kind of the source user gets new content; how many were changed. */
async function editTenth(ctx: AppContext, w: Workload): Promise<number> {
  const edits = [
    sql`update automations set description = description || ' (edited)'
        where user_id = ${w.source.userId} and right(name, 1) = '0'`,
    sql`update prompts set description = coalesce(description, '') || ' (edited)'
        where user_id = ${w.source.userId} and right(name, 1) = '0'`,
    sql`update templates set template = template || ' (edited)'
        where user_id = ${w.source.userId} and right(name, 1) = '0'`,
  ]
  let changed = 0
  for (const edit of edits) changed += Number((await edit.execute(ctx.db)).numAffectedRows ?? 0n)
  return changed
}

async function timedGet(client: Client, path: string): Promise<{ ms: number; status: number; bytes: number; body: string }> {
  const started = performance.now()
  const response = await fetch(`${client.address}${path}`, { headers: { authorization: `Bearer ${client.token}` } })
  const body = await response.text()
  return { ms: performance.now() - started, status: response.status, bytes: Buffer.byteLength(body), body }
}

export async function measureDiff(ctx: AppContext, client: Client, w: Workload, runs: number): Promise<DiffResult> {
  const changed = await editTenth(ctx, w)
  const versioned = await fetch(`${client.address}/api/user-snapshots/${w.userSnapshotId}/versions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ description: 'A tenth of the items edited' }),
  })
  if (versioned.status !== 201) throw new Error(`POST …/versions answered ${versioned.status}: ${(await versioned.text()).slice(0, 300)}`)
  const { snapshot } = (await versioned.json()) as { snapshot: { version: number } }
  const path = `/api/user-snapshots/${w.userSnapshotId}/diff?from=${snapshot.version - 1}&to=${snapshot.version}`

  const samples: number[] = []
  let answerKb = 0
  for (let round = 0; round <= runs; round++) {
    const answer = await timedGet(client, path)
    if (answer.status !== 200) throw new Error(`diff answered ${answer.status}: ${answer.body.slice(0, 300)}`)
    const { summary } = JSON.parse(answer.body) as { summary: { changed: number } }
    if (summary.changed !== changed) throw new Error(`the diff found ${summary.changed} changed items, ${changed} were changed`)
    answerKb = answer.bytes / 1024
    if (round > 0) samples.push(answer.ms)
  }
  return { size: w.size, changed, runs, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), answerKb }
}
