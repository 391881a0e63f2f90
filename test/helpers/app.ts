import { Writable } from 'node:stream'
import { after, before } from 'node:test'
import type { LogEvent } from 'kysely'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import type { FaultInjector } from '../../src/context.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

/** The fixed secrets of test apps; servers started by tests get the same ones, so test tokens work there. */
export const testSecrets = {
  JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
  ENCRYPTION_KEY: '0'.repeat(64),
} as const

/** Configuration for tests: fixed secrets, silent logs, cheap password hashing. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  // The general rate limit is raised so no test is slowed or refused by it; its own tests lower it.
  const base = loadConfig({ NODE_ENV: 'test', DATA_DIR: 'memory://', ...testSecrets, LOG_LEVEL: 'silent', RATE_LIMIT_MAX: '1000000' })
  return { ...base, passwordHash: { memoryCost: 1024, timeCost: 1, parallelism: 1 }, ...overrides }
}

export interface TestApp {
  app: App
  database: TestDatabase
  /** Log lines written so far (only captured when `captureLogs` is set). */
  logs: string[]
  /** Queries executed so far (only recorded when `recordQueries` is set). */
  queries: string[]
}

export interface TestAppOptions {
  config?: Partial<Config>
  /** Test-only fault injection into multi-step writes; swap it per test through `faults.current`. */
  faults?: FaultInjector
  captureLogs?: boolean
  /** Where the built admin console is (default dist/console). */
  consoleDir?: string
  recordQueries?: boolean
}

/**
 * An app with a private database; the caller closes it (see useTestApp).
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp & { close(): Promise<void> }> {
  const logs: string[] = []
  const queries: string[] = []
  const onQuery = options.recordQueries
    ? (event: LogEvent) => {
        queries.push(event.query.sql)
      }
    : undefined
  const database = await createTestDatabase({ onQuery })
  const logStream = options.captureLogs
    ? new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logs.push(...chunk.toString('utf8').split('\n').filter(Boolean))
          callback()
        },
      })
    : undefined
  const config = testConfig({ ...(options.captureLogs ? { logLevel: 'trace' as const } : {}), ...options.config })
  const app = await buildApp({ config, database, logStream, faults: options.faults, consoleDir: options.consoleDir })
  await app.ready()
  return {
    app,
    database,
    logs,
    queries,
    async close() {
      await app.close()
      await database.close()
    },
  }
}

/**
 * One app and one private database for a describe block: built before its first
 * test, closed after its last. Call it synchronously inside describe(); the
 * returned object is filled in once the app is ready. Tests isolate from each
 * other by creating fresh tenants, not by resetting data.
 */
export function useTestApp(options: TestAppOptions = {}): TestApp {
  const holder = {} as TestApp & { close?: () => Promise<void> }
  before(async () => {
    Object.assign(holder, await buildTestApp(options))
  })
  after(async () => {
    await holder.close?.()
  })
  return holder
}
