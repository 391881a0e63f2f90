import { sql } from 'kysely'
import type { Executor, ItemCounts, SnapshotKind, Tx } from '../../db/database.ts'
import { guardConstraints } from '../../db/constraints.ts'
import type { Actor } from '../../shared/actor.ts'
import { conflict } from '../../shared/errors.ts'
import { insertSnapshot } from '../snapshots/snapshots.repository.ts'

/** SQL of bundles: the instance's identity, versions to export, and the set-based writes of an import. */

/** This installation's id, as its bundles name it. */
export async function instanceId(db: Executor): Promise<string> {
  const row = await db.selectFrom('instance_identity').select('id').executeTakeFirstOrThrow()
  return row.id
}

export interface ImportOrigin {
  kind: SnapshotKind
  /** The importer's organization. */
  organizationId: string
  instanceId: string
  snapshotId: string
}

/**
 * The snapshot an earlier import of this origin into this organization created, its
 * row locked until the transaction ends (so two imports of newer versions queue).
 */
export function findImportedSnapshot(trx: Tx, origin: ImportOrigin) {
  return trx
    .selectFrom('snapshots')
    .select(['id', 'version', 'imported_from_version'])
    .where('kind', '=', origin.kind)
    .where('imported_into_org', '=', origin.organizationId)
    .where('imported_from_instance', '=', origin.instanceId)
    .where('imported_from_snapshot', '=', origin.snapshotId)
    .forUpdate()
    .executeTakeFirst()
}

/** The local version that imported the exporter's version `importedVersion`, if any. */
export function findImportedVersion(db: Executor, snapshotId: string, importedVersion: number) {
  return db
    .selectFrom('snapshot_versions')
    .select(['version', 'bundle_checksum'])
    .where('snapshot_id', '=', snapshotId)
    .where('imported_version', '=', importedVersion)
    .executeTakeFirst()
}

/**
 * Rows into a snapshot item table in one statement: the rows travel as one JSON
 * parameter whose keys are the table's columns, typed by the table's own row type.
 * Returns how many rows were written.
 */
export async function insertRows(trx: Tx, table: string, columns: readonly string[], rows: readonly Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0
  const list = sql.join(columns.map((column) => sql.ref(column)))
  const result = await sql`
    insert into ${sql.table(table)} (${list})
    select ${list} from jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)
  `.execute(trx)
  return Number(result.numAffectedRows ?? 0n)
}

export interface NewVersion {
  id: string
  snapshotId: string
  version: number
  description: string | null
  source: { orgName: string; userEmail: string; userName: string }
  createdBy: string
  createdByName: string
  importedVersion: number
  checksum: string
}

const versionTaken = () =>
  conflict('Conflict', 'Another version of this snapshot was created at the same time; retry the import')

/** A further version of an imported snapshot (the first comes with the snapshot row). */
export async function insertVersion(trx: Tx, version: NewVersion): Promise<void> {
  await guardConstraints(
    trx
      .insertInto('snapshot_versions')
      .values({
        id: version.id,
        snapshot_id: version.snapshotId,
        version: version.version,
        description: version.description,
        source_org_name: version.source.orgName,
        source_user_email: version.source.userEmail,
        source_user_name: version.source.userName,
        created_by: version.createdBy,
        created_by_name: version.createdByName,
        imported_version: version.importedVersion,
        bundle_checksum: version.checksum,
      })
      .execute(),
    { snapshot_versions_snapshot_id_version_key: versionTaken },
  )
}

/** Makes `versionId` the snapshot's latest version. */
export async function setLatestImportedVersion(
  trx: Tx,
  snapshotId: string,
  latest: { version: number; versionId: string; counts: ItemCounts; importedVersion: number },
): Promise<void> {
  await trx
    .updateTable('snapshots')
    .set({
      version: latest.version,
      version_id: latest.versionId,
      counts: JSON.stringify(latest.counts),
      imported_from_version: latest.importedVersion,
      updated_at: new Date(),
    })
    .where('id', '=', snapshotId)
    .execute()
}

export interface NewImportedSnapshot {
  snapshotId: string
  kind: SnapshotKind
  name: string
  description: string | null
  source: { orgName: string; userEmail: string; userName: string }
  actor: Actor
  assignedOrgIds: string[]
  origin: ImportOrigin
  importedVersion: number
  checksum: string
}

const importRace = () =>
  conflict('Conflict', 'The same snapshot is being imported by another request at this moment; retry to get the imported snapshot')

/** An imported snapshot and its first version (whose id is the snapshot's), before its items. */
export async function insertImportedSnapshot(trx: Tx, row: NewImportedSnapshot): Promise<void> {
  const source = { source_org_name: row.source.orgName, source_user_email: row.source.userEmail, source_user_name: row.source.userName }
  await guardConstraints(
    insertSnapshot(
      trx,
      {
        id: row.snapshotId,
        version_id: row.snapshotId,
        kind: row.kind,
        name: row.name,
        description: row.description,
        source_org_id: null,
        source_user_id: null,
        ...source,
        created_by: row.actor.id,
        created_by_name: row.actor.fullName,
        created_by_role: row.actor.role,
        assigned_org_ids: row.assignedOrgIds,
        imported_from_instance: row.origin.instanceId,
        imported_from_snapshot: row.origin.snapshotId,
        imported_from_version: row.importedVersion,
        imported_into_org: row.origin.organizationId,
      },
      {
        ...source,
        description: row.description,
        created_by: row.actor.id,
        created_by_name: row.actor.fullName,
        imported_version: row.importedVersion,
        bundle_checksum: row.checksum,
      },
    ),
    { snapshots_imported_from_idx: importRace },
  )
}
