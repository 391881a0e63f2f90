import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { createPGlite, openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../src/db/connect.ts'
import { migrateToLatest } from '../../src/db/migrate.ts'

/**
 * A private, migrated database for one test file.
 * - TEST_DB=postgres: a new database (random name) on TEST_DATABASE_URL's server,
 *   dropped again by close().
 * - otherwise PGlite in memory, loaded from the migrated template that
 *   scripts/run-tests.mjs builds once per run (TEST_PGLITE_TEMPLATE), or migrated
 *   from scratch when a file runs on its own.
 */
export interface TestDatabase extends DatabaseHandle {
  /** postgres:// URL of the database (PostgreSQL only), for tests that start servers. */
  readonly url: string | undefined
}

export const testDatabaseKind = process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite'

/**
 * Options of a test of a race the database decides (unique indexes, locks): PGlite runs
 * one transaction at a time, so the race cannot happen there and the test could not
 * fail. It runs in the PostgreSQL pass, and shows as skipped on PGlite.
 */
export const raceTest = {
  skip: testDatabaseKind === 'pglite' ? 'a race between transactions: runs on PostgreSQL (PGlite runs one at a time)' : false,
}

export function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TEST_DB=postgres needs TEST_DATABASE_URL')
  return url
}

export function databaseUrl(name: string, serverUrl = adminUrl()): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** A new, empty database with a random name on `serverUrl`'s server; drop() removes it. */
export async function createPostgresDatabase(
  serverUrl = adminUrl(),
  prefix = 'tether_test',
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  return {
    name,
    url: databaseUrl(name, serverUrl),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}

export async function createTestDatabase(options: DatabaseOptions = {}): Promise<TestDatabase> {
  if (testDatabaseKind === 'postgres') {
    const created = await createPostgresDatabase()
    const handle = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 10 }, options)
    try {
      await migrateToLatest(handle.db)
    } catch (error) {
      await handle.close()
      await created.drop()
      throw error
    }
    return {
      ...handle,
      url: created.url,
      async close() {
        await handle.close()
        await created.drop()
      },
    }
  }
  const template = process.env.TEST_PGLITE_TEMPLATE
  const pglite = template
    ? await createPGlite(undefined, { loadDataDir: new Blob([readFileSync(template)]) })
    : await createPGlite()
  const handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { ...options, pglite })
  if (!template) await migrateToLatest(handle.db)
  return { ...handle, url: undefined }
}
