import { InvalidArgumentError, Option, type Command, type OptionValues } from '@commander-js/extra-typings'
import { defaultUrl } from './defaults.ts'

/** Options and argument parsers shared by the commands that talk to a running server. */

export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number.')
  return Number(value)
}

/** Seconds, fractions allowed (0.5). */
export function seconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) throw new InvalidArgumentError('must be a number of seconds above 0.')
  return Number(value)
}

/** `--version N` of the routes that take `?version=` (default: the latest). */
export function version(description: string) {
  return new Option('--version <n>', `${description} (default: the latest)`).argParser(versionNumber)
}

function versionNumber(value: string): number {
  const n = integer(value)
  if (n < 1) throw new InvalidArgumentError('must be a version number, 1 or more.')
  return n
}

/** Options of every command that talks to a running server. */
export function remote<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .addOption(new Option('--url <url>', `server URL (default: ${defaultUrl})`).env('TETHER_RELAY_URL'))
    .option('--json', 'print machine-readable JSON on stdout')
}
