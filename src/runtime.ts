import closeWithGrace from 'close-with-grace'
import { buildApp, createContext, type App } from './app.ts'
import { reportStartup } from './startup-report.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { openDatabase, type DatabaseHandle } from './db/connect.ts'
import { migrateToLatest } from './db/migrate.ts'
import { startWorkers } from './modules/index.ts'
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
  if (config.jobs.workers > 0) await startWorkers(app.ctx, config.jobs.workers)
  await reportStartup(app)
}

/**
 * A worker-only process (`tether-relay worker`): no HTTP, the same database and
 * queue; it works on background jobs until SIGTERM/SIGINT, then lets the targets
 * in flight finish. Any number of them may run beside the API processes.
 */
export async function work(config: Config): Promise<void> {
  const database = await openMigratedDatabase(config)
  const ctx = createContext({ config, database })
  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ err }) => {
    if (err) console.error('Worker stopping after an uncaught error:', err)
    await ctx.queue.stop(config.shutdownTimeoutMs)
    await database.close()
  })
  const concurrency = Math.max(1, config.jobs.workers)
  // One line per target, for operators (and the tests that count who did what).
  await startWorkers(ctx, concurrency, (type, task, outcome) =>
    console.log(`${type} target ${String(task.data.jobId)}/${String(task.data.applicationId)} ${outcome}`),
  )
  console.log(`Worker started: ${concurrency} target(s) at once, ${database.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'}`)
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
