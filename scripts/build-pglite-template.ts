import { writeFileSync } from 'node:fs'
import { createPGlite, openDatabase } from '../src/db/connect.ts'
import { migrateToLatest } from '../src/db/migrate.ts'

/**
 * Migrates an in-memory PGlite once and dumps it, so each test file starts from a
 * copy instead of running initdb and every migration again.
 */
const target = process.argv[2]
if (!target) throw new Error('usage: build-pglite-template.ts <output file>')
const pglite = await createPGlite()
const handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { pglite })
await migrateToLatest(handle.db)
const dump = await pglite.dumpDataDir('none')
writeFileSync(target, Buffer.from(await dump.arrayBuffer()))
await handle.close()
