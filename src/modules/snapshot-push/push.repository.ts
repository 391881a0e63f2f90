import { sql } from 'kysely'
import type { Executor, SnapshotKind, Tx } from '../../db/database.ts'
import type { ApplicationRow } from '../applications/applications.repository.ts'
import { clonedRows, contentHash } from '../snapshots/clone.repository.ts'
import type { CloneTarget, ItemKind } from '../snapshots/item-kind.ts'
import type { Json } from './merge.ts'

/**
 * The SQL of a push. Every function is one statement whatever the number of items:
 * a target costs the same handful of statements for 10 items or 10,000.
 */

/** The applications a push may update: of this snapshot, into `organizationId` (null: any), and among `ids` when given. */
export function applicationsOfSnapshot(
  db: Executor,
  filter: { snapshotId: string; snapshotKind: SnapshotKind; organizationId: string | null; ids: readonly string[] | null },
): Promise<ApplicationRow[]> {
  return db
    .selectFrom('snapshot_applications')
    .selectAll()
    .where('snapshot_id', '=', filter.snapshotId)
    .where('snapshot_kind', '=', filter.snapshotKind)
    .$if(filter.organizationId !== null, (qb) => qb.where('target_organization_id', '=', filter.organizationId!))
    .$if(filter.ids !== null, (qb) => qb.where('id', '=', sql<string>`any(${[...(filter.ids ?? [])]}::text[])`))
    .orderBy('seq')
    .execute()
}

/** The application a target updates, locked until the target's transaction ends (two pushes to it run one after the other). */
export function lockApplication(trx: Tx, id: string): Promise<ApplicationRow | undefined> {
  return trx.selectFrom('snapshot_applications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
}

/** The application now stands on `version`: the next push merges against it. */
export async function setApplicationVersion(trx: Tx, id: string, version: { version: number; id: string }): Promise<void> {
  await trx.updateTable('snapshot_applications').set({ version: version.version, version_id: version.id }).where('id', '=', id).execute()
}

export interface LineageRow {
  itemId: string
  id: string
  name: string
}

/** The live rows of `kind` that came from `applicationId`: snapshot item → live id and name. */
export async function lineageOf(db: Executor, kind: ItemKind, applicationId: string, organizationId: string): Promise<LineageRow[]> {
  const result = await sql<{ item_id: string; id: string; name: string }>`
    select origin_item_id as item_id, id, ${sql.ref(kind.nameColumn)} as name from ${sql.table(kind.liveTable)}
    where organization_id = ${organizationId} and origin_application_id = ${applicationId}
  `.execute(db)
  return result.rows.map((r) => ({ itemId: r.item_id, id: r.id, name: r.name }))
}

/** One row of a kind as the merge sees it. */
export interface SideRow {
  side: 'theirs' | 'base' | 'live'
  /** The snapshot item (source id); null for live rows that did not come from this application. */
  item: string | null
  /** Live rows: the row's id. */
  id: string | null
  /** theirs/base: every column a clone writes; live: the content columns, the name scope and (lineage rows) content. */
  row: Record<string, Json>
  /** Hash of the content as it is (live) or as the clone would write it (theirs, base). */
  hash: string
  /** Live rows: the hash recorded when the application (or the last push) wrote it. */
  originHash: string | null
  /** Live rows: whether it came from this application. */
  mine: boolean
}

/**
 * Theirs (the pushed version as this target gets it), base (the applied version as
 * this target got it) and the live rows in the item's name scope, in one statement.
 * `owner` is the live column and value whose rows are read (user_id or organization_id).
 */
export async function loadSides(
  db: Executor,
  kind: ItemKind,
  theirs: CloneTarget,
  base: CloneTarget,
  owner: { column: string; value: string },
  settled: readonly string[] = [],
): Promise<SideRow[]> {
  const scope = kind.nameScope ?? owner.column
  const liveColumns = [...new Set([...kind.columns, scope])]
  const projected = (target: CloneTarget, side: string) => sql`
    select ${side}::text as side, v.origin_item_id as item, null::text as id, to_jsonb(v) as row, ${contentHash(kind, 'v')} as hash,
      null::text as origin_hash, false as mine
    from (${clonedRows(kind, target).select}) v
    where v.origin_item_id <> all(${settled}::text[])`
  const isSettled = sql`coalesce(t.origin_item_id = any(${settled}::text[]), false)`
  const result = await sql<{ side: SideRow['side']; item: string | null; id: string | null; row: Record<string, Json>; hash: string; origin_hash: string | null; mine: boolean }>`
    ${projected(theirs, 'theirs')}
    union all
    ${projected(base, 'base')}
    union all
    select 'live', t.origin_item_id, t.id,
      case when ${isSettled}
        then jsonb_build_object(${sql.join([...new Set([kind.nameColumn, scope])].map((c) => sql`${c}::text, t.${sql.ref(c)}`))})
        else jsonb_build_object(${sql.join(liveColumns.map((c) => sql`${c}::text, t.${sql.ref(c)}`))}) end,
      ${contentHash(kind, 't')}, t.origin_hash, coalesce(t.origin_application_id = ${theirs.applicationId}, false) and not ${isSettled}
    from ${sql.table(kind.liveTable)} t
    where t.${sql.ref(owner.column)} = ${owner.value}
  `.execute(db)
  return result.rows.map((r) => ({ side: r.side, item: r.item, id: r.id, row: r.row, hash: r.hash, originHash: r.origin_hash, mine: r.mine }))
}

/**
 * The common case of a push in one statement, straight from the pushed version's
 * copies as this target gets them (references re-resolved as the apply's clone does):
 * the items of this application unchanged locally (content hash = origin_hash) that
 * the snapshot changed take the snapshot's content, as the merge would decide. Items
 * the snapshot renames are left to the merge (a new name may be taken in the target).
 * Returns the snapshot items updated and their names; `settled` for loadSides.
 */
export async function updateUnchangedItems(
  trx: Tx,
  kind: ItemKind,
  theirs: CloneTarget,
  owner: { column: string; value: string },
): Promise<{ item: string; name: string }[]> {
  const name = sql.ref(kind.nameColumn)
  // Materialized: the pushed copies are computed once, then joined by item (not re-evaluated per live row).
  const result = await sql<{ item: string; name: unknown }>`
    with v as materialized (${clonedRows(kind, theirs).select})
    update ${sql.table(kind.liveTable)} t set
      ${sql.join(kind.columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))},
      origin_hash = ${contentHash(kind, 'v')}
      ${kind.untimed ? sql`` : sql`, updated_at = now()`}
    from v
    where t.${sql.ref(owner.column)} = ${owner.value}
      and t.origin_application_id = ${theirs.applicationId}
      and t.origin_item_id = v.origin_item_id
      and t.origin_hash = ${contentHash(kind, 't')}
      and t.origin_hash <> ${contentHash(kind, 'v')}
      and t.${name} is not distinct from v.${name}
    returning t.origin_item_id as item, t.${name} as name
  `.execute(trx)
  return result.rows.map((r) => ({ item: r.item, name: typeof r.name === 'string' ? r.name : JSON.stringify(r.name ?? null) }))
}

/** What a push writes to one kind of one target. */
export interface KindWrites {
  /** Full rows as a clone writes them, with their origin_hash. */
  creates: Record<string, Json>[]
  /** id, the content columns and the new origin_hash. */
  updates: Record<string, Json>[]
  /** Rows whose content stays, whose base becomes the pushed version's item. */
  rebased: { id: string; origin_hash: string }[]
  deletes: string[]
}

/** Writes one kind: at most one INSERT, one UPDATE of content, one UPDATE of base hashes and one DELETE. */
export async function writeKind(trx: Tx, kind: ItemKind, writes: KindWrites): Promise<void> {
  const table = sql.table(kind.liveTable)
  if (writes.deletes.length > 0) {
    await sql`delete from ${table} where id = any(${writes.deletes}::text[])`.execute(trx)
  }
  if (writes.updates.length > 0) {
    // Typed by the live table's own row type: every column converts from JSON as the table declares it.
    await sql`
      update ${table} t set
        ${sql.join(kind.columns.map((c) => sql`${sql.ref(c)} = r.${sql.ref(c)}`))},
        origin_hash = r.origin_hash
        ${kind.untimed ? sql`` : sql`, updated_at = now()`}
      from jsonb_populate_recordset(null::${table}, ${JSON.stringify(writes.updates)}::jsonb) r
      where t.id = r.id
    `.execute(trx)
  }
  if (writes.rebased.length > 0) {
    await sql`
      update ${table} t set origin_hash = r.origin_hash
      from jsonb_to_recordset(${JSON.stringify(writes.rebased)}::jsonb) as r(id text, origin_hash text)
      where t.id = r.id
    `.execute(trx)
  }
  if (writes.creates.length > 0) {
    const columns = Object.keys(writes.creates[0]!)
    await sql`
      insert into ${table} (${sql.join(columns.map((c) => sql.ref(c)))})
      select ${sql.join(columns.map((c) => sql.ref(`r.${c}`)))}
      from jsonb_populate_recordset(null::${table}, ${JSON.stringify(writes.creates)}::jsonb) r
    `.execute(trx)
  }
}

/** The credential names of a version that the organization has no value for. */
export async function missingCredentialNames(db: Executor, versionId: string, organizationId: string): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select n.name from snapshot_credential_names n
    where n.version_id = ${versionId}
      and not exists (select 1 from organization_credentials c where c.organization_id = ${organizationId} and c.name = n.name)
    order by n.name
  `.execute(db)
  return result.rows.map((r) => r.name)
}

export async function versionExists(db: Executor, versionId: string): Promise<boolean> {
  const row = await db.selectFrom('snapshot_versions').select('id').where('id', '=', versionId).executeTakeFirst()
  return row !== undefined
}

/** Every stage name any version of the snapshot had, with its source id and version id, newest version first. */
export async function stageNamesOfSnapshot(db: Executor, snapshotId: string): Promise<{ name: string; sourceId: string; versionId: string }[]> {
  const result = await sql<{ name: string; source_id: string; version_id: string }>`
    select s.name, s.source_id, s.version_id from snapshot_stages s
    join snapshot_versions v on v.id = s.version_id
    where v.snapshot_id = ${snapshotId}
    order by v.version desc, s.position
  `.execute(db)
  return result.rows.map((r) => ({ name: r.name, sourceId: r.source_id, versionId: r.version_id }))
}
