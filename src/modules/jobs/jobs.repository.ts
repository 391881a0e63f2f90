import { sql, type Selectable } from 'kysely'
import type { Executor, JobsTable, JobTargetsTable, JobTargetStatus, Tx } from '../../db/database.ts'

export type JobRow = Selectable<JobsTable>
export type JobTargetRow = Selectable<JobTargetsTable>

/** A job with its targets counted by status (what lists and GET show without reading every target). */
export type JobWithProgress = JobRow & {
  total: number
  pending: number
  succeeded: number
  failed: number
  conflicts: number
  started_at: Date | null
  finished_at: Date | null
}

export interface NewJob {
  type: string
  organization_id: string
  created_by: string
  created_by_name: string
  params: Record<string, unknown>
}

export interface NewTarget {
  applicationId: string
  organizationId: string
}

/** The job and all its targets: two statements for any number of targets. */
export async function insertJob(trx: Tx, job: NewJob, targets: readonly NewTarget[]): Promise<string> {
  const { id } = await trx
    .insertInto('jobs')
    .values({ ...job, params: JSON.stringify(job.params) })
    .returning('id')
    .executeTakeFirstOrThrow()
  await sql`
    insert into job_targets (job_id, application_id, position, organization_id)
    select ${id}, t.application_id, t.position, t.organization_id
    from jsonb_to_recordset(${JSON.stringify(
      targets.map((t, position) => ({ application_id: t.applicationId, organization_id: t.organizationId, position })),
    )}::jsonb) as t(application_id text, organization_id text, position integer)
  `.execute(trx)
  return id
}

const progress = sql<JobWithProgress>`
  select j.*, p.total, p.pending, p.succeeded, p.failed, p.conflicts, p.started_at,
    case when p.pending = 0 then p.finished_at end as finished_at
  from jobs j
  cross join lateral (
    select count(*)::int as total,
      (count(*) filter (where t.status = 'pending'))::int as pending,
      (count(*) filter (where t.status = 'succeeded'))::int as succeeded,
      (count(*) filter (where t.status = 'failed'))::int as failed,
      coalesce(sum((t.changes ->> 'conflicts')::int), 0)::int as conflicts,
      min(t.started_at) as started_at,
      max(t.finished_at) as finished_at
    from job_targets t where t.job_id = j.id
  ) p`

export async function findJob(db: Executor, id: string): Promise<JobWithProgress | undefined> {
  const result = await sql<JobWithProgress>`${progress} where j.id = ${id}`.execute(db)
  return result.rows[0]
}

/** Newest first, keyset-paged on the insertion sequence; `organizationId` null: every organization's. */
export async function listJobs(
  db: Executor,
  options: { organizationId: string | null; afterSeq?: number; limit: number },
): Promise<JobWithProgress[]> {
  const result = await sql<JobWithProgress>`${progress}
    where (${options.organizationId}::text is null or j.organization_id = ${options.organizationId})
      and (${options.afterSeq ?? null}::bigint is null or j.seq < ${options.afterSeq ?? null})
    order by j.seq desc
    limit ${options.limit}`.execute(db)
  return result.rows
}

export function targetsOf(db: Executor, jobId: string): Promise<JobTargetRow[]> {
  return db.selectFrom('job_targets').selectAll().where('job_id', '=', jobId).orderBy('position').execute()
}

/** A worker starts a target: counted, and the first start recorded (outside the target's transaction). */
export async function markStarted(db: Executor, jobId: string, applicationId: string): Promise<void> {
  await db
    .updateTable('job_targets')
    .set({ attempts: sql`attempts + 1`, started_at: sql`coalesce(started_at, now())` })
    .where('job_id', '=', jobId)
    .where('application_id', '=', applicationId)
    .where('status', '=', 'pending')
    .execute()
}

/**
 * The target's row, locked until the transaction ends, if it is still pending.
 * A second worker on the same target waits here until the first commits, then
 * finds it done: that is what makes a target's work exactly-once.
 */
export function lockPendingTarget(trx: Tx, jobId: string, applicationId: string): Promise<JobTargetRow | undefined> {
  return trx
    .selectFrom('job_targets')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('application_id', '=', applicationId)
    .where('status', '=', 'pending')
    .forUpdate()
    .executeTakeFirst()
}

export async function finishTarget(
  db: Executor,
  jobId: string,
  applicationId: string,
  outcome: { status: Exclude<JobTargetStatus, 'pending'>; changes?: Record<string, number>; error?: Record<string, unknown> },
): Promise<boolean> {
  const result = await db
    .updateTable('job_targets')
    .set({
      status: outcome.status,
      changes: outcome.changes ? JSON.stringify(outcome.changes) : null,
      error: outcome.error ? JSON.stringify(outcome.error) : null,
      finished_at: sql`now()`,
    })
    .where('job_id', '=', jobId)
    .where('application_id', '=', applicationId)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return result.numUpdatedRows > 0n
}

/** Failed targets back to pending, for a retry; returns them. */
export async function resetFailedTargets(trx: Tx, jobId: string): Promise<JobTargetRow[]> {
  return trx
    .updateTable('job_targets')
    .set({ status: 'pending', error: null, changes: null, finished_at: null })
    .where('job_id', '=', jobId)
    .where('status', '=', 'failed')
    .returningAll()
    .execute()
}

/**
 * The job row, locked: `update` by a retry (the targets it resets are one decision),
 * `share` by a target's transaction (a retry waits for running targets to commit).
 */
export async function lockJob(trx: Tx, id: string, mode: 'update' | 'share' = 'update'): Promise<JobRow | undefined> {
  const query = trx.selectFrom('jobs').selectAll().where('id', '=', id)
  return (mode === 'update' ? query.forUpdate() : query.forShare()).executeTakeFirst()
}
