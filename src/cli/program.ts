import { Command, CommanderError } from '@commander-js/extra-typings'
import { CommandFailure, exitCodes, ServerError } from './errors.ts'
import { guarded } from './guard.ts'
import { err } from './output.ts'
import { defaultUrl } from './defaults.ts'
import { addRemoteCommands } from './remote-program.ts'

/**
 * The `tether-relay` command tree. Only definitions live here: each action imports
 * its implementation when it runs, so --help and usage errors answer at once and
 * never load the runtime (Fastify, PGlite, argon2) or touch a database.
 */

const service = () => import('./commands/service.ts')

export function buildProgram(): Command {
  const program = new Command('tether-relay')
    .usage('<command> [options]')
    .description('Tether Relay, the snapshot service, and its command line')
    .showHelpAfterError()
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText(
      'after',
      `
serve, worker, migrate and create-superadmin read the same environment variables as the
server, so they act on its database. The other commands talk to a running server:
--url or TETHER_RELAY_URL (default ${defaultUrl}), with the token kept by login
or TETHER_RELAY_TOKEN; --json prints machine-readable output.
Exit codes: 0 success, 1 failure, 2 usage error.`,
    )

  program.command('serve').description('Start the API server (same as npm start)').action(async () => (await service()).serve())

  program
    .command('worker')
    .description('Run background jobs (pushes) without serving the API; WORKERS sets how many targets at once (default 1)')
    .action(async () => (await service()).worker())

  program
    .command('migrate')
    .description('Bring the database schema up to date and exit')
    .action(async () => (await service()).migrate())

  const superadmin = program
    .command('create-superadmin')
    .description('Create the platform organization and a SUPERADMIN in it (idempotent)')
    .option('--email <email>', 'email of the superadmin (required)')
    .option('--password <password>', 'password, at least 8 characters (or --password-stdin)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--org-name <name>', 'platform organization name (default: BOOTSTRAP_ORG_NAME or "Platform")')
    .option('--org-phone <phone>', 'platform organization phone (default: BOOTSTRAP_ORG_PHONE or +10000000000)')
  superadmin.action(guarded(superadmin, async (options) => (await service()).createSuperadmin(options)))

  addRemoteCommands(program)

  return program
}

/** Parses and runs; returns the exit code (the serve command returns once it listens). */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return exitCodes.success
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help that was asked for exits 0; every other parse error, and help shown for a missing command, is a usage error.
      return error.exitCode === 0 ? exitCodes.success : exitCodes.usage
    }
    if (error instanceof ServerError) {
      // Scripts asking for JSON get the server's error body on stdout too.
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(error.body, null, 2)}\n`)
      process.stderr.write(`${err.red(`${error.body.error}:`)} ${error.body.message}\n`)
      if (error.body.details !== undefined) process.stderr.write(`${formatDetails(error.body.details)}\n`)
      if (error.hint) process.stderr.write(`${error.hint}\n`)
      return exitCodes.failure
    }
    if (error instanceof CommandFailure) {
      process.stderr.write(`${err.red('error:')} ${error.message}\n`)
      if (error.detail) process.stderr.write(`${error.detail}\n`)
      return exitCodes.failure
    }
    process.stderr.write(`${err.red('error:')} ${error instanceof Error ? error.message : String(error)}\n`)
    return exitCodes.failure
  }
}

/** Validation details as `  body/newUser/email: must match format "email"` lines; anything else as JSON. */
function formatDetails(details: unknown): string {
  if (Array.isArray(details)) {
    return details
      .map((d: unknown) => {
        if (d && typeof d === 'object' && 'message' in d) {
          const { location, path, message } = d as { location?: string; path?: string; message: string }
          const where = [location, path].filter(Boolean).join(' ')
          return `  ${where ? `${where}: ` : ''}${message}`
        }
        return `  ${JSON.stringify(d)}`
      })
      .join('\n')
  }
  return `  ${JSON.stringify(details)}`
}
