import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Snapshots keep full, immutable copies of what they capture in item tables
 * (no foreign keys to the source rows), so applying one is a server-side
 * INSERT ... SELECT per item kind and editing the source never changes them.
 * User and organization snapshots share these tables; `kind` tells them apart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table snapshots (
      id text primary key default object_id(),
      -- insertion order for newest-first keyset paging
      seq bigint generated always as identity unique,
      kind text not null check (kind in ('user', 'org')),
      name text not null,
      description text,
      source_org_id text not null,
      source_org_name text not null,
      source_user_id text not null,
      source_user_email text not null,
      source_user_name text not null,
      automation_count integer not null default 0,
      prompt_count integer not null default 0,
      template_count integer not null default 0,
      pipeline_count integer not null default 0,
      created_by text not null,
      created_by_name text not null,
      created_by_role text not null,
      is_global boolean not null default false,
      assigned_org_ids text[] not null default '{}',
      -- names (never values) of the credentials the source organization had set
      credential_names text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index snapshots_kind_seq_idx on snapshots (kind, seq desc);
    create index snapshots_assigned_org_ids_idx on snapshots using gin (assigned_org_ids);

    create table snapshot_automations (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      name text not null,
      description text not null,
      event text not null,
      trigger_type text not null,
      source_statuses jsonb not null,
      actions jsonb not null,
      conditions jsonb not null,
      max_transitions integer,
      enabled boolean not null,
      primary key (snapshot_id, name)
    );

    create table snapshot_prompts (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      name text not null,
      prompt text not null,
      description text,
      temperature double precision,
      response_time double precision,
      is_hidden boolean not null,
      tools jsonb not null,
      tool_configs jsonb not null,
      primary key (snapshot_id, name)
    );

    create table snapshot_templates (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      name text not null,
      template text not null,
      type text not null,
      category text,
      primary key (snapshot_id, name)
    );

    -- Every pipeline-stage or agent reference of a captured automation.
    create table snapshot_refs (
      snapshot_id text not null references snapshots (id) on delete cascade,
      position integer not null,
      automation_name text not null,
      ref_type text not null check (ref_type in ('pipelineStage', 'agent')),
      field text not null,
      field_location text not null,
      value text not null,
      agent_name text,
      primary key (snapshot_id, position)
    );

    create table snapshot_pipelines (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      name text not null,
      description text,
      type text not null,
      is_default boolean not null,
      is_active boolean not null,
      primary key (snapshot_id, source_id)
    );

    create table snapshot_stages (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      source_pipeline_id text not null,
      name text not null,
      color text not null,
      position integer not null,
      is_active boolean not null,
      primary key (snapshot_id, source_id)
    );

    create table snapshot_agents (
      snapshot_id text not null references snapshots (id) on delete cascade,
      source_id text not null,
      name text not null,
      description text not null,
      prompt_id text,
      primary key (snapshot_id, source_id)
    );

    create table snapshot_dynamic_properties (
      snapshot_id text not null references snapshots (id) on delete cascade,
      type text not null,
      sections jsonb not null,
      primary key (snapshot_id, type)
    );
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `drop table snapshot_dynamic_properties, snapshot_agents, snapshot_stages, snapshot_pipelines,
       snapshot_refs, snapshot_templates, snapshot_prompts, snapshot_automations, snapshots`,
  )
}
