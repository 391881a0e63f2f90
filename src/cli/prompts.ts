import { confirm as confirmPrompt, isCancel, password as passwordPrompt, text as textPrompt } from '@clack/prompts'
import { CommandFailure, UsageError } from './errors.ts'

/**
 * Questions asked at a terminal. Prompts draw on stderr, so stdout carries only
 * results; without a terminal nothing is ever asked and a missing answer is a
 * usage error naming the option that gives it.
 */

export const interactive = (): boolean => process.stdin.isTTY === true && process.stderr.isTTY === true

function answered<T>(value: T | symbol): Exclude<T, symbol> {
  if (isCancel(value)) throw new CommandFailure('Cancelled')
  return value as Exclude<T, symbol>
}

export async function askText(message: string, validate?: (value: string) => string | undefined): Promise<string> {
  return answered(
    await textPrompt({
      message,
      output: process.stderr,
      validate: (value) => validate?.((value ?? '').trim()),
    }),
  ).trim()
}

export async function askSecret(message: string, options: { optional?: boolean } = {}): Promise<string> {
  return answered(
    await passwordPrompt({
      message,
      output: process.stderr,
      validate: (value) => (!options.optional && !value ? 'Required' : undefined),
    }),
  )
}

export async function confirm(message: string): Promise<boolean> {
  return answered(await confirmPrompt({ message, output: process.stderr, initialValue: false }))
}

let stdinText: Promise<string> | undefined

/** All of standard input (read once). */
export function readStdin(): Promise<string> {
  stdinText ??= (async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  })()
  return stdinText
}

/** A password from --password-stdin (its first line), a hidden prompt on a terminal, or a usage error. */
export async function readPassword(options: { passwordStdin?: boolean }, message: string, flag = '--password-stdin'): Promise<string> {
  if (options.passwordStdin) {
    const line = (await readStdin()).split(/\r?\n/, 1)[0] ?? ''
    if (!line) throw new UsageError(`${flag} was given but standard input was empty`)
    return line
  }
  if (!interactive()) throw new UsageError(`no terminal to ask for the password: pass it on standard input with ${flag}`)
  return askSecret(message)
}
