import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { ListingResult } from './listing.ts'
import type { Summary } from './measure.ts'

/** Turns measurements into the verdicts, the printed tables and the JSON file. */

export interface ScenarioResult extends Summary {
  key: string
  label: string
  size: number
  itemsPerSecond: number
  /** Median time over the floor's median time at the same size. */
  ratioToFloor: number
}

export interface Verdict {
  target: string
  limit: string
  measured: string
  met: boolean
}

export interface BenchReport {
  startedAt: string
  durationSeconds: number
  database: { kind: 'pg' | 'pglite'; serverVersion: string }
  machine: { cpus: number; cpuModel: string; ramGb: number; node: string; platform: string }
  options: { sizes: number[]; runs: number; listVisible: number; listCalls: number; itemBytes: Record<string, number> }
  /** argon2id with the production parameters; paid once per apply, before its transaction (see docs). */
  productionPasswordHashMs: number
  results: ScenarioResult[]
  listing: ListingResult[]
  verdicts: Verdict[]
}

export function machine(): BenchReport['machine'] {
  const cpu = cpus()
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    ramGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

const times = (ratio: number) => `${ratio.toFixed(2)}×`
const count = (n: number) => n.toLocaleString('en-US')

/** The targets of issue 5, judged at N = 10,000 (or the largest size measured). */
export function verdicts(results: readonly ScenarioResult[], listing: readonly ListingResult[]): Verdict[] {
  const size = Math.max(...results.map((r) => r.size))
  const at = (key: string) => results.find((r) => r.key === key && r.size === size)
  const verdicts: Verdict[] = []
  const ratio = (key: string, label: string) => {
    const result = at(key)
    if (result) verdicts.push({ target: `${label} (N=${count(size)})`, limit: '≤ 3× floor', measured: times(result.ratioToFloor), met: result.ratioToFloor <= 3 })
  }
  ratio('applyUserSnapshot', 'apply, cross-org with mappings')
  ratio('createUserSnapshot', 'create user snapshot')
  ratio('applyOrgSnapshot', 'org apply with a first user')
  const dryRun = at('dryRunUserSnapshot')
  const apply = at('applyUserSnapshot')
  if (dryRun && apply) {
    const r = dryRun.medianMs / apply.medianMs
    verdicts.push({ target: `dry run (N=${count(size)})`, limit: '≤ 1× apply', measured: times(r), met: r <= 1 })
  }
  const service = results.filter((r) => r.size === size && r.key !== 'floor' && r.key !== 'naiveLoop')
  if (service.length > 0) {
    const worst = service.reduce((a, b) => (b.peakRssGrowthMb > a.peakRssGrowthMb ? b : a))
    verdicts.push({
      target: `peak RSS growth (N=${count(size)})`,
      limit: '≤ 200 MB',
      measured: `${worst.peakRssGrowthMb.toFixed(1)} MB (${worst.label})`,
      met: worst.peakRssGrowthMb <= 200,
    })
  }
  const paged = listing.filter((l) => l.paged)
  if (paged.length > 0) {
    const worst = paged.reduce((a, b) => (b.p50Ms > a.p50Ms ? b : a))
    verdicts.push({
      target: `list ${count(worst.visible)} visible, paged by 50 (slowest case)`,
      limit: 'p50 ≤ 20 ms',
      measured: `${worst.p50Ms.toFixed(2)} ms (${worst.actor}, ${count(worst.visible)} of ${count(worst.catalogue)})`,
      met: worst.p50Ms <= 20,
    })
  }
  return verdicts
}

function table(header: string[], rows: string[][], rightAligned: (column: number) => boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    '| ' + cells.map((c, i) => (rightAligned(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |'
  const rule = '|' + widths.map((w, i) => (rightAligned(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|'
  return [line(header), rule, ...rows.map(line)].join('\n')
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1))

/** Markdown tables, so the output can be pasted into docs/performance.md as it is. */
export function formatReport(report: BenchReport): string {
  const { database, machine: m } = report
  const scenarioRows = report.results.map((r) => [
    r.label,
    count(r.size),
    ms(r.medianMs),
    `${ms(r.minMs)}–${ms(r.maxMs)}`,
    count(Math.round(r.itemsPerSecond)),
    times(r.ratioToFloor),
    r.peakRssGrowthMb.toFixed(1),
    String(r.statementCount),
  ])
  const listingRows = report.listing.map((l) => [
    l.actor,
    `${count(l.visible)} of ${count(l.catalogue)}`,
    l.paged ? 'limit 50 (every page)' : 'all',
    String(l.calls),
    l.p50Ms.toFixed(2),
    l.p99Ms.toFixed(2),
    String(l.statementsPerCall),
    l.readsItemBodies ? 'YES' : 'no',
  ])
  return [
    `Database: ${database.kind === 'pg' ? 'PostgreSQL' : 'PGlite (in memory)'} — ${database.serverVersion}`,
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.ramGb} GB RAM, Node ${m.node}, ${m.platform}`,
    `Median of ${report.options.runs} runs after a warm-up; RSS growth is the peak over all runs.`,
    '',
    table(
      ['scenario', 'N', 'median ms', 'min–max ms', 'items/s', '× floor', 'peak RSS Δ MB', 'statements'],
      scenarioRows,
      (i) => i > 0,
    ),
    '',
    table(['listing as', 'visible', 'paging', 'calls', 'p50 ms', 'p99 ms', 'statements', 'item bodies'], listingRows, (i) => i >= 3 && i <= 6),
    '',
    `argon2id hash with production parameters (once per apply, before the transaction; not in the rows above): ${ms(report.productionPasswordHashMs)} ms`,
    '',
    table(
      ['target', 'limit', 'measured', 'verdict'],
      report.verdicts.map((v) => [v.target, v.limit, v.measured, v.met ? 'met' : 'MISSED']),
      () => false,
    ),
  ].join('\n')
}

export function writeReport(report: BenchReport, directory: string): string {
  mkdirSync(directory, { recursive: true })
  const path = join(directory, `${report.startedAt.replace(/[:.]/g, '-')}-${report.database.kind}.json`)
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n')
  return path
}
