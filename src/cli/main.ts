import { parseArgs } from 'node:util'
import { isPhoneNumber } from '../shared/schemas.ts'

/**
 * The runtime (Fastify, PGlite, argon2) is imported only by the commands that need
 * it, so usage errors and --help answer at once and never touch a database.
 */
const runtime = () => import('../runtime.ts')

const usage = `Usage: tether-relay <command> [options]   (or: npm run cli -- <command> [options])

Commands:
  serve                         Start the API server (same as npm start)
  migrate                       Bring the database schema up to date and exit
  create-superadmin             Create the platform organization and a SUPERADMIN (idempotent)
      --email <email>           required
      --password <password>     required, at least 8 characters
      --org-name <name>         platform organization name (default: BOOTSTRAP_ORG_NAME or "Platform")
      --org-phone <phone>       platform organization phone (default: BOOTSTRAP_ORG_PHONE or +10000000000)

The database and secrets come from the same environment variables as the server (see README).`

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`)
  process.exit(2)
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        'org-name': { type: 'string' },
        'org-phone': { type: 'string' },
      },
      strict: true,
    }).values
  } catch (error) {
    // Unknown options, missing values and stray arguments are usage errors too.
    fail(error instanceof Error ? error.message : String(error))
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': {
      const { loadConfigOrExit, serve } = await runtime()
      return serve(loadConfigOrExit())
    }
    case 'migrate': {
      const { loadConfigOrExit, openMigratedDatabase } = await runtime()
      const database = await openMigratedDatabase(loadConfigOrExit())
      await database.close()
      console.log('Database schema is up to date')
      return
    }
    case 'create-superadmin': {
      const values = parseOptions(rest)
      const { email, password } = values
      const orgName = values['org-name']?.trim()
      const orgPhone = values['org-phone']?.trim()
      if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) fail('--email must be an email address')
      if (!password || password.length < 8) fail('--password must be at least 8 characters')
      if (orgName !== undefined && (orgName.length === 0 || orgName.length > 200)) fail('--org-name must be 1 to 200 characters')
      if (orgPhone !== undefined && !isPhoneNumber(orgPhone)) fail('--org-phone must be +1 or +91 followed by 10 digits')

      const { loadConfigOrExit, openMigratedDatabase } = await runtime()
      const { ensureSuperadmin } = await import('../modules/platform/bootstrap.service.ts')
      const { createPasswordHasher } = await import('../shared/passwords.ts')
      const config = loadConfigOrExit()
      const database = await openMigratedDatabase(config)
      try {
        const result = await ensureSuperadmin(database.db, createPasswordHasher(config.passwordHash), {
          email,
          password,
          orgName: orgName ?? config.platformOrganization.name,
          orgPhone: orgPhone ?? config.platformOrganization.phone,
        })
        console.log(
          result.created
            ? `Created SUPERADMIN ${email} (user ${result.userId}) in organization ${result.organizationId}`
            : `A user with the email ${email} already exists (user ${result.userId}); nothing changed`,
        )
      } finally {
        await database.close()
      }
      return
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage)
      return
    default:
      fail(`Unknown command: ${command}`)
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
