import type { Body } from './api.ts'
import { counts, out, print, table } from './output.ts'

/** The dry-run plan (SPEC §7.1) for people: what would be created, how references resolve, what would fail. */

type Plan = Body<'post_user_snapshot_apply', 200>['plan']

export function printPlan(plan: Plan, result: { cloned?: Record<string, unknown>; skipped?: Record<string, unknown>; mapped?: Record<string, unknown> }): void {
  print(
    plan.wouldSucceed
      ? out.green(out.bold('Dry run: the apply would succeed.'))
      : out.red(out.bold(`Dry run: the apply would fail (${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}).`)),
  )
  print(`Would clone: ${counts(result.cloned)}`)
  if (result.mapped && Object.values(result.mapped).some((n) => typeof n === 'number' && n > 0)) print(`Would map: ${counts(result.mapped)}`)
  if (result.skipped && Object.values(result.skipped).some((n) => typeof n === 'number' && n > 0)) print(`Would skip: ${counts(result.skipped)}`)

  if (plan.problems.length > 0) {
    print(`\n${out.red(out.bold('Problems'))}`)
    for (const problem of plan.problems) {
      print(`  ${out.red(`${problem.status} ${problem.error}:`)} ${problem.message}`)
      for (const line of detailLines(problem.details)) print(`      ${line}`)
    }
  }
  if (plan.warnings.length > 0) {
    print(`\n${out.yellow(out.bold('Warnings'))}`)
    for (const warning of plan.warnings) print(`  ${out.yellow('!')} ${warning.message}`)
  }

  if (plan.items.length > 0) {
    print(`\n${out.bold('Items')} ${out.dim(`(${plan.items.length})`)}`)
    print(table(['ACTION', 'KIND', 'NAME'], plan.items.map((i) => [i.action === 'skip' ? out.dim(i.action) : i.action, i.kind, i.name])))
  }
  if (plan.references.length > 0) {
    print(`\n${out.bold('References')} ${out.dim(`(${plan.references.length})`)}`)
    print(
      table(
        ['AUTOMATION', 'FIELD', 'FROM', 'TO', 'RESOLVED BY'],
        plan.references.map((r) =>
          r.resolvedBy === 'unresolved'
            ? [r.automationName, r.field, r.from, out.red('(none)'), out.red(out.bold('UNRESOLVED'))]
            : [r.automationName, r.field, r.from, typeof r.to === 'object' && r.to !== null ? `${r.to.newAgent} (new agent)` : r.to, r.resolvedBy],
        ),
      ),
    )
  }
}

/** A problem's details, one line each: validation entries, unresolved references, or JSON. */
function detailLines(details: unknown): string[] {
  if (details === undefined || details === null) return []
  const entries: unknown[] = Array.isArray(details)
    ? (details as unknown[])
    : typeof details === 'object'
      ? Object.values(details as Record<string, unknown>).flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]))
      : [details]
  return entries.slice(0, 20).map(describe).concat(entries.length > 20 ? [out.dim(`… and ${entries.length - 20} more`)] : [])
}

function describe(entry: unknown): string {
  if (typeof entry === 'string') return entry
  if (entry && typeof entry === 'object') {
    const e = entry as Record<string, unknown>
    if (typeof e.message === 'string') return e.message
    if (typeof e.automationName === 'string') {
      return `${e.automationName}: ${String(e.field)} ${JSON.stringify(e.value ?? e.target)}${e.target !== undefined && e.value !== undefined ? ` → ${JSON.stringify(e.target)}` : ''}`
    }
  }
  return JSON.stringify(entry)
}
