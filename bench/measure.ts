import type { LogEvent } from 'kysely'

/**
 * Timing, memory and statement accounting for one timed call. The statement
 * log is fed by Kysely's `log` hook, so it sees exactly what the engine sends.
 */

export interface Statement {
  sql: string
  ms: number
}

/** Collects the statements executed while recording is on. */
export class StatementLog {
  private current: Statement[] | null = null

  readonly onQuery = (event: LogEvent): void => {
    this.current?.push({ sql: event.query.sql, ms: event.queryDurationMillis })
  }

  start(): void {
    this.current = []
  }

  stop(): Statement[] {
    const statements = this.current ?? []
    this.current = null
    return statements
  }
}

export interface Sample {
  ms: number
  /** Highest RSS seen during the call minus RSS just before it. */
  rssGrowthBytes: number
  statements: Statement[]
}

const gc = (globalThis as { gc?: () => void }).gc

/**
 * Runs `work` once and measures it. RSS is sampled every millisecond while the
 * event loop is free (a database round trip frees it; PGlite's WASM work does
 * not, so there the samples land between statements) and once at the end.
 */
export async function measure<T>(log: StatementLog, work: () => Promise<T>): Promise<{ sample: Sample; value: T }> {
  gc?.()
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }, 1)
  log.start()
  const started = performance.now()
  let value: T
  try {
    value = await work()
  } finally {
    clearInterval(sampler)
  }
  const ms = performance.now() - started
  const statements = log.stop()
  peak = Math.max(peak, process.memoryUsage.rss())
  return { sample: { ms, rssGrowthBytes: peak - baseline, statements }, value }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export const median = (values: readonly number[]) => percentile(values, 50)

export interface Summary {
  runs: number
  medianMs: number
  minMs: number
  maxMs: number
  peakRssGrowthMb: number
  /** Statements of the median run; the same for every run of a set-based engine. */
  statementCount: number
  /** The slowest statements of the median run, for finding out where the time goes. */
  slowestStatements: Statement[]
}

export function summarize(samples: readonly Sample[]): Summary {
  const times = samples.map((s) => s.ms)
  const medianMs = median(times)
  const medianRun = samples.find((s) => s.ms === medianMs)!
  return {
    runs: samples.length,
    medianMs,
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    peakRssGrowthMb: Math.max(...samples.map((s) => s.rssGrowthBytes)) / 2 ** 20,
    statementCount: medianRun.statements.length,
    slowestStatements: [...medianRun.statements]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((s) => ({ sql: s.sql.replace(/\s+/g, ' ').trim().slice(0, 160), ms: Math.round(s.ms * 100) / 100 })),
  }
}
