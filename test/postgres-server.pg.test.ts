import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../src/db/database.ts'
import { createPGlite, openDatabase } from '../src/db/connect.ts'
import { migrateToLatest, migrationNames } from '../src/db/migrate.ts'
import { createPostgresDatabase } from './helpers/database.ts'
import { http, startServer, useProcesses } from './helpers/process.ts'

/**
 * `npm start` with DATABASE_URL: the server migrates a fresh PostgreSQL database
 * with the same migrations PGlite runs, and serves from it. Runs only in the
 * PostgreSQL pass (TEST_DATABASE_URL).
 */
const { tempDir } = useProcesses()

/** Tables, columns, types, nullability and defaults of the public schema, plus the index definitions. */
async function schemaOf(db: Kysely<Database>) {
  const columns = await sql<Record<string, unknown>>`
    select table_name, column_name, data_type, is_nullable, column_default
    from information_schema.columns where table_schema = 'public'
    order by table_name, column_name`.execute(db)
  const indexes = await sql<Record<string, unknown>>`
    select tablename, indexname, indexdef from pg_indexes where schemaname = 'public'
    order by tablename, indexname`.execute(db)
  const migrations = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)
  return { columns: columns.rows, indexes: indexes.rows, migrations: migrations.rows.map((r) => r.name) }
}

describe('npm start on PostgreSQL', () => {
  it('migrates a fresh database with the same schema as PGlite, and serves from it', async () => {
    const database = await createPostgresDatabase()
    try {
      const server = await startServer({
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        DATA_DIR: tempDir(),
        JWT_SECRET: 'production-like-secret-production-like-secret',
        ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
        BOOTSTRAP_SUPERADMIN_EMAIL: 'root@example.test',
        BOOTSTRAP_SUPERADMIN_PASSWORD: 'Bootstrap-pass-1',
      })
      try {
        assert.deepEqual(await http(server, 'GET', '/health'), { status: 200, body: { status: 'ok' } })
        const login = await http(server, 'POST', '/api/auth/login', {
          body: { email: 'root@example.test', password: 'Bootstrap-pass-1' },
        })
        assert.equal(login.status, 200)
        const created = await http(server, 'POST', '/api/organizations', {
          token: login.body.token,
          body: {
            name: 'Served From Postgres',
            phoneNumber: '+14155550100',
            address: '1 Main St',
            adminDetails: { email: 'pg-admin@example.test', password: 'Admin-pass-1', fullName: 'PG Admin' },
            creds: { anthropicApiKey: 'sk-ant-served-from-postgres' },
          },
        })
        assert.equal(created.status, 201, JSON.stringify(created.body))
      } finally {
        assert.deepEqual(await server.stop(), { code: 0, signal: null })
      }

      const postgres = await openDatabase({ kind: 'postgres', url: database.url, poolSize: 1 })
      const pglite = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { pglite: await createPGlite() })
      try {
        const rows = await postgres.db.selectFrom('organizations').select('name').orderBy('name').execute()
        assert.deepEqual(rows.map((r) => r.name), ['Platform', 'Served From Postgres'])
        const credential = await postgres.db.selectFrom('organization_credentials').select('ciphertext').executeTakeFirstOrThrow()
        assert.ok(!credential.ciphertext.includes('sk-ant-served-from-postgres'))

        await migrateToLatest(pglite.db)
        const served = await schemaOf(postgres.db)
        assert.ok(served.columns.length > 100, `only ${served.columns.length} columns`)
        assert.deepEqual(served.migrations, migrationNames)
        assert.deepEqual(served, await schemaOf(pglite.db))
      } finally {
        await postgres.close()
        await pglite.close()
      }
    } finally {
      await database.drop()
    }
  })
})
