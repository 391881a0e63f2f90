import { sql } from 'kysely'
import { openDatabase, type DatabaseHandle } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { createPostgresDatabase } from '../test/helpers/database.ts'
import type { StatementLog } from './measure.ts'

/**
 * The database a bench run works in: a new, randomly named PostgreSQL database
 * on `serverUrl`'s server (dropped by close()), or PGlite in memory.
 */
export interface BenchDatabase {
  handle: DatabaseHandle
  kind: 'pg' | 'pglite'
  serverVersion: string
  /** Removes the copies of a timed run, outside the timing, so every run starts alike (other tables if named). */
  settle(tables?: readonly string[]): Promise<void>
  close(): Promise<void>
}

/** Tables a timed run writes to; vacuumed after each clean-up so no run inherits dead rows. */
const writtenTables = [
  'users',
  'automations',
  'prompts',
  'templates',
  'prompt_grants',
  'organizations',
  'pipelines',
  'pipeline_stages',
  'ai_agents',
  'dynamic_properties',
  'snapshots',
  'snapshot_automations',
  'snapshot_prompts',
  'snapshot_templates',
  'snapshot_refs',
  'snapshot_pipelines',
  'snapshot_stages',
  'snapshot_agents',
  'snapshot_dynamic_properties',
]

/** Ctrl-C still drops the database; the bench's connections then die, which is expected. */
function dropOnInterrupt(drop: () => Promise<void>): () => void {
  const onInterrupt = () => {
    process.stderr.write('\ninterrupted: dropping the bench database\n')
    process.on('uncaughtException', () => {})
    void drop().finally(() => process.exit(130))
  }
  process.once('SIGINT', onInterrupt)
  return () => process.off('SIGINT', onInterrupt)
}

export async function openBenchDatabase(serverUrl: string | undefined, log: StatementLog): Promise<BenchDatabase> {
  const created = serverUrl ? await createPostgresDatabase(serverUrl, 'tether_bench') : null
  const stopDroppingOnInterrupt = created ? dropOnInterrupt(() => created.drop()) : () => {}
  const handle = created
    ? await openDatabase({ kind: 'postgres', url: created.url, poolSize: 10 }, { onQuery: log.onQuery })
    : await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { onQuery: log.onQuery })
  try {
    await migrateToLatest(handle.db)
  } catch (error) {
    await handle.close()
    await created?.drop()
    stopDroppingOnInterrupt()
    throw error
  }
  const { rows } = await sql<{ version: string }>`select version()`.execute(handle.db)
  let checkpoints = created !== null
  return {
    handle,
    kind: created ? 'pg' : 'pglite',
    serverVersion: rows[0]?.version ?? 'unknown',
    async settle(tables = writtenTables) {
      await sql`vacuum (analyze) ${sql.join(tables.map((t) => sql.table(t)))}`.execute(handle.db)
      // Flush the copies' WAL now rather than in the middle of the next timed run.
      if (checkpoints) {
        try {
          await sql`checkpoint`.execute(handle.db)
        } catch {
          checkpoints = false // needs superuser or pg_checkpoint; the runs are then just noisier
        }
      }
    },
    async close() {
      await handle.close()
      await created?.drop()
      stopDroppingOnInterrupt()
    },
  }
}
