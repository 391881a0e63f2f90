import closeWithGrace from 'close-with-grace'
import { buildApp, type App } from './app.ts'
import { reportStartup } from './startup-report.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { openDatabase, type DatabaseHandle } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import { ensureSuperadmin } from './modules/platform/bootstrap.service.ts'
import { createPasswordHasher } from './shared/passwords.ts'

/** Opens the database and brings its schema up to date. */
export async function openMigratedDatabase(config: Config): Promise<DatabaseHandle> {
  const database = await openDatabase(config.database)
  try {
    await migrateToLatest(database.db)
  } catch (error) {
    await database.close()
    throw error
  }
  return database
}

/** Everything `npm start` does before listening: database, migrations, bootstrap, app. */
export async function startService(config: Config): Promise<{ app: App; database: DatabaseHandle }> {
  const database = await openMigratedDatabase(config)
  const app = await buildApp({ config, database })
  if (config.bootstrap) {
    const result = await ensureSuperadmin(database.db, createPasswordHasher(config.passwordHash), {
      ...config.bootstrap,
      orgName: config.platformOrganization.name,
      orgPhone: config.platformOrganization.phone,
    })
    app.log.info(
      { userId: result.userId, organizationId: result.organizationId },
      result.created ? 'bootstrap superadmin created' : 'bootstrap superadmin already exists',
    )
  }
  return { app, database }
}

/** Serve until SIGTERM/SIGINT, then let in-flight requests finish and close the database. */
export async function serve(config: Config): Promise<void> {
  const { app, database } = await startService(config)
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
    await database.close()
  })
  await app.listen({ port: config.port, host: config.host })
  await reportStartup(app)
}

/** Configuration problems are the operator's to fix: say what is wrong and exit non-zero. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`)
      process.exit(1)
    }
    throw error
  }
}
