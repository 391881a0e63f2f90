import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/**
 * Security hardening (issue 10):
 * - login_failures rows of ended windows are purged by window start;
 * - users.token_generation: a token carries the generation it was issued under,
 *   and disabling a user moves it on, so tokens issued before stay dead;
 * - a credential value is unique across organizations and credential names. Values
 *   already shared under different names stay readable: all but the oldest holder
 *   of such a value are marked legacy_shared_value and left out of the new unique
 *   index, and that value cannot be written anywhere again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create index login_failures_window_idx on login_failures (window_started_at);

    alter table users add column token_generation integer not null default 0;

    alter table organization_credentials add column legacy_shared_value boolean not null default false;
    update organization_credentials c set legacy_shared_value = true
      where exists (
        select 1 from organization_credentials o
        where o.value_hash = c.value_hash
          and (o.updated_at, o.organization_id, o.name) < (c.updated_at, c.organization_id, c.name)
      );
    drop index organization_credentials_value_key;
    create unique index organization_credentials_value_key on organization_credentials (value_hash)
      where not legacy_shared_value;
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    drop index organization_credentials_value_key;
    create unique index organization_credentials_value_key on organization_credentials (name, value_hash);
    alter table organization_credentials drop column legacy_shared_value;
    alter table users drop column token_generation;
    drop index login_failures_window_idx;
    `,
  )
}
