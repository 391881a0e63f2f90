import { SingleBar } from 'cli-progress'
import { err, note } from './output.ts'

/**
 * Progress of a long command (export, import, jobs wait), on stderr so stdout
 * keeps only the result. On a terminal a live bar drawn by cli-progress; without
 * one (CI, a pipe, a log file) plain lines, so a log shows how far it got
 * without a line for every chunk.
 */

export interface Progress {
  /** The new value (and total, once known); `text` describes it in words. */
  update(value: number, total: number | undefined, text: string): void
  /** Ends the bar (or the lines); `summary` is the last line, on stderr. */
  stop(summary?: string): void
}

interface ProgressOptions {
  /** What is in progress, e.g. "Export" or "Job 65f…". */
  label: string
  /** Without a terminal: at most one line per this many ms (0: a line for every change of `text`). */
  lineEveryMs: number
}

export const onTerminal = (): boolean => process.stderr.isTTY === true && process.env.TERM !== 'dumb'

export function startProgress(options: ProgressOptions): Progress {
  return onTerminal() ? terminalProgress(options) : lineProgress(options)
}

function terminalProgress({ label }: ProgressOptions): Progress {
  const width = 30
  const bar = new SingleBar({
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    // Redrawn at most 10 times a second however often update() is called.
    fps: 10,
    barsize: width,
    format: (_options, params, payload: { text?: string }) => {
      // Without a total (a streamed download) only the counter moves.
      const drawn = params.total > 0 ? Math.round(Math.min(1, params.value / params.total) * width) : -1
      const gauge = drawn < 0 ? '' : `${'\u2588'.repeat(drawn)}${err.dim('\u2591'.repeat(width - drawn))} `
      return `${err.bold(label)} ${gauge}${payload.text ?? ''}`
    },
  })
  bar.start(0, 0, { text: '' })
  return {
    update(value, total, text) {
      if (total !== undefined && total !== bar.getTotal()) bar.setTotal(total)
      bar.update(value, { text })
    },
    stop(summary) {
      bar.stop()
      if (summary) note(summary)
    },
  }
}

function lineProgress({ label, lineEveryMs }: ProgressOptions): Progress {
  let last = ''
  // Throttled lines start after one interval: a quick transfer prints none, only its result.
  let lastAt = lineEveryMs > 0 ? Date.now() : 0
  let pending = ''
  return {
    update(_value, _total, text) {
      if (text === last) return
      const now = Date.now()
      if (lineEveryMs > 0 && now - lastAt < lineEveryMs) {
        pending = text
        return
      }
      note(`${label}: ${text}`)
      last = text
      lastAt = now
      pending = ''
    },
    stop(summary) {
      // The last state when earlier ones were printed and it was held back, unless the summary says it all.
      if (pending && last && !summary) note(`${label}: ${pending}`)
      if (summary) note(summary)
    },
  }
}

const units = ['B', 'KiB', 'MiB', 'GiB']

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** "1.5 MiB of 3.0 MiB (50%)", or "1.5 MiB" while the total is unknown. */
export function bytesText(done: number, total: number | undefined): string {
  if (!total) return formatBytes(done)
  return `${formatBytes(done)} of ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)`
}
