import { setTimeout as sleep } from 'node:timers/promises'
import { call, connect, type Body, type Connection, type RemoteOptions } from '../api.ts'
import { CommandFailure, UsageError } from '../errors.ts'
import { fields, note, out, print, printJson, shortTime, table } from '../output.ts'
import { startProgress } from '../progress.ts'
import { checkId } from './snapshots.ts'

/** jobs show / wait / list: background jobs (pushes) and their targets (SPEC §7.5). */

export type Job = Body<'get_job', 200>['job']

const failedStatuses: readonly Job['status'][] = ['failed', 'partially_failed']

async function fetchJob(c: Connection, id: string): Promise<Job> {
  return (await call(c, c.client.GET('/api/jobs/{id}', { params: { path: { id } } }))).job
}

export async function show(id: string, options: RemoteOptions): Promise<void> {
  checkId(id, 'job id')
  const c = await connect(options)
  const job = await fetchJob(c, id)
  if (options.json) return printJson({ job })
  printJob(job)
}

interface ListOptions extends RemoteOptions {
  limit?: number
  cursor?: string
}

export async function list(options: ListOptions): Promise<void> {
  if (options.limit !== undefined && (options.limit < 1 || options.limit > 200)) throw new UsageError('--limit must be 1 to 200')
  const c = await connect(options)
  const page = await call(c, c.client.GET('/api/jobs', { params: { query: { limit: options.limit, cursor: options.cursor } } }))
  if (options.json) return printJson(page)
  if (page.jobs.length === 0) print(out.dim(options.cursor ? 'No more jobs.' : 'No jobs yet.'))
  else {
    print(
      table(
        ['ID', 'TYPE', 'STATUS', 'TARGETS', 'BY', 'CREATED'],
        page.jobs.map((j) => [j._id, j.type, statusText(j.status), progressText(j), j.createdByName, shortTime(j.createdAt)]),
      ),
    )
  }
  if (page.nextCursor) print(out.dim(`\nMore: the same command with --cursor ${page.nextCursor}`))
}

/** Re-runs the failed targets of a job (202), and with --wait follows it again. */
export async function retry(id: string, options: WaitOptions & { wait?: boolean }): Promise<void> {
  checkId(id, 'job id')
  if (options.timeout !== undefined && !options.wait) throw new UsageError('--timeout is for --wait')
  const c = await connect(options)
  const { job } = await call(c, c.client.POST('/api/jobs/{id}/retry', { params: { path: { id } } }))
  const failed = job.targets.filter((t) => t.status === 'pending').length
  if (!options.wait) {
    if (options.json) return printJson({ job })
    print(`${out.green('Retry started:')} job ${out.bold(id)}, ${failed} target${failed === 1 ? '' : 's'} queued again.`)
    print(out.dim(`Follow it with: tether-relay jobs wait ${id}`))
    return
  }
  if (!options.json) note(`Retry started: job ${id}, ${failed} target${failed === 1 ? '' : 's'} queued again.`)
  await waitFor(c, id, options)
}

interface WaitOptions extends RemoteOptions {
  timeout?: number
  /** Between two polls, in ms (the tests poll faster). */
  pollMs?: number
}

/** Polls until the job has finished; a job that ended failed or partially failed exits 1. */
export async function wait(id: string, options: WaitOptions): Promise<void> {
  checkId(id, 'job id')
  if (options.timeout !== undefined && options.timeout < 1) throw new UsageError('--timeout must be 1 second or more')
  const c = await connect(options)
  await waitFor(c, id, options)
}

export async function waitFor(c: Connection, id: string, options: WaitOptions): Promise<Job> {
  const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout * 1000
  const progress = startProgress({ label: `Job ${id}`, lineEveryMs: 0 })
  let job: Job
  try {
    for (;;) {
      job = await fetchJob(c, id)
      progress.update(job.done + job.failed, job.total, `${job.status} (${progressText(job)})`)
      if (job.finishedAt) break
      if (Date.now() >= deadline) {
        throw new CommandFailure(
          `Job ${id} is still ${job.status} after ${options.timeout} s (${progressText(job)})`,
          `It goes on in the background: run tether-relay jobs wait ${id} again.`,
        )
      }
      await sleep(Math.min(options.pollMs ?? 1000, Math.max(0, deadline - Date.now())))
    }
  } finally {
    progress.stop()
  }
  if (options.json) printJson({ job })
  else printJob(job)
  if (failedStatuses.includes(job.status)) {
    throw new CommandFailure(
      `Job ${id} ended ${job.status}: ${job.failed} of ${job.total} target${job.total === 1 ? '' : 's'} failed (nothing was written to them).`,
      `Fix the cause, then re-run the failed targets: tether-relay jobs retry ${id} --wait`,
    )
  }
  return job
}

/** "2 of 3 done, 1 failed, 4 conflicts" */
export function progressText(job: Pick<Job, 'total' | 'done' | 'failed' | 'conflicts'>): string {
  return `${job.done} of ${job.total} done, ${job.failed} failed, ${job.conflicts} conflict${job.conflicts === 1 ? '' : 's'}`
}

function statusText(status: Job['status']): string {
  if (status === 'succeeded') return out.green(status)
  if (failedStatuses.includes(status)) return out.red(status)
  return out.yellow(status)
}

export function printJob(job: Job): void {
  const params = job.params as { snapshotId?: string; version?: number; conflictPolicy?: string; removeDeleted?: boolean }
  print(`${out.bold(`Job ${job._id}`)} ${out.dim(job.type)}`)
  print(
    fields([
      ['Status', `${statusText(job.status)} (${progressText(job)})`],
      ['Push', params.snapshotId ? `snapshot ${params.snapshotId} version ${params.version ?? '?'}, ${params.conflictPolicy ?? 'keep-local'}${params.removeDeleted ? ', removing deleted items' : ''}` : null],
      ['Started by', `${job.createdByName} ${out.dim(job.createdBy)}`],
      ['Created', shortTime(job.createdAt)],
      ['Started', shortTime(job.startedAt)],
      ['Finished', shortTime(job.finishedAt)],
    ]),
  )
  print(`\n${out.bold('Targets')} ${out.dim(`(${job.targets.length})`)}`)
  if (job.targets.length === 0) return
  print(
    table(
      ['APPLICATION', 'ORGANIZATION', 'STATUS', 'CREATED', 'UPDATED', 'DELETED', 'KEPT', 'CONFLICTS', 'ERROR'],
      job.targets.map((t) => [
        t.applicationId,
        t.organizationId,
        t.status === 'failed' ? out.red(t.status) : t.status === 'succeeded' ? out.green(t.status) : t.status,
        t.changes?.created,
        t.changes?.updated,
        t.changes?.deleted,
        t.changes?.kept,
        t.changes?.conflicts ? out.yellow(String(t.changes.conflicts)) : t.changes?.conflicts,
        t.error ? `${t.error.error}: ${t.error.message}` : null,
      ]),
    ),
  )
}
