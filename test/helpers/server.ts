import { testSecrets } from './app.ts'
import { startServer, type ServerProcess } from './process.ts'

export { httpJson, stopAllProcesses as stopAllServers, type ServerProcess } from './process.ts'

/**
 * The real server in production mode on a PostgreSQL database, for tests (and the
 * load script) that kill it or run two of them. Children are killed by stop(), by
 * stopAllServers() in an after() hook, and on process exit (see process.ts).
 */
export interface StartServerOptions {
  databaseUrl: string
  /** Tags the server's database sessions (pg_stat_activity.application_name). */
  applicationName?: string
  env?: Record<string, string>
  startTimeoutMs?: number
}

export function startProductionServer(options: StartServerOptions): Promise<ServerProcess> {
  const databaseUrl = new URL(options.databaseUrl)
  if (options.applicationName) databaseUrl.searchParams.set('application_name', options.applicationName)
  return startServer(
    { NODE_ENV: 'production', DATABASE_URL: databaseUrl.toString(), ...testSecrets, ...options.env },
    options.startTimeoutMs ?? 30_000,
  )
}
