import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * The audit log of snapshots (SPEC §7.3): one row per create, version, assign,
 * delete, apply, push, export and import, written in the transaction of the change
 * it records. Rows are history: no foreign keys, so an event outlives its
 * snapshot, its actor and its application. `seq` orders and pages the log (newest
 * first); the indexes serve each filter of GET /api/audit-events in that order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table audit_events (
      id text primary key default object_id(),
      seq bigint generated always as identity unique,
      action text not null check (action in (
        'snapshot.created', 'snapshot.version_created', 'snapshot.assigned', 'snapshot.deleted',
        'snapshot.applied', 'snapshot.pushed', 'snapshot.exported', 'snapshot.imported'
      )),
      snapshot_kind text not null check (snapshot_kind in ('user', 'org')),
      snapshot_id text not null,
      version integer,
      actor_id text not null,
      actor_name text not null,
      actor_role text not null,
      organization_id text not null,
      target_organization_id text,
      application_id text,
      job_id text,
      details jsonb not null default '{}',
      at timestamptz not null default now()
    );
    create index audit_events_snapshot_seq_idx on audit_events (snapshot_id, seq desc);
    create index audit_events_organization_seq_idx on audit_events (organization_id, seq desc);
    create index audit_events_target_organization_seq_idx on audit_events (target_organization_id, seq desc)
      where target_organization_id is not null;
    create index audit_events_action_seq_idx on audit_events (action, seq desc);
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(db, `drop table audit_events;`)
}
