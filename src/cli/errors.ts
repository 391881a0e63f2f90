/**
 * How a command fails. A usage error (exit 2) is the caller's mistake in how the
 * command was called, and prints the command's help; a failure (exit 1) is
 * everything else: a server answer, an unreachable server, a file that is not there.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export class CommandFailure extends Error {
  override readonly name = 'CommandFailure'
  constructor(
    message: string,
    /** Printed under the message (the server's details, a hint). */
    readonly detail?: string,
  ) {
    super(message)
  }
}

/** An error answer of the server: its status and the `{error, message, details}` body. */
export class ServerError extends CommandFailure {
  /** What to do about it, when the CLI knows (sign in again, …). */
  hint?: string
  constructor(
    readonly status: number,
    readonly body: { error: string; message: string; details?: unknown },
  ) {
    super(`${body.error}: ${body.message}`)
  }
}

export const exitCodes = { success: 0, failure: 1, usage: 2 } as const
