import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Portable bundles (SPEC §7.6).
 *
 * - `instance_identity`: the one row naming this installation (its database) in the
 *   bundles it exports, so an importer can tell a newer version of a snapshot it
 *   already holds (same instance, same snapshot id) from a different snapshot.
 * - An imported snapshot has no source organization or user on this instance:
 *   `source_org_id` and `source_user_id` become nullable (every apply of it is then
 *   cross-organization), and `imported_from_*` record where it came from. Which
 *   organization imported it is part of its identity: two organizations importing
 *   the same bundle get a snapshot each, never a peek at the other's.
 * - Each imported version records the exporter's version number and the bundle's
 *   checksum: a re-import of the same bundle finds it, and the same version number
 *   with different content is refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create table instance_identity (
      singleton boolean primary key default true check (singleton),
      id text not null default object_id(),
      created_at timestamptz not null default now()
    );
    insert into instance_identity default values;

    alter table snapshots alter column source_org_id drop not null;
    alter table snapshots alter column source_user_id drop not null;
    alter table snapshots
      add column imported_from_instance text,
      add column imported_from_snapshot text,
      add column imported_from_version integer,
      add column imported_into_org text,
      add constraint snapshots_imported_from_check check (
        (imported_from_instance is null) = (imported_from_snapshot is null)
        and (imported_from_instance is null) = (imported_from_version is null)
        and (imported_from_instance is null) = (imported_into_org is null)
      );
    create unique index snapshots_imported_from_idx
      on snapshots (kind, imported_into_org, imported_from_instance, imported_from_snapshot)
      where imported_from_instance is not null;

    alter table snapshot_versions
      add column imported_version integer,
      add column bundle_checksum text;
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    delete from snapshots where imported_from_instance is not null;
    alter table snapshot_versions drop column bundle_checksum, drop column imported_version;
    drop index snapshots_imported_from_idx;
    alter table snapshots drop constraint snapshots_imported_from_check,
      drop column imported_into_org, drop column imported_from_version,
      drop column imported_from_snapshot, drop column imported_from_instance;
    alter table snapshots alter column source_user_id set not null;
    alter table snapshots alter column source_org_id set not null;
    drop table instance_identity;
    `,
  )
}
