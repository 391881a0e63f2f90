import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts'
import { runScript } from './script.ts'

/**
 * Migration scripts run as the database parses them. Each case here is one that a
 * hand-written statement splitter got wrong: a `;` inside a dollar-quoted body, a
 * comment or an escaped string must not end the statement.
 */
describe(`runScript (${testDatabaseKind})`, () => {
  let database: TestDatabase
  before(async () => {
    database = await createTestDatabase()
  })
  after(() => database.close())

  const notes = async (table: string) =>
    (await sql<{ body: string }>`select body from ${sql.table(table)} order by id`.execute(database.db)).rows.map((row) => row.body)

  it('keeps a dollar-quoted function body whole, with tags, digits and nested $$', async () => {
    await runScript(
      database.db,
      `
      create table script_dollar (id serial primary key, body text not null);
      create function script_dollar_add(value text) returns void language plpgsql as $fn1$
        begin
          insert into script_dollar (body) values (value || '; added');
          perform $$ a; b $$;
        end;
      $fn1$;
      select script_dollar_add('first');
      insert into script_dollar (body) values ($q$a;b$$c$q$), ($$;$$);
      `,
    )
    assert.deepEqual(await notes('script_dollar'), ['first; added', 'a;b$$c', ';'])
  })

  it('ignores semicolons in line, block and nested block comments', async () => {
    await runScript(
      database.db,
      `
      -- a comment; with a semicolon
      create table script_comments (id serial primary key, body text not null); -- trailing; comment
      /* a block comment; insert into script_comments (body) values ('never'); */
      insert into script_comments (body) values ('one' /* inline; comment */);
      /* nested /* comments; are */ still comments; */
      insert into script_comments (body) values ('two');
      `,
    )
    assert.deepEqual(await notes('script_comments'), ['one', 'two'])
  })

  it("keeps strings whole: E'\\'' escapes, doubled quotes and quoted identifiers", async () => {
    await runScript(
      database.db,
      `
      create table "script;strings" (id serial primary key, body text not null);
      insert into "script;strings" (body) values (E'it\\'s; escaped');
      insert into "script;strings" (body) values ('it''s; doubled');
      insert into "script;strings" (body) values (E'back\\\\slash; then\\nnewline');
      insert into "script;strings" (body) values ('-- not a comment; /* nor this */');
      `,
    )
    assert.deepEqual(await notes('script;strings'), [
      "it's; escaped",
      "it's; doubled",
      'back\\slash; then\nnewline',
      '-- not a comment; /* nor this */',
    ])
  })

  it('runs inside the caller’s transaction: a failing statement undoes the whole script and the transaction', async () => {
    await assert.rejects(
      database.db.transaction().execute(async (trx) => {
        await sql`create table script_before (id int)`.execute(trx)
        await runScript(trx, `create table script_rolled_back (id int); insert into script_rolled_back values (1); select 1/0;`)
      }),
      /division by zero/,
    )
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_name in ('script_before', 'script_rolled_back')`.execute(database.db)
    assert.deepEqual(tables.rows, [])
  })

  it('sees and is seen by the other statements of its transaction', async () => {
    const count = await database.db.transaction().execute(async (trx) => {
      await sql`create table script_shared (id int)`.execute(trx)
      await runScript(trx, 'insert into script_shared values (1); insert into script_shared values (2);')
      return (await sql<{ n: number }>`select count(*)::int as n from script_shared`.execute(trx)).rows[0]?.n
    })
    assert.equal(count, 2)
  })

  it('reports a syntax error in the script', async () => {
    await assert.rejects(runScript(database.db, 'select 1; selec 2;'), /syntax error/)
  })
})
