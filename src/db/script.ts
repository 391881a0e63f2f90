import type { PGlite } from '@electric-sql/pglite'
import { CompiledQuery, type DatabaseConnection, type Driver, type Kysely, type TransactionSettings } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'

/**
 * SQL scripts (migrations) run exactly as written: the database's own parser splits
 * the statements, so dollar-quoted bodies, comments and E'' strings are never cut
 * in the wrong place.
 * - PostgreSQL: node-postgres sends a query without parameters with the simple query
 *   protocol, which takes several statements.
 * - PGlite: its query() uses the extended protocol (one statement), so the dialect
 *   below hands scripts to exec(), the simple protocol, on the connection's turn.
 * Either way a script run inside a transaction is part of that transaction.
 */
const scripts = new WeakSet<CompiledQuery>()

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- scripts run on any schema
export async function runScript(db: Kysely<any>, script: string): Promise<void> {
  const query = CompiledQuery.raw(script)
  scripts.add(query)
  await db.executeQuery(query)
}

/** kysely-pglite-dialect, with the scripts of runScript sent to PGlite's exec(). */
export class PGliteScriptingDialect extends PGliteDialect {
  readonly #pglite: PGlite

  constructor(pglite: PGlite) {
    super(pglite)
    this.#pglite = pglite
  }

  override createDriver(): Driver {
    return new ScriptingDriver(super.createDriver(), this.#pglite)
  }
}

class ScriptingDriver implements Driver {
  readonly #driver: Driver
  readonly #pglite: PGlite
  /** The dialect's driver releases only the connection object it handed out. */
  readonly #unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>()

  constructor(driver: Driver, pglite: PGlite) {
    this.#driver = driver
    this.#pglite = pglite
  }

  init() {
    return this.#driver.init()
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#driver.acquireConnection()
    const pglite = this.#pglite
    const scripting: DatabaseConnection = {
      async executeQuery(query) {
        if (!scripts.has(query)) return connection.executeQuery(query)
        await pglite.exec(query.sql)
        return { rows: [] }
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    }
    this.#unwrapped.set(scripting, connection)
    return scripting
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
    return this.#driver.beginTransaction(connection, settings)
  }

  commitTransaction(connection: DatabaseConnection) {
    return this.#driver.commitTransaction(connection)
  }

  rollbackTransaction(connection: DatabaseConnection) {
    return this.#driver.rollbackTransaction(connection)
  }

  releaseConnection(connection: DatabaseConnection) {
    return this.#driver.releaseConnection(this.#unwrapped.get(connection) ?? connection)
  }

  destroy() {
    return this.#driver.destroy()
  }
}
