import Table from 'cli-table3'
import pc from 'picocolors'

/**
 * Everything a command prints. Results go to stdout (JSON with --json, else text
 * and tables for people); prompts, progress and errors go to stderr, so
 * `--json | jq` always sees clean JSON.
 */

export type Colors = ReturnType<typeof pc.createColors>

/** Colour when the stream is a terminal, unless NO_COLOR; FORCE_COLOR forces it. */
export function colorsFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Colors {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0'
  const enabled = !('NO_COLOR' in env) && (forced || (stream.isTTY === true && env.TERM !== 'dumb'))
  return pc.createColors(enabled)
}

export const out = colorsFor(process.stdout)
export const err = colorsFor(process.stderr)

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

export function print(text = ''): void {
  process.stdout.write(`${text}\n`)
}

/** A note for the person at the terminal (stderr): never mixed into the results. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** A borderless table, columns separated by two spaces (like kubectl or gh). */
export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({
    head: head.map((h) => out.bold(h)),
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  })
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? out.dim('-') : String(cell))))
  return t
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
}

/** `key  value` lines with the keys aligned. */
export function fields(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([key]) => key.length))
  return pairs
    .map(([key, value]) => `${out.dim(`${key}:`.padEnd(width + 1))}  ${value === null || value === undefined || value === '' ? out.dim('-') : value}`)
    .join('\n')
}

/** `3 automations, 1 prompt, 0 templates` from a counts object. */
export function counts(values: Record<string, unknown> | undefined): string {
  if (!values) return '-'
  return Object.entries(values)
    .filter(([, n]) => typeof n === 'number')
    .map(([kind, n]) => `${n as number} ${n === 1 ? singular(kind) : kind}`)
    .join(', ')
}

function singular(kind: string): string {
  if (kind === 'dynamicProperties') return 'dynamic properties'
  return kind.endsWith('s') ? kind.slice(0, -1) : kind
}

/** ISO timestamp → `2026-11-29 13:38` (UTC), the form a table has room for. */
export function shortTime(iso: string | null | undefined): string | undefined {
  if (!iso) return undefined
  return iso.replace('T', ' ').slice(0, 16)
}
