import type { Command } from '@commander-js/extra-typings'
import { exitCodes, UsageError } from './errors.ts'

export type Action<A extends unknown[]> = (...args: A) => Promise<void>

/**
 * Runs an action; a UsageError it throws becomes commander's own usage error
 * (message, then the command's help, exit 2), like a bad option would.
 */
export function guarded<A extends unknown[]>(command: Command<any, any, any>, action: Action<A>): Action<A> { // eslint-disable-line @typescript-eslint/no-explicit-any -- any command
  return async (...args) => {
    try {
      await action(...args)
    } catch (error) {
      if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: exitCodes.usage, code: 'tether.usage' })
      throw error
    }
  }
}
