import type { Kysely } from 'kysely'
import { runScript } from '../script.ts'

/** The live item tables an apply fills with one INSERT ... SELECT each. */
const itemTables = ['automations', 'prompts', 'templates'] as const

/**
 * Integrity at bulk speed (issue 11). Both changes keep every existing row and id as it is.
 *
 * - One composite foreign key `(user_id, organization_id) → users (id, organization_id)`
 *   per item row instead of two (user, organization). It checks one index entry instead of
 *   two, and it is stricter: an item can no longer name a user of another organization.
 *   The organization still exists because the user's row references it. Cascades are the
 *   same: deleting a user or an organization (which deletes its users) deletes the items.
 *   An update of a user's organization carries the items along instead of leaving them
 *   behind in the old one.
 * - object_id() loses its md5 of a random uuid, most of the cost of an id: the ObjectId
 *   layout of shared/ids.ts instead, 4 bytes of seconds, 5 bytes fixed per database (drawn
 *   once, here) and a 3-byte counter from a cached sequence. Ids stay 24 lowercase hex
 *   characters and unique (a counter value repeats only after 16,777,216 ids, and then in
 *   a later second).
 *
 * A database whose items already name a user of another organization cannot take the
 * new key; the migration then stops and says how many rows are concerned.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    do $check$
    declare
      mismatched bigint;
    begin
      select ${itemTables.map((t) => `(select count(*) from ${t} i join users u on u.id = i.user_id where u.organization_id <> i.organization_id)`).join(' + ')}
        into mismatched;
      if mismatched > 0 then
        raise exception '% automations, prompts or templates belong to a user of another organization; fix them before migrating', mismatched;
      end if;
    end
    $check$;

    alter table users add constraint users_id_organization_id_key unique (id, organization_id);
    ${itemTables
      .map(
        (t) => `
    alter table ${t} drop constraint ${t}_user_id_fkey, drop constraint ${t}_organization_id_fkey;
    alter table ${t} add constraint ${t}_owner_fkey foreign key (user_id, organization_id)
      references users (id, organization_id) on delete cascade on update cascade;`,
      )
      .join('\n')}

    create sequence object_id_counter as integer minvalue 0 maxvalue 16777215 cycle cache 1000;
    do $ids$
    begin
      execute format(
        $f$create or replace function object_id() returns text language sql volatile as $body$
          select lpad(to_hex(floor(date_part('epoch', clock_timestamp()))::bigint), 8, '0')
              || %L
              || lpad(to_hex(nextval('object_id_counter')), 6, '0')
        $body$$f$,
        substr(md5(gen_random_uuid()::text), 1, 10));
    end
    $ids$;
    `,
  )
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runScript(
    db,
    `
    create or replace function object_id() returns text language sql volatile parallel safe as $$
      select lpad(to_hex(floor(extract(epoch from clock_timestamp()))::bigint), 8, '0')
          || substr(md5(gen_random_uuid()::text), 1, 16)
    $$;
    drop sequence object_id_counter;
    ${itemTables
      .map(
        (t) => `
    alter table ${t} drop constraint ${t}_owner_fkey;
    alter table ${t} add constraint ${t}_organization_id_fkey foreign key (organization_id) references organizations (id) on delete cascade,
      add constraint ${t}_user_id_fkey foreign key (user_id) references users (id) on delete cascade;`,
      )
      .join('\n')}
    alter table users drop constraint users_id_organization_id_key;
    `,
  )
}
