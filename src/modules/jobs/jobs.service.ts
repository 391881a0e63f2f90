import type { AppContext } from '../../context.ts'
import type { Executor, Tx } from '../../db/database.ts'
import type { QueueTask } from '../../db/job-queue.ts'
import { isSuperadmin, type Actor } from '../../shared/actor.ts'
import { decodeCursor, encodeCursor } from '../../shared/cursor.ts'
import { AppError, badRequest, conflict, notFound } from '../../shared/errors.ts'
import * as repo from './jobs.repository.ts'
import type { JobDto, JobListInput, JobSummaryDto, TargetChanges, TargetError } from './jobs.schemas.ts'

/**
 * Background jobs: one request (a push) over many targets, each target done by a
 * worker in a transaction of its own. The queue (pg-boss) hands out one task per
 * target; the job_targets row is the truth about whether a target is done, and is
 * changed in the same transaction as the target's data (see runJobTarget).
 */

export type JobType = 'snapshot.push'

/** pg-boss queue of a job type (queue names allow no dots). */
export const queueOf = (type: string) => type.replace(/\W/g, '_')

interface TargetTask {
  jobId: string
  applicationId: string
}

function isTargetTask(data: Record<string, unknown>): data is Record<string, unknown> & TargetTask {
  return typeof data.jobId === 'string' && typeof data.applicationId === 'string'
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null)

function status(job: repo.JobWithProgress): JobSummaryDto['status'] {
  if (job.pending === job.total && job.started_at === null) return 'queued'
  if (job.pending > 0) return 'running'
  if (job.failed === 0) return 'succeeded'
  return job.succeeded === 0 ? 'failed' : 'partially_failed'
}

function summary(job: repo.JobWithProgress): JobSummaryDto {
  return {
    _id: job.id,
    type: job.type as JobType,
    status: status(job),
    total: job.total,
    done: job.succeeded,
    failed: job.failed,
    conflicts: job.conflicts,
    params: job.params,
    createdBy: job.created_by,
    createdByName: job.created_by_name,
    organizationId: job.organization_id,
    createdAt: new Date(job.created_at).toISOString(),
    startedAt: iso(job.started_at),
    finishedAt: iso(job.finished_at),
  }
}

function target(row: repo.JobTargetRow): JobDto['targets'][number] {
  return {
    applicationId: row.application_id,
    organizationId: row.organization_id,
    status: row.status,
    ...(row.error ? { error: row.error as TargetError } : {}),
    ...(row.changes ? { changes: row.changes as TargetChanges } : {}),
    attempts: row.attempts,
    finishedAt: iso(row.finished_at),
  }
}

const canSeeJob = (actor: Actor, job: repo.JobRow) => isSuperadmin(actor) || job.organization_id === actor.organizationId

async function readJob(db: Executor, id: string): Promise<JobDto | undefined> {
  const job = await repo.findJob(db, id)
  if (!job) return undefined
  return { ...summary(job), targets: (await repo.targetsOf(db, id)).map(target) }
}

/** A job as the API shows it: SUPERADMIN any, ADMIN those started from their organization (else 404). */
export async function getJob(ctx: AppContext, actor: Actor, id: string): Promise<JobDto> {
  const job = await readJob(ctx.db, id)
  if (!job || !(isSuperadmin(actor) || job.organizationId === actor.organizationId)) throw notFound('Job')
  return job
}

export async function listJobs(ctx: AppContext, actor: Actor, query: JobListInput) {
  const limit = query.limit ?? 50
  let afterSeq: number | undefined
  if (query.cursor !== undefined) {
    const seq = decodeCursor(query.cursor)
    if (seq === null) throw badRequest('Validation error', 'cursor is not a cursor this server issued', [{ location: 'querystring', path: '/cursor', message: 'invalid cursor' }])
    afterSeq = seq
  }
  const rows = await repo.listJobs(ctx.db, { organizationId: isSuperadmin(actor) ? null : actor.organizationId, afterSeq, limit: limit + 1 })
  const page = rows.slice(0, limit)
  return { jobs: page.map(summary), nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.seq) : null }
}

/**
 * Creates a job and one queued task per target inside the caller's transaction:
 * the job, its targets and its tasks exist together or not at all.
 */
export async function createJob(
  ctx: AppContext,
  trx: Tx,
  actor: Actor,
  type: JobType,
  params: Record<string, unknown>,
  targets: readonly repo.NewTarget[],
): Promise<string> {
  const id = await repo.insertJob(
    trx,
    { type, organization_id: actor.organizationId, created_by: actor.id, created_by_name: actor.fullName, params },
    targets,
  )
  await ctx.queue.enqueue(trx, queueOf(type), targets.map((t) => ({ jobId: id, applicationId: t.applicationId })))
  return id
}

/** Makes the queue of `type` ready; call before the transaction that creates a job of it. */
export const prepareJobType = (ctx: AppContext, type: JobType) => ctx.queue.prepare(queueOf(type))

/** The job as its creating request answers with it; `db`: that request's transaction, where it was created. */
export async function startedJob(ctx: AppContext, id: string, db: Executor = ctx.db): Promise<JobDto> {
  const job = await readJob(db, id)
  if (!job) throw new Error(`job ${id} vanished`)
  return job
}

/** POST /api/jobs/{id}/retry: the failed targets become pending and are queued again. */
export async function retryJob(ctx: AppContext, actor: Actor, id: string): Promise<JobDto> {
  const visible = await repo.findJob(ctx.db, id)
  if (!visible || !canSeeJob(actor, visible)) throw notFound('Job')
  await prepareJobType(ctx, visible.type as JobType)
  await ctx.db.transaction().execute(async (trx) => {
    const job = await repo.lockJob(trx, id)
    if (!job) throw notFound('Job')
    const reset = await repo.resetFailedTargets(trx, id)
    if (reset.length === 0) throw conflict('Nothing to retry', 'The job has no failed targets')
    await ctx.queue.enqueue(trx, queueOf(job.type), reset.map((t) => ({ jobId: id, applicationId: t.application_id })))
  })
  return startedJob(ctx, id)
}

/** What a job type does to one target, inside that target's transaction. */
export type TargetWork = (trx: Tx, target: repo.JobTargetRow, job: repo.JobRow) => Promise<TargetChanges>

const errorBody = (error: AppError): TargetError => ({
  status: error.status,
  error: error.title,
  message: error.message,
  ...(error.details === undefined ? {} : { details: error.details }),
})

/**
 * Runs one target of a job, exactly once whatever happens to the process:
 * - the target's row is locked and must still be pending, in the same transaction
 *   as the work and the row's move to `succeeded` (a re-run after a crash, or a
 *   second worker, finds it done and does nothing);
 * - a refusal of the data (an AppError: unresolved references, ...) rolls the
 *   work back and marks the target failed with that error;
 * - anything else (a lost connection) is thrown so the queue retries the task;
 *   on its last attempt the target is marked failed.
 */
/** What became of a task: its target done now, failed now, or found already done (a repeated delivery). */
export type TargetOutcome = 'succeeded' | 'failed' | 'already-done'

export async function runJobTarget(ctx: AppContext, task: QueueTask, work: TargetWork): Promise<TargetOutcome> {
  if (!isTargetTask(task.data)) return 'already-done'
  const { jobId, applicationId } = task.data
  await repo.markStarted(ctx.db, jobId, applicationId)
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await repo.lockPendingTarget(trx, jobId, applicationId)
      if (!row) return 'already-done' as const
      const job = await repo.lockJob(trx, jobId, 'share')
      if (!job) return 'already-done' as const
      const changes = await work(trx, row, job)
      await repo.finishTarget(trx, jobId, applicationId, { status: 'succeeded', changes: { ...changes } })
      return 'succeeded' as const
    })
  } catch (error) {
    if (error instanceof AppError) {
      return (await repo.finishTarget(ctx.db, jobId, applicationId, { status: 'failed', error: errorBody(error) })) ? 'failed' : 'already-done'
    }
    if (task.retryCount < task.retryLimit) throw error
    await repo.finishTarget(ctx.db, jobId, applicationId, {
      status: 'failed',
      error: { status: 500, error: 'Internal error', message: 'The target could not be updated; nothing was written to it' },
    })
    return 'failed'
  }
}
