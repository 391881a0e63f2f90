import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Tenant core: organizations and everything a snapshot captures or creates.
 * Plain SQL so the same migration serves PostgreSQL 15+ and PGlite.
 * Ids are 24-hex text (ObjectId layout); object_id() generates them server-side
 * so bulk copies never round-trip rows through the application.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create function object_id() returns text language sql volatile parallel safe as $$
      select lpad(to_hex(floor(extract(epoch from clock_timestamp()))::bigint), 8, '0')
          || substr(md5(gen_random_uuid()::text), 1, 16)
    $$;

    create table organizations (
      id text primary key default object_id(),
      name text not null,
      phone_number text not null,
      address text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index organizations_name_key on organizations (lower(name));
    create unique index organizations_phone_number_key on organizations (phone_number);

    -- One row per configured credential. value_hash is a keyed hash (HMAC) of the
    -- value, so cross-organization uniqueness is enforced without decrypting.
    create table organization_credentials (
      organization_id text not null references organizations (id) on delete cascade,
      name text not null,
      ciphertext text not null,
      value_hash text not null,
      updated_at timestamptz not null default now(),
      primary key (organization_id, name)
    );
    create unique index organization_credentials_value_key on organization_credentials (name, value_hash);

    create table dynamic_properties (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      type text not null,
      sections jsonb not null default '[]',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (organization_id, type)
    );

    create table users (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      email text not null,
      password_hash text not null,
      full_name text not null,
      phone_number text,
      designation text,
      access_role text not null check (access_role in ('SUPERADMIN', 'ADMIN', 'DEPARTMENT_HEAD', 'SALES_REP')),
      department_id text,
      login_disabled boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index users_email_key on users (lower(email));
    create index users_organization_idx on users (organization_id);

    create table pipelines (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      name text not null,
      description text,
      type text not null check (type in ('Contact', 'Application')),
      is_default boolean not null default false,
      is_active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index pipelines_organization_idx on pipelines (organization_id);
    create unique index pipelines_one_default_per_type on pipelines (organization_id, type) where is_default;

    create table pipeline_stages (
      id text primary key default object_id(),
      pipeline_id text not null references pipelines (id) on delete cascade,
      organization_id text not null references organizations (id) on delete cascade,
      name text not null,
      color text not null,
      position integer not null,
      is_active boolean not null default true,
      unique (pipeline_id, name)
    );
    create index pipeline_stages_organization_name_idx on pipeline_stages (organization_id, name);

    create table ai_agents (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      name text not null,
      description text not null default '',
      prompt_id text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (organization_id, name)
    );

    create table automations (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      name text not null,
      description text not null default '',
      event text not null,
      trigger_type text not null check (trigger_type in ('inbound', 'outbound', 'all')),
      source_statuses jsonb not null default '[]',
      actions jsonb not null default '{}',
      conditions jsonb not null default '[]',
      max_transitions integer,
      enabled boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, name)
    );
    create index automations_organization_idx on automations (organization_id);

    create table prompts (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      name text not null,
      prompt text not null,
      description text,
      temperature double precision,
      response_time double precision,
      is_hidden boolean not null default false,
      tools jsonb not null default '[]',
      tool_configs jsonb not null default '{}',
      copied_from text,
      copied_from_name text,
      copied_from_org text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, name)
    );
    create index prompts_organization_idx on prompts (organization_id);

    -- A same-organization snapshot apply grants the new user use of an existing
    -- prompt instead of copying it.
    create table prompt_grants (
      user_id text not null references users (id) on delete cascade,
      prompt_id text not null references prompts (id) on delete cascade,
      organization_id text not null references organizations (id) on delete cascade,
      created_at timestamptz not null default now(),
      primary key (user_id, prompt_id)
    );
    create index prompt_grants_prompt_idx on prompt_grants (prompt_id);

    create table templates (
      id text primary key default object_id(),
      organization_id text not null references organizations (id) on delete cascade,
      user_id text not null references users (id) on delete cascade,
      name text not null,
      template text not null,
      type text not null check (type in ('sms', 'campaign', 'script', 'automation')),
      category text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (user_id, name)
    );
    create index templates_organization_idx on templates (organization_id);

    -- Failed logins per (email, client address), shared by every server process.
    create table login_failures (
      key text primary key,
      failures integer not null,
      window_started_at timestamptz not null
    );
  `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    drop table login_failures, templates, prompt_grants, prompts, automations, ai_agents,
      pipeline_stages, pipelines, users, dynamic_properties, organization_credentials, organizations;
    drop function object_id();
    `,
  )
}
