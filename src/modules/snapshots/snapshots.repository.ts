import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely'
import type { ItemKind } from './item-kind.ts'
import { kindsOf } from './item-kinds.ts'
import type { Executor, ItemCounts, SnapshotKind, SnapshotsTable, SnapshotVersionsTable } from '../../db/database.ts'

export type SnapshotRow = Selectable<SnapshotsTable> & {
  /** Names of the credentials the source organization had set, as of the latest version. */
  credential_names: string[]
}

/** Summary columns only: listing never touches item bodies. */
const summaryColumns = [
  'id',
  'seq',
  'kind',
  'name',
  'description',
  'source_org_id',
  'source_org_name',
  'source_user_id',
  'source_user_email',
  'source_user_name',
  'created_by',
  'created_by_name',
  'created_by_role',
  'is_global',
  'assigned_org_ids',
  'version',
  'version_id',
  'counts',
  'created_at',
  'updated_at',
  'imported_from_instance',
  'imported_from_snapshot',
  'imported_from_version',
  'imported_into_org',
] as const

const credentialNameList = sql<string[]>`array(
  select n.name from snapshot_credential_names n where n.version_id = snapshots.version_id order by n.name
)`
const credentialNames = credentialNameList.as('credential_names')

function selectSummary(db: Executor) {
  return db.selectFrom('snapshots').select(summaryColumns).select(credentialNames)
}

/** The snapshot row and its first version (whose id is the snapshot's), before any item is captured. */
export async function insertSnapshot(
  db: Executor,
  row: Insertable<SnapshotsTable> & { id: string },
  version: Omit<Insertable<SnapshotVersionsTable>, 'id' | 'snapshot_id' | 'version'>,
): Promise<void> {
  await db.insertInto('snapshots').values(row).execute()
  await db
    .insertInto('snapshot_versions')
    .values({ ...version, id: row.version_id, snapshot_id: row.id, version: 1 })
    .execute()
}

/** Records what a version captured, on the version and (it being the latest) on the snapshot. */
export async function setVersionCounts(db: Executor, snapshotId: string, versionId: string, counts: ItemCounts): Promise<void> {
  const json = JSON.stringify(counts)
  await db.updateTable('snapshot_versions').set({ counts: json }).where('id', '=', versionId).execute()
  await db.updateTable('snapshots').set({ counts: json }).where('id', '=', snapshotId).execute()
}

export interface FindOptions {
  /**
   * Inside an apply transaction: hold a KEY SHARE lock on the snapshot row until
   * commit. Each statement of a READ COMMITTED transaction sees the latest commits,
   * so without it a concurrent delete could empty the item tables between the
   * apply's statements and the apply would create a user or organization with only
   * some of the items. The lock makes a delete wait for the apply (and an apply
   * that comes second see the snapshot gone: 404); changing access does not wait.
   */
  lockForApply?: boolean
}

export function findSnapshot(
  db: Executor,
  kind: SnapshotKind,
  id: string,
  options: FindOptions = {},
): Promise<SnapshotRow | undefined> {
  return selectSummary(db)
    .where('kind', '=', kind)
    .where('id', '=', id)
    .$if(options.lockForApply === true, (qb) => qb.forKeyShare())
    .executeTakeFirst()
}

export interface ListOptions {
  kind: SnapshotKind
  /** Only snapshots assigned to this organization or global; undefined = all (SUPERADMIN). */
  visibleToOrganization?: string
  /** Only names containing this text, in any case (served by snapshots_name_trgm_idx). */
  nameContains?: string
  /** Only global snapshots. */
  globalOnly?: boolean
  /** Only snapshots assigned to this organization. */
  assignedTo?: string
  /** Only snapshots created by this user. */
  createdBy?: string
  limit?: number
  /** seq of the last row of the previous page. */
  afterSeq?: number
}

/** `text` as a LIKE pattern that matches it literally (backslash is the default escape). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

const assignedTo = (org: string) => sql<boolean>`assigned_org_ids @> array[${org}]::text[]`

/** A timestamp as Date.prototype.toISOString() writes it (UTC, milliseconds truncated like a pg Date). */
const isoTimestamp = (column: 'created_at' | 'updated_at') =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * A listed snapshot's API summary, built by the database as one json value: the same
 * fields, values and order as summaryBase, summaryCounts and the kind's own fields in
 * snapshot-views.ts and the services (a test holds them equal). A page of summaries then
 * costs the server one JSON.parse per row instead of decoding 20 columns (dates, arrays)
 * and rebuilding every object.
 */
function summaryJson(kind: SnapshotKind): RawBuilder<unknown> {
  const counts = kindsOf(kind)
    .filter((k) => k.counted.summary)
    .map((k) => sql`${k.countKey}::text, coalesce((counts->>${k.countKey}::text)::int, 0)`)
  const fields: (readonly [string, RawBuilder<unknown>])[] = [
    ['_id', sql.ref('id')],
    ['name', sql.ref('name')],
    ['description', sql.ref('description')],
    ['sourceOrgId', sql.ref('source_org_id')],
    ['sourceOrgName', sql.ref('source_org_name')],
    ['sourceUserId', sql.ref('source_user_id')],
    ['sourceUserEmail', sql.ref('source_user_email')],
    ['sourceUserName', sql.ref('source_user_name')],
    ['createdBy', sql.ref('created_by')],
    ['createdByName', sql.ref('created_by_name')],
    ['createdByRole', sql.ref('created_by_role')],
    ['version', sql.ref('version')],
    ['createdAt', isoTimestamp('created_at')],
    ['updatedAt', isoTimestamp('updated_at')],
    [
      'importedFrom',
      sql`case when imported_from_instance is null then null else json_build_object(
        'instanceId', imported_from_instance, 'snapshotId', imported_from_snapshot, 'version', imported_from_version) end`,
    ],
    ['counts', sql`json_build_object(${sql.join(counts)})`],
    ...(kind === 'user'
      ? ([
          ['isGlobal', sql.ref('is_global')],
          ['assignedOrgIds', sql.ref('assigned_org_ids')],
        ] as const)
      : ([['credentialNames', credentialNameList]] as const)),
  ]
  return sql`json_build_object(${sql.join(fields.map(([field, value]) => sql`${field}::text, ${value}`))})`
}

/** Newest first, keyset-paged on the insertion sequence: each row's seq and its API summary. */
export async function listSummaries<Summary>(db: Executor, options: ListOptions): Promise<{ seq: number; summary: Summary }[]> {
  const rows = await listQuery(db, options).select(summaryJson(options.kind).as('summary')).execute()
  return rows as { seq: number; summary: Summary }[]
}

/** The listing's query, unexecuted and without its select list (tests read its plan). */
export function listQuery(db: Executor, options: ListOptions) {
  const org = options.visibleToOrganization
  const { nameContains, assignedTo: assigned, createdBy } = options
  return db
    .selectFrom('snapshots')
    .select('seq')
    .where('kind', '=', options.kind)
    .$if(org !== undefined, (qb) => qb.where((eb) => eb.or([eb('is_global', '=', true), assignedTo(org!)])))
    .$if(nameContains !== undefined, (qb) => qb.where('name', 'ilike', `%${likeLiteral(nameContains!)}%`))
    .$if(options.globalOnly === true, (qb) => qb.where('is_global', '=', true))
    .$if(assigned !== undefined, (qb) => qb.where(assignedTo(assigned!)))
    .$if(createdBy !== undefined, (qb) => qb.where('created_by', '=', createdBy!))
    .$if(options.afterSeq !== undefined, (qb) => qb.where('seq', '<', options.afterSeq as number))
    .orderBy('seq', 'desc')
    .$if(options.limit !== undefined, (qb) => qb.limit(options.limit as number))
}

export async function updateSnapshotAccess(
  db: Executor,
  id: string,
  changes: { assignedOrgIds?: string[]; isGlobal?: boolean },
): Promise<SnapshotRow | undefined> {
  const updated = await db
    .updateTable('snapshots')
    .set({
      ...(changes.assignedOrgIds !== undefined && { assigned_org_ids: changes.assignedOrgIds }),
      ...(changes.isGlobal !== undefined && { is_global: changes.isGlobal }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning('kind')
    .executeTakeFirst()
  return updated && findSnapshot(db, updated.kind, id)
}

/** Every copy of one kind in a version, whole, in the kind's view order. */
export async function copiesOfVersion(
  db: Executor,
  kind: ItemKind & { view: NonNullable<ItemKind['view']> },
  versionId: string,
): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`
    select * from ${sql.table(kind.snapshotTable)} where version_id = ${versionId}
    order by ${sql.ref(kind.view.orderBy)}, source_id
  `.execute(db)
  return result.rows
}

export async function deleteSnapshot(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('snapshots').where('id', '=', id).executeTakeFirst()
  return result.numDeletedRows > 0n
}

export type VersionRow = Selectable<SnapshotVersionsTable>

/** Holds the snapshot row until commit, so versions are numbered one after another. */
export async function lockSnapshot(db: Executor, kind: SnapshotKind, id: string): Promise<boolean> {
  const row = await db.selectFrom('snapshots').select('id').where('kind', '=', kind).where('id', '=', id).forUpdate().executeTakeFirst()
  return row !== undefined
}

export async function insertVersion(db: Executor, row: Insertable<SnapshotVersionsTable> & { id: string }): Promise<void> {
  await db.insertInto('snapshot_versions').values(row).execute()
}

/** Makes a version the snapshot's latest: what the summary, GET and apply show by default. */
export async function setLatestVersion(db: Executor, snapshotId: string, version: VersionRow): Promise<void> {
  await db
    .updateTable('snapshots')
    .set({
      version: version.version,
      version_id: version.id,
      counts: JSON.stringify(version.counts),
      source_org_name: version.source_org_name,
      source_user_email: version.source_user_email,
      source_user_name: version.source_user_name,
      updated_at: new Date(),
    })
    .where('id', '=', snapshotId)
    .execute()
}

export function findVersion(db: Executor, snapshotId: string, version: number): Promise<VersionRow | undefined> {
  return db.selectFrom('snapshot_versions').selectAll().where('snapshot_id', '=', snapshotId).where('version', '=', version).executeTakeFirst()
}

/** Newest first. */
export function listVersions(db: Executor, snapshotId: string): Promise<VersionRow[]> {
  return db.selectFrom('snapshot_versions').selectAll().where('snapshot_id', '=', snapshotId).orderBy('version', 'desc').execute()
}

export async function credentialNamesOfVersion(db: Executor, versionId: string): Promise<string[]> {
  const rows = await db.selectFrom('snapshot_credential_names').select('name').where('version_id', '=', versionId).orderBy('name').execute()
  return rows.map((r) => r.name)
}
