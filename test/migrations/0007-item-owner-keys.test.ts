import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.ts'
import type { Database } from '../../src/db/database.ts'
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts'
import { violatedConstraint } from '../../src/db/constraints.ts'
import { createPostgresDatabase, testDatabaseKind } from '../helpers/database.ts'

/**
 * Migration 0007 (issue 11): one composite owner key per item row instead of two
 * foreign keys, and a cheaper object_id(). Run on a database filled before it.
 */

async function emptyDatabase(): Promise<DatabaseHandle> {
  if (testDatabaseKind === 'pglite') return openDatabase({ kind: 'pglite', dataDir: 'memory://' })
  const created = await createPostgresDatabase()
  const handle = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 })
  return { ...handle, close: () => handle.close().then(() => created.drop()) }
}

/** Runs `test` on a new database migrated up to `migration` ('latest': all of them), then drops it. */
async function withDatabase(migration: string, test: (db: Kysely<Database>) => Promise<void>): Promise<void> {
  const database = await emptyDatabase()
  try {
    if (migration === 'latest') await migrateToLatest(database.db)
    else await migrateTo(database.db, migration)
    await test(database.db)
  } finally {
    await database.close()
  }
}

const itemTables = ['automations', 'prompts', 'templates'] as const
type ItemTable = (typeof itemTables)[number]

/** A minimal row of each item table, owned by `userId` in `organizationId`. */
function itemRow(table: ItemTable, organizationId: string, userId: string, name: string) {
  const owner = { organization_id: organizationId, user_id: userId, name }
  if (table === 'automations') return { ...owner, event: 'lead.created', trigger_type: 'inbound' }
  if (table === 'prompts') return { ...owner, prompt: 'Be brief.' }
  return { ...owner, template: 'Hello', type: 'sms' }
}

async function insertItem(db: Kysely<Database>, table: ItemTable, organizationId: string, userId: string, name: string): Promise<string> {
  const row = await db
    .insertInto(table)
    .values(itemRow(table, organizationId, userId, name) as never)
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

async function organizationWithUser(db: Kysely<Database>, name: string) {
  const org = await db
    .insertInto('organizations')
    .values({ name, phone_number: `+1${String(Math.floor(Math.random() * 9e9) + 1e9)}`, address: '' })
    .returning('id')
    .executeTakeFirstOrThrow()
  const user = await db
    .insertInto('users')
    .values({ organization_id: org.id, email: `${name.toLowerCase()}@example.test`, password_hash: 'x', full_name: name, access_role: 'ADMIN' })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { organizationId: org.id, userId: user.id }
}

/** The error a write fails with (the test fails if it succeeds). */
async function failure(write: Promise<unknown>): Promise<unknown> {
  try {
    await write
  } catch (error) {
    return error
  }
  assert.fail('the database accepted the write')
}

const itemIds = async (db: Kysely<Database>) => {
  const ids: Record<string, string[]> = {}
  for (const table of itemTables) {
    ids[table] = (await db.selectFrom(table).select(['id', 'user_id', 'organization_id']).orderBy('id').execute()).map(
      (r) => `${r.id}:${r.user_id}:${r.organization_id}`,
    )
  }
  return ids
}

describe('migration 0007: item owner keys and object_id()', () => {
  it('keeps every row and id of a database filled before it', () =>
    withDatabase('0006_snapshot_search', async (db) => {
      const a = await organizationWithUser(db, 'Before')
      for (const table of itemTables) await insertItem(db, table, a.organizationId, a.userId, `${table} before`)
      const before = await itemIds(db)
      const users = await db.selectFrom('users').select(['id', 'organization_id']).execute()

      await migrateToLatest(db)

      assert.deepEqual(await itemIds(db), before)
      assert.deepEqual(await db.selectFrom('users').select(['id', 'organization_id']).execute(), users)
      // The old rows still take part in the new key: deleting their owner deletes them.
      await db.deleteFrom('users').where('id', '=', a.userId).execute()
      assert.deepEqual(await itemIds(db), { automations: [], prompts: [], templates: [] })
    }))

  it('the database refuses an item of a user of another organization, or of no user', () =>
    withDatabase('latest', async (db) => {
      const a = await organizationWithUser(db, 'Alpha')
      const b = await organizationWithUser(db, 'Beta')
      for (const table of itemTables) {
        const crossed = await failure(insertItem(db, table, b.organizationId, a.userId, 'crossed'))
        assert.equal(violatedConstraint(crossed), `${table}_owner_fkey`, String(crossed))
        const orphan = await failure(insertItem(db, table, a.organizationId, '0'.repeat(24), 'orphan'))
        assert.equal(violatedConstraint(orphan), `${table}_owner_fkey`, String(orphan))
        // Moving an existing item into another organization is refused too.
        const id = await insertItem(db, table, a.organizationId, a.userId, 'mine')
        const moved = await failure(db.updateTable(table).set({ organization_id: b.organizationId }).where('id', '=', id).execute())
        assert.equal(violatedConstraint(moved), `${table}_owner_fkey`, String(moved))
      }
      assert.deepEqual(
        Object.values(await itemIds(db)).map((rows) => rows.length),
        [1, 1, 1],
      )
    }))

  it('cascades as before: deleting an organization deletes its users’ items; a user moved keeps them', () =>
    withDatabase('latest', async (db) => {
      const a = await organizationWithUser(db, 'Gone')
      const b = await organizationWithUser(db, 'Kept')
      const c = await organizationWithUser(db, 'Elsewhere')
      for (const table of itemTables) {
        await insertItem(db, table, a.organizationId, a.userId, 'of a')
        await insertItem(db, table, b.organizationId, b.userId, 'of b')
      }
      await db.deleteFrom('organizations').where('id', '=', a.organizationId).execute()
      for (const table of itemTables) {
        const left = await db.selectFrom(table).select(['user_id', 'organization_id']).execute()
        assert.deepEqual(left, [{ user_id: b.userId, organization_id: b.organizationId }], table)
      }
      await db.updateTable('users').set({ organization_id: c.organizationId }).where('id', '=', b.userId).execute()
      for (const table of itemTables) {
        const moved = await db.selectFrom(table).select(['user_id', 'organization_id']).execute()
        assert.deepEqual(moved, [{ user_id: b.userId, organization_id: c.organizationId }], table)
      }
    }))

  it('object_id(): 24 hex in ObjectId layout, the current second first, unique over 20,000 in one statement', () =>
    withDatabase('latest', async (db) => {
      const { rows } = await sql<{ ids: number; distinct_ids: number; bad: number; first: string; now_seconds: string }>`
        select count(*)::int as ids, count(distinct id)::int as distinct_ids,
               count(*) filter (where id !~ '^[0-9a-f]{24}$')::int as bad, min(id) as first,
               floor(extract(epoch from now()))::bigint::text as now_seconds
        from (select object_id() as id from generate_series(1, 20000)) generated
      `.execute(db)
      const [result] = rows
      assert.ok(result)
      assert.deepEqual([result.ids, result.distinct_ids, result.bad], [20000, 20000, 0])
      const seconds = parseInt(result.first.slice(0, 8), 16)
      assert.ok(Math.abs(seconds - Number(result.now_seconds)) <= 60, `${result.first} starts with the current second`)
      // The middle five bytes are the database's own, the same for every id it makes.
      const middles = await sql<{ middle: string }>`select distinct substr(object_id(), 9, 10) as middle from generate_series(1, 100)`.execute(db)
      assert.equal(middles.rows.length, 1)
    }))

  it('stops, saying why, on a database whose items already name a user of another organization', () =>
    withDatabase('0006_snapshot_search', async (db) => {
      const a = await organizationWithUser(db, 'Owner')
      const b = await organizationWithUser(db, 'Other')
      await insertItem(db, 'prompts', b.organizationId, a.userId, 'misfiled')
      await assert.rejects(migrateToLatest(db), /1 automations, prompts or templates belong to a user of another organization/)
      // Nothing of 0007 was applied: the old keys are still there.
      const keys = await sql<{ conname: string }>`
        select conname from pg_constraint where conrelid = 'prompts'::regclass and contype = 'f' order by conname
      `.execute(db)
      assert.deepEqual(
        keys.rows.map((r) => r.conname),
        ['prompts_organization_id_fkey', 'prompts_user_id_fkey'],
      )
    }))
})
