import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createPGlite, openDatabase } from './connect.ts'
import { migrateToLatest, migrationNames } from './migrate.ts'

describe('openDatabase (PGlite)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tether-connect-'))
  after(() => rmSync(scratch, { recursive: true, force: true }))

  it('closes an instance that never ran a query, so the process can exit', async () => {
    const pglite = await createPGlite()
    const handle = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { pglite })
    await handle.close()
    assert.equal(pglite.closed, true)
  })

  it('keeps data in DATA_DIR across close and reopen, and migrating again changes nothing', async () => {
    const dataDir = join(scratch, 'nested', 'data')
    const first = await openDatabase({ kind: 'pglite', dataDir })
    assert.deepEqual(await migrateToLatest(first.db), migrationNames)
    await first.db.insertInto('organizations').values({ name: 'Kept', phone_number: '+10000000001', address: '' }).execute()
    await first.close()

    const second = await openDatabase({ kind: 'pglite', dataDir })
    assert.deepEqual(await migrateToLatest(second.db), [])
    const rows = await second.db.selectFrom('organizations').select('name').execute()
    assert.deepEqual(rows, [{ name: 'Kept' }])
    await second.close()
  })
})
