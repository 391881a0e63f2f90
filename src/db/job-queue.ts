import { CompiledQuery, type Kysely } from 'kysely'
import PgBoss from 'pg-boss'
import type { DatabaseHandle } from './connect.ts'
import type { Executor } from './database.ts'
import { runScript } from './script.ts'

/**
 * The durable queue behind background jobs: pg-boss, a maintained PostgreSQL-backed
 * queue (FOR UPDATE SKIP LOCKED, retries, expiry of tasks whose process died). It
 * runs on both backends because every statement it sends goes through our Kysely
 * executor (pg-boss's documented `db.executeSql` hook):
 * - PostgreSQL: the pool, like every other query;
 * - PGlite: the single connection, in turn with our own transactions (Kysely holds
 *   the connection for a transaction's whole length, so pg-boss's polling never
 *   runs inside one of them); its multi-statement scripts go to PGlite's exec().
 * A task is enqueued inside the caller's transaction: it exists if and only if the
 * transaction commits.
 */

export interface QueueTask {
  /** pg-boss's task id (a UUID). */
  id: string
  data: Record<string, unknown>
  /** How many times the task was started before this run (after a crash or an error). */
  retryCount: number
  retryLimit: number
}

export interface QueueOptions {
  /** Seconds a started task may run before it is handed to another worker. */
  taskTimeoutSeconds: number
  /** Attempts after the first one (a crash or an unexpected error). */
  retryLimit?: number
  /** How often an idle worker looks for tasks. */
  pollingIntervalSeconds?: number
}

export interface JobQueue {
  /**
   * Starts pg-boss (installing or upgrading its schema) and makes `queue` exist;
   * idempotent. Call it outside transactions, before enqueueing into `queue`.
   */
  prepare(queue: string): Promise<void>
  /** Adds tasks to a prepared `queue` inside `trx` (one statement for any number of tasks). */
  enqueue(trx: Executor, queue: string, tasks: readonly Record<string, unknown>[]): Promise<void>
  /** Runs `handler` for tasks of `queue`, `concurrency` at once; a handler that throws is retried. */
  work(queue: string, concurrency: number, handler: (task: QueueTask) => Promise<void>): Promise<void>
  /** Stops fetching, lets running handlers finish (up to `timeoutMs`), stops supervision. */
  stop(timeoutMs?: number): Promise<void>
}

type SqlResult = { rows: unknown[]; rowCount: number }

/** pg-boss's `db` hook over a Kysely executor. */
function executorFor(db: Executor | Kysely<unknown>) {
  return {
    async executeSql(text: string, values?: unknown[]): Promise<SqlResult> {
      if ((values === undefined || values.length === 0) && /;\s*\S/.test(text.trim())) {
        // A script of several statements (pg-boss's schema, its locked maintenance commands):
        // PostgreSQL's simple protocol, PGlite's exec(). pg-boss reads no rows from them.
        await runScript(db, text)
        return { rows: [], rowCount: 0 }
      }
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []))
      // A command without rows (pg's result of a multi-statement text) has none rather than undefined.
      const rows: unknown[] = Array.isArray(result.rows) ? result.rows : []
      return { rows, rowCount: Number(result.numAffectedRows ?? rows.length) }
    },
  }
}

export function createJobQueue(database: DatabaseHandle, options: QueueOptions): JobQueue {
  const timeout = Math.max(1, Math.round(options.taskTimeoutSeconds))
  const boss = new PgBoss({
    db: executorFor(database.db),
    schedule: false,
    supervise: true,
    // The expiry check (a task whose process died) runs at least as often as a task may last.
    maintenanceIntervalSeconds: Math.min(60, timeout),
    monitorStateIntervalSeconds: Math.min(60, timeout),
  })
  // pg-boss reports failures of its own background work here; they are retried on the next tick.
  boss.on('error', () => {})
  const queues = new Set<string>()
  let started: Promise<void> | undefined
  let stopped = false

  const ready = () => {
    started ??= boss.start().then(() => undefined)
    return started
  }
  const ensureQueue = async (queue: string) => {
    if (queues.has(queue)) return
    await ready()
    if (!(await boss.getQueue(queue))) {
      try {
        await boss.createQueue(queue, { name: queue, policy: 'standard' })
      } catch (error) {
        // Another process created it between the check and here.
        if (!(await boss.getQueue(queue))) throw error
      }
    }
    queues.add(queue)
  }

  return {
    prepare: ensureQueue,
    async enqueue(trx, queue, tasks) {
      if (tasks.length === 0) return
      if (!queues.has(queue)) throw new Error(`queue ${queue} is not ready: prepare() it first`)
      await boss.insert(
        tasks.map((data) => ({
          name: queue,
          data,
          retryLimit: options.retryLimit ?? 5,
          retryDelay: 1,
          retryBackoff: true,
          expireInSeconds: timeout,
        })),
        { db: executorFor(trx) },
      )
    },
    async work(queue, concurrency, handler) {
      await ensureQueue(queue)
      const poll = options.pollingIntervalSeconds ?? 0.5
      for (let i = 0; i < concurrency; i++) {
        await boss.work(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: poll }, async ([job]) => {
          if (!job) return
          await handler({
            id: job.id,
            data: job.data as Record<string, unknown>,
            retryCount: job.retryCount,
            retryLimit: job.retryLimit,
          })
        })
      }
    },
    async stop(timeoutMs = 10_000) {
      if (stopped || !started) return
      stopped = true
      await started.catch(() => undefined)
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs })
    },
  }
}

