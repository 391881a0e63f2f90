import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/** The live tables an apply writes copies into (every cloned item kind). */
const clonedTables = ['automations', 'prompts', 'templates', 'pipelines', 'pipeline_stages', 'ai_agents', 'dynamic_properties']

/**
 * Lineage (SPEC §7.3): every successful apply records an application, and every
 * row it cloned remembers that application, the snapshot item it came from (the
 * copy's source id, stable across versions) and a hash of its content as written:
 * the base of the three-way merge a later push makes.
 *
 * No foreign keys on purpose: an application outlives its snapshot and version (for
 * audit), and the origin columns are written by the same bulk INSERT … SELECT as the
 * rows themselves, where a per-row key check would cost the apply for no integrity a
 * user depends on (the application and its rows are written in one transaction).
 * Applications go with their target organization.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table snapshot_applications (
      id text primary key default object_id(),
      seq bigint generated always as identity unique,
      snapshot_id text not null,
      snapshot_kind text not null check (snapshot_kind in ('user', 'org')),
      snapshot_name text not null,
      version integer not null,
      version_id text not null,
      target_organization_id text not null references organizations (id) on delete cascade,
      target_organization_name text not null,
      user_id text references users (id) on delete set null,
      user_email text,
      applied_by text not null,
      applied_by_name text not null,
      applied_at timestamptz not null default now(),
      counts jsonb not null,
      mappings jsonb not null
    );
    create index snapshot_applications_snapshot_idx on snapshot_applications (snapshot_id, seq desc);
    create index snapshot_applications_target_idx on snapshot_applications (target_organization_id, seq desc);

    ${clonedTables
      .map(
        (table) => `
    alter table ${table}
      add column origin_application_id text,
      add column origin_item_id text,
      add column origin_hash text;`,
      )
      .join('\n')}
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    drop table snapshot_applications;
    ${clonedTables
      .map((table) => `alter table ${table} drop column origin_application_id, drop column origin_item_id, drop column origin_hash;`)
      .join('\n')}
    `,
  )
}
