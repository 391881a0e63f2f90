import type { AppContext } from '../../context.ts'
import type { Executor, SnapshotKind, Tx } from '../../db/database.ts'
import { withHooks, type TransactionHooks } from '../../db/transactions.ts'
import { isSuperadmin, type Actor } from '../../shared/actor.ts'
import { AppError, fromDatabaseError, notFound, unprocessable } from '../../shared/errors.ts'
import type { ApplicationRow } from '../applications/applications.repository.ts'
import type { JobRow, JobTargetRow } from '../jobs/jobs.repository.ts'
import type { TargetChanges } from '../jobs/jobs.schemas.ts'
import { createJob, prepareJobType, startedJob } from '../jobs/jobs.service.ts'
import { recordSnapshotEvent } from '../snapshots/snapshot-audit.ts'
import type { SnapshotRow } from '../snapshots/snapshots.repository.ts'
import { atVersion } from '../snapshots/versions.service.ts'
import type { ConflictPolicy, MergeOptions } from './merge.ts'
import { pushTarget, type PushProblem, type PushTargetInput, type TargetReport } from './push-target.ts'
import * as repo from './push.repository.ts'
import type { PushInput } from './push.schemas.ts'

/**
 * Push a snapshot version to the targets it was applied to (SPEC §7.5): the dry
 * run reports each target; the push creates a job whose worker runs each target
 * in its own transaction (runJobTarget makes that exactly-once).
 */

export interface PushUseCase {
  kind: SnapshotKind
  actor: Actor
  /** The snapshot if the caller may read it (else 404). */
  load(db: Executor): Promise<SnapshotRow>
}

/** What a push job carries to its workers (jobs.params). */
export interface PushParams {
  snapshotId: string
  snapshotKind: SnapshotKind
  snapshotName: string
  sourceOrgId: string | null
  version: number
  versionId: string
  conflictPolicy: ConflictPolicy
  removeDeleted: boolean
}

const mergeOptions = (input: PushInput): MergeOptions => ({
  conflictPolicy: input.conflictPolicy ?? 'keep-local',
  removeDeleted: input.removeDeleted ?? false,
})

/**
 * The applications the push updates: the named ones (each must be an application of
 * this snapshot the caller may see: ADMINs only those into their own organization,
 * else 404), or every visible one standing on an older version.
 */
async function targetsOf(db: Executor, useCase: PushUseCase, snapshot: SnapshotRow, input: PushInput): Promise<ApplicationRow[]> {
  const ids = input.applicationIds ? [...new Set(input.applicationIds)] : null
  const rows = await repo.applicationsOfSnapshot(db, {
    snapshotId: snapshot.id,
    snapshotKind: useCase.kind,
    organizationId: isSuperadmin(useCase.actor) ? null : useCase.actor.organizationId,
    ids,
  })
  if (ids === null) return rows.filter((row) => row.version < snapshot.version)
  const byId = new Map(rows.map((row) => [row.id, row]))
  const missing = ids.filter((id) => !byId.has(id))
  if (missing.length > 0) {
    throw notFound('Application', 'Some applicationIds name no application of this snapshot that you may update')
  }
  return ids.map((id) => byId.get(id)!)
}

/** Runs `work` in a transaction that is always rolled back, and returns what it returned. */
async function rolledBack<T>(db: Executor, work: (trx: Tx) => Promise<T>): Promise<T> {
  const rollback = new Error('rollback')
  let result: { value: T } | undefined
  try {
    await db.transaction().execute(async (trx) => {
      result = { value: await work(trx) }
      throw rollback
    })
  } catch (error) {
    if (error !== rollback || !result) throw error
  }
  return result!.value
}

const asProblem = (error: AppError): PushProblem => ({
  status: error.status,
  error: error.title,
  message: error.message,
  ...(error.details === undefined ? {} : { details: error.details }),
})

/**
 * What the push would do to each target: the push's own code, run for each target
 * in a transaction that is rolled back, so the report is exactly what the push does
 * on unchanged data. Nothing is written.
 */
export async function dryRunPush(ctx: AppContext, useCase: PushUseCase, input: PushInput) {
  const snapshot = await atVersion(ctx.db, await useCase.load(ctx.db), input.version)
  const applications = await targetsOf(ctx.db, useCase, snapshot, input)
  const targets = []
  for (const application of applications) {
    let report: TargetReport
    try {
      report = await rolledBack(ctx.db, async (trx) => {
        const locked = (await repo.lockApplication(trx, application.id)) ?? application
        return pushTarget(trx, ctx, targetInput(locked, paramsOf(snapshot, useCase.kind, input), 'full'))
      })
    } catch (error) {
      const refused = error instanceof AppError ? error : fromDatabaseError(error)
      if (!refused) throw error
      report = { changes: [], counts: { created: 0, updated: 0, deleted: 0, kept: 0, conflicts: 0 }, problems: [asProblem(refused)] }
    }
    targets.push({
      applicationId: application.id,
      ...(application.user_id !== null && { userId: application.user_id }),
      organizationId: application.target_organization_id,
      fromVersion: application.version,
      toVersion: snapshot.version,
      changes: report.changes,
      problems: report.problems,
      wouldSucceed: report.problems.length === 0,
    })
  }
  return { message: 'Dry run', plan: { targets } }
}

function paramsOf(snapshot: SnapshotRow, kind: SnapshotKind, input: PushInput): PushParams {
  return {
    snapshotId: snapshot.id,
    snapshotKind: kind,
    snapshotName: snapshot.name,
    sourceOrgId: snapshot.source_org_id,
    version: snapshot.version,
    versionId: snapshot.version_id,
    ...mergeOptions(input),
  }
}

const targetInput = (application: ApplicationRow, params: PushParams, report: PushTargetInput['report']): PushTargetInput => ({
  application,
  report,
  snapshotKind: params.snapshotKind,
  sourceOrgId: params.sourceOrgId,
  to: { version: params.version, id: params.versionId },
  options: { conflictPolicy: params.conflictPolicy, removeDeleted: params.removeDeleted },
})

/**
 * Starts a push: the job, one queued task per target and the audit event in one
 * transaction (with the caller's Idempotency-Key hooks). Answers with the job.
 */
export async function startPush(ctx: AppContext, useCase: PushUseCase, input: PushInput, hooks?: TransactionHooks<unknown>) {
  await useCase.load(ctx.db) // 404 before anything else
  await prepareJobType(ctx, 'snapshot.push')
  return ctx.db.transaction().execute((trx) =>
    withHooks(trx, hooks, async () => {
      const snapshot = await atVersion(trx, await useCase.load(trx), input.version)
      const applications = await targetsOf(trx, useCase, snapshot, input)
      if (applications.length === 0) {
        throw unprocessable('Nothing to push', `No application of this snapshot that you may update stands on a version older than ${snapshot.version}`)
      }
      const params = paramsOf(snapshot, useCase.kind, input)
      const jobId = await createJob(
        ctx,
        trx,
        useCase.actor,
        'snapshot.push',
        { ...params },
        applications.map((a) => ({ applicationId: a.id, organizationId: a.target_organization_id })),
      )
      await recordSnapshotEvent(trx, 'snapshot.pushed', useCase.actor, snapshot, {
        jobId,
        details: { targets: applications.length, conflictPolicy: params.conflictPolicy, removeDeleted: params.removeDeleted },
      })
      return startedJob(ctx, jobId, trx)
    }),
  )
}

function isPushParams(params: Record<string, unknown>): params is Record<string, unknown> & PushParams {
  return typeof params.snapshotId === 'string' && typeof params.versionId === 'string' && typeof params.version === 'number'
}

/** A worker's work on one target of a push job, inside the target's transaction (runJobTarget). */
export async function pushJobTarget(trx: Tx, ctx: AppContext, target: JobTargetRow, job: JobRow): Promise<TargetChanges> {
  if (!isPushParams(job.params)) throw unprocessable('Invalid job', 'The job does not describe a push')
  const params = job.params
  try {
    const application = await repo.lockApplication(trx, target.application_id)
    if (!application) throw notFound('Application', 'The application was deleted with its organization')
    if (!(await repo.versionExists(trx, params.versionId))) {
      throw unprocessable('Snapshot version gone', 'The snapshot was deleted after the push started')
    }
    const report = await pushTarget(trx, ctx, targetInput(application, params, 'counts'))
    const problem = report.problems[0]
    if (problem) {
      throw new AppError('UNPROCESSABLE', problem.error, problem.message, {
        details: report.problems.length === 1 ? problem.details : report.problems,
      })
    }
    return report.counts
  } catch (error) {
    // A constraint of the target's data (a unique index the snapshot's rows collide with) refuses the target; nothing is written.
    // Deadlocks and serialization failures are not: they are thrown as they are, so the queue retries the target.
    const code = (error as { code?: unknown } | null)?.code
    const integrity = typeof code === 'string' && code.startsWith('23')
    throw error instanceof AppError || !integrity ? error : (fromDatabaseError(error) ?? error)
  }
}
