import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Background jobs (SPEC §7.5). A job is one request (a push of a snapshot version)
 * over many targets; each target is done in a transaction of its own, which also
 * moves the target's row here from `pending` to `succeeded` or `failed`. The row
 * is locked and checked at the start of that transaction, so a target re-run after
 * a crash, or claimed by two workers at once, is written exactly once.
 *
 * The queue that hands targets to worker processes is pg-boss, in its own schema
 * (`pgboss`, created and upgraded by pg-boss itself); these tables are what the
 * API shows and what makes a target's work exactly-once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table jobs (
      id text primary key default object_id(),
      seq bigint generated always as identity unique,
      type text not null,
      organization_id text not null,
      created_by text not null,
      created_by_name text not null,
      params jsonb not null default '{}',
      created_at timestamptz not null default now()
    );
    create index jobs_organization_seq_idx on jobs (organization_id, seq desc);

    create table job_targets (
      job_id text not null references jobs (id) on delete cascade,
      application_id text not null,
      position integer not null,
      organization_id text not null,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      error jsonb,
      changes jsonb,
      attempts integer not null default 0,
      started_at timestamptz,
      finished_at timestamptz,
      primary key (job_id, application_id)
    );
    create index job_targets_job_position_idx on job_targets (job_id, position);
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(db, `drop table job_targets; drop table jobs;`)
}
