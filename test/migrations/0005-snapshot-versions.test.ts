import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.ts'
import type { Database } from '../../src/db/database.ts'
import { migrateTo, migrateToLatest } from '../../src/db/migrate.ts'
import { createPostgresDatabase, testDatabaseKind } from '../helpers/database.ts'

/**
 * Migration 0005 (issue 12, SPEC §7.2): snapshots captured before versions existed
 * become version 1 of themselves, with nothing lost: every copy, the counts, the
 * credential names, the source names. Filled with the 0004 schema, then migrated to
 * the latest one (so every later migration runs over such data too).
 */

async function emptyDatabase(): Promise<DatabaseHandle> {
  if (testDatabaseKind === 'pglite') return openDatabase({ kind: 'pglite', dataDir: 'memory://' })
  const created = await createPostgresDatabase()
  const handle = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 })
  return { ...handle, close: () => handle.close().then(() => created.drop()) }
}

/** An org snapshot and a user snapshot as the 0004 schema stored them. */
async function fillBeforeVersions(db: Kysely<Database>) {
  await sql`
    insert into snapshots (id, kind, name, description, source_org_id, source_org_name, source_user_id,
      source_user_email, source_user_name, automation_count, prompt_count, template_count, pipeline_count,
      created_by, created_by_name, created_by_role, credential_names, created_at)
    values
      ('000000000000000000000001', 'org', 'Agency setup', 'The whole agency', 'org-a', 'Acme', 'user-a',
       'ann@acme.test', 'Ann', 1, 1, 1, 1, 'root', 'Root', 'SUPERADMIN', '{anthropicApiKey,sinchApiToken}',
       '2026-01-02T03:04:05Z'),
      ('000000000000000000000002', 'user', 'Top rep', null, 'org-a', 'Acme', 'user-a',
       'ann@acme.test', 'Ann', 1, 0, 0, 0, 'admin-a', 'Admin A', 'ADMIN', '{}', '2026-01-03T00:00:00Z')
  `.execute(db)
  for (const id of ['000000000000000000000001', '000000000000000000000002']) {
    await sql`
      insert into snapshot_automations (snapshot_id, source_id, name, description, event, trigger_type,
        source_statuses, actions, conditions, max_transitions, enabled)
      values (${id}, 'auto-1', 'Follow up', 'Moves the lead', 'lead.created', 'inbound', '[]',
        '{"targetStage":"stage-1"}', '[]', 3, true)
    `.execute(db)
    await sql`
      insert into snapshot_refs (snapshot_id, position, automation_name, ref_type, field, field_location, value, agent_name)
      values (${id}, 1, 'Follow up', 'pipelineStage', 'targetStage', 'actions', 'stage-1', null)
    `.execute(db)
  }
  const org = '000000000000000000000001'
  await sql`insert into snapshot_prompts (snapshot_id, source_id, name, prompt, description, temperature, response_time, is_hidden, tools, tool_configs)
    values (${org}, 'prompt-1', 'Qualify', 'Ask about budget', null, 0.2, null, true, '[]', '{}')`.execute(db)
  await sql`insert into snapshot_templates (snapshot_id, source_id, name, template, type, category)
    values (${org}, 'tpl-1', 'Welcome', 'Hi {{name}}', 'sms', null)`.execute(db)
  await sql`insert into snapshot_pipelines (snapshot_id, source_id, name, description, type, is_default, is_active)
    values (${org}, 'pipe-1', 'Sales', null, 'sales', true, true)`.execute(db)
  await sql`insert into snapshot_stages (snapshot_id, source_id, source_pipeline_id, name, color, position, is_active)
    values (${org}, 'stage-1', 'pipe-1', 'New', '#fff', 1, true), (${org}, 'stage-2', 'pipe-1', 'Won', '#0f0', 2, true)`.execute(db)
  await sql`insert into snapshot_agents (snapshot_id, source_id, name, description, prompt_id)
    values (${org}, 'agent-1', 'Closer', 'Closes', 'prompt-1')`.execute(db)
  await sql`insert into snapshot_dynamic_properties (snapshot_id, type, sections)
    values (${org}, 'lead', '[{"name":"Budget","fields":[]}]')`.execute(db)
}

const rows = async <T>(db: Kysely<Database>, query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows

describe('migration 0005: snapshots become version 1 of themselves', () => {
  it('keeps every copy, count, credential name and source name of snapshots captured before it', async () => {
    const database = await emptyDatabase()
    try {
      const { db } = database
      await migrateTo(db, '0004_security_hardening')
      await fillBeforeVersions(db)
      await migrateToLatest(db)

      const snapshots = await rows(db, sql<{ id: string; version: number; version_id: string; counts: unknown }>`
        select id, version, version_id, counts from snapshots order by id`)
      assert.deepEqual(snapshots, [
        {
          id: '000000000000000000000001',
          version: 1,
          version_id: '000000000000000000000001',
          counts: { automations: 1, prompts: 1, templates: 1, pipelines: 1, stages: 2, agents: 1, dynamicProperties: 1, credentialNames: 2 },
        },
        { id: '000000000000000000000002', version: 1, version_id: '000000000000000000000002', counts: { automations: 1, prompts: 0, templates: 0 } },
      ])

      const versions = await rows(db, sql<Record<string, unknown>>`
        select id, snapshot_id, version, description, source_org_name, source_user_email, source_user_name,
               created_by, created_by_name, created_at
        from snapshot_versions order by id`)
      assert.deepEqual(
        versions.map((v) => ({ ...v, created_at: new Date(v.created_at as string).toISOString() })),
        [
          {
            id: '000000000000000000000001', snapshot_id: '000000000000000000000001', version: 1, description: 'The whole agency',
            source_org_name: 'Acme', source_user_email: 'ann@acme.test', source_user_name: 'Ann',
            created_by: 'root', created_by_name: 'Root', created_at: '2026-01-02T03:04:05.000Z',
          },
          {
            id: '000000000000000000000002', snapshot_id: '000000000000000000000002', version: 1, description: null,
            source_org_name: 'Acme', source_user_email: 'ann@acme.test', source_user_name: 'Ann',
            created_by: 'admin-a', created_by_name: 'Admin A', created_at: '2026-01-03T00:00:00.000Z',
          },
        ],
      )

      // Every copy now belongs to its snapshot's version 1, content unchanged.
      const org = '000000000000000000000001'
      assert.deepEqual(
        await rows(db, sql`select version_id, source_id, name, actions from snapshot_automations order by version_id`),
        [
          { version_id: org, source_id: 'auto-1', name: 'Follow up', actions: { targetStage: 'stage-1' } },
          { version_id: '000000000000000000000002', source_id: 'auto-1', name: 'Follow up', actions: { targetStage: 'stage-1' } },
        ],
      )
      assert.deepEqual(await rows(db, sql`select version_id, name, prompt, is_hidden from snapshot_prompts`), [
        { version_id: org, name: 'Qualify', prompt: 'Ask about budget', is_hidden: true },
      ])
      assert.deepEqual(await rows(db, sql`select version_id, name from snapshot_templates`), [{ version_id: org, name: 'Welcome' }])
      assert.deepEqual(await rows(db, sql`select version_id, source_id, name from snapshot_pipelines`), [{ version_id: org, source_id: 'pipe-1', name: 'Sales' }])
      assert.deepEqual(await rows(db, sql`select version_id, source_id, source_pipeline_id, name from snapshot_stages order by position`), [
        { version_id: org, source_id: 'stage-1', source_pipeline_id: 'pipe-1', name: 'New' },
        { version_id: org, source_id: 'stage-2', source_pipeline_id: 'pipe-1', name: 'Won' },
      ])
      assert.deepEqual(await rows(db, sql`select version_id, source_id, prompt_id from snapshot_agents`), [
        { version_id: org, source_id: 'agent-1', prompt_id: 'prompt-1' },
      ])
      assert.deepEqual(await rows(db, sql`select version_id, source_id, type, sections from snapshot_dynamic_properties`), [
        { version_id: org, source_id: 'lead', type: 'lead', sections: [{ name: 'Budget', fields: [] }] },
      ])
      assert.equal((await rows(db, sql`select 1 from snapshot_refs`)).length, 2)
      assert.deepEqual(await rows(db, sql`select version_id, name from snapshot_credential_names order by name`), [
        { version_id: org, name: 'anthropicApiKey' },
        { version_id: org, name: 'sinchApiToken' },
      ])

      // Deleting a snapshot still takes its versions and copies with it.
      await sql`delete from snapshots where id = ${org}`.execute(db)
      assert.equal((await rows(db, sql`select 1 from snapshot_versions where snapshot_id = ${org}`)).length, 0)
      assert.equal((await rows(db, sql`select 1 from snapshot_stages`)).length, 0)
      assert.equal((await rows(db, sql`select 1 from snapshot_automations`)).length, 1)
    } finally {
      await database.close()
    }
  })
})
