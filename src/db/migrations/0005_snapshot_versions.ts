import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/** The item tables of a snapshot, all keyed by the snapshot they belonged to until now. */
const itemTables = [
  'snapshot_automations',
  'snapshot_prompts',
  'snapshot_templates',
  'snapshot_refs',
  'snapshot_pipelines',
  'snapshot_stages',
  'snapshot_agents',
  'snapshot_dynamic_properties',
]

/**
 * Snapshots become a stable id over immutable versions (SPEC §7.2). Every item
 * table now belongs to one version; an existing snapshot becomes version 1 under
 * a version id equal to its own id, so every existing item row stays valid as it is.
 *
 * Also, so the engine can treat every item kind alike: counts move into one JSON
 * object per version (every kind, keyed like the API's counts), the source
 * organization's credential names become rows of an item table, and dynamic
 * properties record their source identity (the type, unique per organization) in
 * `source_id` like every other kind.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table snapshot_versions (
      id text primary key default object_id(),
      snapshot_id text not null references snapshots (id) on delete cascade,
      version integer not null check (version >= 1),
      description text,
      counts jsonb not null default '{}',
      source_org_name text not null,
      source_user_email text not null,
      source_user_name text not null,
      created_by text not null,
      created_by_name text not null,
      created_at timestamptz not null default now(),
      unique (snapshot_id, version)
    );

    insert into snapshot_versions
      (id, snapshot_id, version, description, counts, source_org_name, source_user_email, source_user_name,
       created_by, created_by_name, created_at)
    select s.id, s.id, 1, s.description,
           jsonb_build_object('automations', s.automation_count, 'prompts', s.prompt_count, 'templates', s.template_count)
           || case when s.kind = 'org' then jsonb_build_object(
                'pipelines', s.pipeline_count,
                'stages', (select count(*) from snapshot_stages x where x.snapshot_id = s.id),
                'agents', (select count(*) from snapshot_agents x where x.snapshot_id = s.id),
                'dynamicProperties', (select count(*) from snapshot_dynamic_properties x where x.snapshot_id = s.id),
                'credentialNames', cardinality(s.credential_names))
              else '{}'::jsonb end,
           s.source_org_name, s.source_user_email, s.source_user_name, s.created_by, s.created_by_name, s.created_at
    from snapshots s;

    create table snapshot_credential_names (
      version_id text not null references snapshot_versions (id) on delete cascade,
      source_id text not null,
      name text not null,
      primary key (version_id, source_id)
    );
    insert into snapshot_credential_names (version_id, source_id, name)
    select s.id, n.name, n.name from snapshots s cross join lateral unnest(s.credential_names) as n(name);

    alter table snapshots add column version integer not null default 1;
    alter table snapshots add column version_id text;
    alter table snapshots add column counts jsonb not null default '{}';
    update snapshots s set version_id = s.id, counts = v.counts from snapshot_versions v where v.id = s.id;
    alter table snapshots alter column version_id set not null;
    alter table snapshots
      drop column automation_count, drop column prompt_count, drop column template_count,
      drop column pipeline_count, drop column credential_names;

    alter table snapshot_dynamic_properties add column source_id text;
    update snapshot_dynamic_properties set source_id = type;
    alter table snapshot_dynamic_properties alter column source_id set not null;
    alter table snapshot_dynamic_properties drop constraint snapshot_dynamic_properties_pkey;
    alter table snapshot_dynamic_properties add primary key (snapshot_id, source_id);

    ${itemTables
      .map(
        (table) => `
    alter table ${table} drop constraint ${table}_snapshot_id_fkey;
    alter table ${table} rename column snapshot_id to version_id;
    alter table ${table} add constraint ${table}_version_id_fkey
      foreign key (version_id) references snapshot_versions (id) on delete cascade;`,
      )
      .join('\n')}
    `,
  )
}

export async function down(): Promise<void> {
  throw new Error('0005_snapshot_versions cannot be undone: versions after the first have no place in the old schema')
}
