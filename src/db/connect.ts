import { mkdirSync } from 'node:fs'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { Kysely, PostgresDialect, type KyselyPlugin, type LogEvent } from 'kysely'
import pg from 'pg'
import Cursor from 'pg-cursor'
import type { Config } from '../config.ts'
import { lockDataDir, type DataDirLock } from './data-dir-lock.ts'
import type { Database } from './database.ts'
import { PGliteScriptingDialect } from './script.ts'

// bigint columns (counts, sequences) fit in a JS number for everything we store.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

/**
 * The PostgreSQL extensions the migrations create. PGlite loads an extension's
 * code only when the instance is created with it, so every PGlite of the service
 * (server, CLI, tests, templates) is created by createPGlite().
 */
export const pgliteExtensions = { pg_trgm }

/** A PGlite instance with the service's extensions; `dataDir` undefined: in memory. */
export function createPGlite(dataDir?: string, options: Omit<PGliteOptions, 'dataDir' | 'extensions'> = {}): Promise<PGlite> {
  return PGlite.create({ ...options, ...(dataDir === undefined ? {} : { dataDir }), extensions: pgliteExtensions })
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>
  readonly kind: 'postgres' | 'pglite'
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** Called for every executed query (used by tests to count statements). */
  onQuery?: (event: LogEvent) => void
  plugins?: KyselyPlugin[]
  /** Open an existing PGlite instance instead of creating one (tests). */
  pglite?: PGlite
}

export async function openDatabase(
  settings: Config['database'],
  options: DatabaseOptions = {},
): Promise<DatabaseHandle> {
  const log = options.onQuery
  if (settings.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: settings.url,
      max: settings.poolSize,
      // Fail fast instead of hanging a request when the server is unreachable.
      connectionTimeoutMillis: 10_000,
    })
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => {})
    // The cursor lets big reads stream (Kysely's .stream()) instead of arriving whole.
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }), log, plugins: options.plugins })
    return { db, kind: 'postgres', close: () => db.destroy() }
  }

  let pglite = options.pglite
  let lock: DataDirLock | undefined
  if (!pglite) {
    if (settings.dataDir !== 'memory://') {
      mkdirSync(settings.dataDir, { recursive: true })
      // Before PGlite touches the directory: a second process must not even recover its WAL.
      lock = await lockDataDir(settings.dataDir)
    }
    try {
      pglite = await createPGlite(settings.dataDir === 'memory://' ? undefined : settings.dataDir)
    } catch (error) {
      await lock?.release()
      throw error
    }
  }
  const instance = pglite
  const db = new Kysely<Database>({ dialect: new PGliteScriptingDialect(instance), log, plugins: options.plugins })
  return {
    db,
    kind: 'pglite',
    async close() {
      try {
        await db.destroy()
        // Kysely only tears down a driver it has used; an instance that never ran a
        // query would otherwise stay open and keep the process alive.
        if (!instance.closed) await instance.close()
      } finally {
        await lock?.release()
      }
    },
  }
}
