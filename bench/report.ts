import type { PushBenchResult } from './push.ts'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { HttpResults } from './http.ts'
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
  /** The issue 11 targets, through HTTP (absent with --http=0). */
  http?: HttpResults
  /** Issue 13: push per target against apply per target (absent with --push-items=0). */
  push?: PushBenchResult
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

/** The targets of issue 11, through HTTP. */
function httpVerdicts(http: HttpResults): Verdict[] {
  const { apply, listing, reads, large, embedded } = http
  const verdicts: Verdict[] = []
  const applyRatio = apply.apply.medianMs / apply.integrityFloor.medianMs
  verdicts.push({
    target: `apply through HTTP vs integrity floor (N=${count(apply.size)})`,
    limit: '≤ 1.1×',
    measured: times(applyRatio),
    met: applyRatio <= 1.1,
  })
  verdicts.push({
    target: `${reads.readers} concurrent GETs of a ${count(reads.size)}-item snapshot`,
    limit: 'all 200, RSS Δ ≤ 200 MB, /health p99 ≤ 100 ms',
    measured: `${reads.ok}/${reads.readers} ok, ${reads.rssGrowthMb.toFixed(0)} MB, ${reads.healthP99Ms.toFixed(0)} ms`,
    met: reads.ok === reads.readers && reads.failed === 0 && reads.rssGrowthMb <= 200 && reads.healthP99Ms <= 100,
  })
  verdicts.push({
    target: `GET /api/user-snapshots?limit=50 (${count(listing.visible)} visible) vs GET /api/user/profile, ${listing.connections} connections`,
    limit: '≥ 0.5× the throughput',
    measured: times(listing.medianRatio),
    met: listing.medianRatio >= 0.5,
  })
  if (large) {
    const worstRss = Math.max(large.captureRssGrowthMb, large.applyRssGrowthMb)
    verdicts.push({
      target: `capture and apply of ${count(large.size)} items: memory`,
      limit: 'RSS Δ ≤ 64 MB',
      measured: `${large.captureRssGrowthMb.toFixed(0)} / ${large.applyRssGrowthMb.toFixed(0)} MB`,
      met: worstRss <= 64,
    })
    const worstLinearity = Math.max(large.captureLinearity, large.applyLinearity)
    verdicts.push({
      target: `capture and apply of ${count(large.size)} items: time per item vs N=${count(apply.size)}`,
      limit: '≤ 1.1× (linear)',
      measured: `${times(large.captureLinearity)} / ${times(large.applyLinearity)}`,
      met: worstLinearity <= 1.1,
    })
  }
  verdicts.push({
    target: `diff of two ${count(http.diff.size)}-item versions, ${count(http.diff.changed)} changed`,
    limit: '< 1 s',
    measured: `${ms(http.diff.medianMs)} ms`,
    met: http.diff.medianMs < 1000,
  })
  if (embedded) {
    verdicts.push({
      target: `/health during ${embedded.applies} concurrent ${count(embedded.size)}-item applies`,
      limit: 'p99 < 250 ms',
      measured: `${embedded.healthP99Ms.toFixed(0)} ms`,
      met: embedded.healthP99Ms < 250,
    })
  }
  return verdicts
}

/** The targets of issue 5, judged at N = 10,000 (or the largest size measured), and those of issue 11. */
export function verdicts(results: readonly ScenarioResult[], listing: readonly ListingResult[], http?: HttpResults): Verdict[] {
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
  return http ? [...verdicts, ...httpVerdicts(http)] : verdicts
}

const timingCells = (t: { medianMs: number; minMs: number; maxMs: number }) => [ms(t.medianMs), `${ms(t.minMs)}–${ms(t.maxMs)}`]

/** The HTTP part's tables (issue 11). */
function formatHttp(http: HttpResults): string[] {
  const { apply, listing, reads, large, embedded } = http
  const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(' ')
  const rows: [string, { medianMs: number; minMs: number; maxMs: number }][] = [
    ['bare floor: tables with a primary key only, one INSERT…SELECT each', apply.bareFloor],
    ['integrity floor: + unique name per owner, one foreign key to the owner', apply.integrityFloor],
    ['the project’s own tables, same INSERT…SELECTs', apply.projectFloor],
    ['POST …/apply through HTTP (cross-org, mappings, new user)', apply.apply],
    ['POST /api/user-snapshots through HTTP (capture)', apply.capture],
  ]
  const lines = [
    '',
    `Through HTTP (issue 11). Load average before: ${load(http.loadAverage.before)}; after: ${load(http.loadAverage.after)}.`,
    '',
    table(
      ['N = ' + count(apply.size) + `, median of ${apply.runs}`, 'median ms', 'min–max ms', '× integrity floor', '× bare floor'],
      rows.map(([label, t]) => [
        label,
        ...timingCells(t),
        times(t.medianMs / apply.integrityFloor.medianMs),
        times(t.medianMs / apply.bareFloor.medianMs),
      ]),
      (i) => i > 0,
    ),
    '',
    table(
      ['round', 'profile req/s', 'profile p99 ms', 'list req/s', 'list p99 ms', 'list / profile'],
      listing.rounds.map((r, i) => [
        String(i + 1),
        r.profilePerSecond.toFixed(0),
        String(r.profileP99Ms),
        r.listPerSecond.toFixed(0),
        String(r.listP99Ms),
        times(r.listPerSecond / r.profilePerSecond),
      ]),
      (i) => i > 0,
    ),
    '',
    `${reads.readers} concurrent GETs of the ${count(reads.size)}-item snapshot: ${reads.ok} answered 200, ${reads.failed} failed, ` +
      `${reads.answerMb.toFixed(1)} MB each, all done in ${reads.seconds.toFixed(1)} s; server RSS growth ${reads.rssGrowthMb.toFixed(0)} MB; ` +
      `/health p99 ${reads.healthP99Ms.toFixed(0)} ms over ${reads.healthCalls} calls meanwhile.`,
    `GET …/diff between two ${count(http.diff.size)}-item versions with ${count(http.diff.changed)} items changed: ` +
      `median ${ms(http.diff.medianMs)} ms (${ms(http.diff.minMs)}–${ms(http.diff.maxMs)}) over ${http.diff.runs} runs, ${http.diff.answerKb.toFixed(0)} KB answer.`,
  ]
  if (large) {
    lines.push(
      `${count(large.size)} items: capture ${ms(large.captureMs)} ms (RSS Δ ${large.captureRssGrowthMb.toFixed(0)} MB, ` +
        `${times(large.captureLinearity)} the time per item at N=${count(apply.size)}), apply ${ms(large.applyMs)} ms ` +
        `(RSS Δ ${large.applyRssGrowthMb.toFixed(0)} MB, ${times(large.applyLinearity)}).`,
    )
  }
  if (embedded) {
    lines.push(
      `${embedded.applies} concurrent applies of ${count(embedded.size)} items: ${embedded.ok} answered 201 in ${ms(embedded.wallMs)} ms; ` +
        `/health p99 ${embedded.healthP99Ms.toFixed(0)} ms over ${embedded.healthCalls} calls meanwhile.`,
    )
  }
  return lines
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
    ...(report.http ? formatHttp(report.http) : []),
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
