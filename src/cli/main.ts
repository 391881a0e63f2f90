import { parseArgs } from 'node:util'
import { ensureSuperadmin } from '../modules/platform/bootstrap.service.ts'
import { loadConfigOrExit, openMigratedDatabase, serve } from '../runtime.ts'
import { createPasswordHasher } from '../shared/passwords.ts'

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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(loadConfigOrExit())
    case 'migrate': {
      const database = await openMigratedDatabase(loadConfigOrExit())
      await database.close()
      console.log('Database schema is up to date')
      return
    }
    case 'create-superadmin': {
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: 'string' },
          password: { type: 'string' },
          'org-name': { type: 'string' },
          'org-phone': { type: 'string' },
        },
        strict: true,
      })
      if (!values.email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email)) fail('--email must be an email address')
      if (!values.password || values.password.length < 8) fail('--password must be at least 8 characters')
      const config = loadConfigOrExit()
      const orgPhone = values['org-phone'] ?? config.bootstrap?.orgPhone ?? '+10000000000'
      if (!/^(\+1|\+91)\d{10}$/.test(orgPhone)) fail('--org-phone must be +1 or +91 followed by 10 digits')
      const database = await openMigratedDatabase(config)
      try {
        const result = await ensureSuperadmin(database.db, createPasswordHasher(config.passwordHash), {
          email: values.email,
          password: values.password,
          orgName: values['org-name'] ?? config.bootstrap?.orgName ?? 'Platform',
          orgPhone,
        })
        console.log(
          result.created
            ? `Created SUPERADMIN ${values.email} (user ${result.userId}) in organization ${result.organizationId}`
            : `A user with the email ${values.email} already exists (user ${result.userId}); nothing changed`,
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
