import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import * as tenantCore from './migrations/0001_tenant_core.ts'
import * as snapshots from './migrations/0002_snapshots.ts'
import * as agentPromptReference from './migrations/0003_agent_prompt_reference.ts'
import * as securityHardening from './migrations/0004_security_hardening.ts'
import * as snapshotVersions from './migrations/0005_snapshot_versions.ts'
import * as snapshotSearch from './migrations/0006_snapshot_search.ts'
import * as itemOwnerKeys from './migrations/0007_item_owner_keys.ts'
import * as snapshotApplications from './migrations/0008_snapshot_applications.ts'
import * as auditEvents from './migrations/0009_audit_events.ts'
import * as idempotencyKeys from './migrations/0010_idempotency_keys.ts'
import * as snapshotBundles from './migrations/0011_snapshot_bundles.ts'
import * as jobs from './migrations/0012_jobs.ts'

/** Migrations are listed in code so they run the same under tsx, tests and the CLI. */
const migrations: Record<string, Migration> = {
  '0001_tenant_core': tenantCore,
  '0002_snapshots': snapshots,
  '0003_agent_prompt_reference': agentPromptReference,
  '0004_security_hardening': securityHardening,
  '0005_snapshot_versions': snapshotVersions,
  '0006_snapshot_search': snapshotSearch,
  '0007_item_owner_keys': itemOwnerKeys,
  '0008_snapshot_applications': snapshotApplications,
  '0009_audit_events': auditEvents,
  '0010_idempotency_keys': idempotencyKeys,
  '0011_snapshot_bundles': snapshotBundles,
  '0012_jobs': jobs,
}

/** In the order they run. */
export const migrationNames = Object.keys(migrations)

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) }

/** Brings the schema up to date; safe to run from several processes at once (Kysely takes a lock). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`Migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, {
      cause: error,
    })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Brings the schema exactly to `name` (tests of a migration run it on data of the schema before). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateTo(db: Kysely<any>, name: string): Promise<void> {
  const { error } = await new Migrator({ db, provider }).migrateTo(name)
  if (error) throw error instanceof Error ? error : new Error(JSON.stringify(error))
}
