import { isPhoneNumber } from '../../shared/schemas.ts'
import { UsageError } from '../errors.ts'
import { readPassword } from '../prompts.ts'

/**
 * The commands that run the service itself or open its database. They read the
 * same environment as the server (src/config.ts), and load the runtime only once
 * their arguments are known to be good.
 */

const runtime = () => import('../../runtime.ts')

export async function serve(): Promise<void> {
  const { loadConfigOrExit, serve } = await runtime()
  await serve(loadConfigOrExit())
}

export async function worker(): Promise<void> {
  const { loadConfigOrExit, work } = await runtime()
  await work(loadConfigOrExit())
}

export async function migrate(): Promise<void> {
  const { loadConfigOrExit, openMigratedDatabase } = await runtime()
  const database = await openMigratedDatabase(loadConfigOrExit())
  await database.close()
  console.log('Database schema is up to date')
}

interface SuperadminOptions {
  email?: string
  password?: string
  passwordStdin?: boolean
  orgName?: string
  orgPhone?: string
}

export async function createSuperadmin(options: SuperadminOptions): Promise<void> {
  const { email } = options
  const orgName = options.orgName?.trim()
  const orgPhone = options.orgPhone?.trim()
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new UsageError('--email must be an email address')
  if (options.password !== undefined && options.passwordStdin) throw new UsageError('give --password or --password-stdin, not both')
  if (options.password !== undefined && options.password.length < 8) throw new UsageError('--password must be at least 8 characters')
  if (orgName !== undefined && (orgName.length === 0 || orgName.length > 200)) throw new UsageError('--org-name must be 1 to 200 characters')
  if (orgPhone !== undefined && !isPhoneNumber(orgPhone)) throw new UsageError('--org-phone must be +1 or +91 followed by 10 digits')
  const password = options.password ?? (await readPassword(options, `Password for ${email}`))
  if (password.length < 8) throw new UsageError('--password must be at least 8 characters')

  const { loadConfigOrExit, openMigratedDatabase } = await runtime()
  const { ensureSuperadmin } = await import('../../modules/platform/bootstrap.service.ts')
  const { createPasswordHasher } = await import('../../shared/passwords.ts')
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
}
