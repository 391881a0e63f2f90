import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { useTestApp } from '../../../test/helpers/app.ts'
import { uniqueEmail, uniqueSuffix } from '../../../test/helpers/fixtures.ts'
import { api } from '../../../test/helpers/http.ts'
import { orgApplyBody, orgSourceSetup } from '../../../test/helpers/scenarios.ts'
import { applySteps } from './apply-executor.ts'
import { itemKinds } from './item-kinds.ts'

/**
 * Walks the item-kind list: every kind is captured, counted, shown, cloned (or, for
 * credential names, written from the request) and has an executor step that the
 * fault-injection test fails in turn. A kind added to the list but missing from
 * any of those places fails here. The source organization has at least one item
 * of every kind; a new kind needs a fixture in orgSourceSetup too.
 */
describe('item kinds: one list drives capture, counts, views and clone', () => {
  const t = useTestApp()

  const rowsOf = async (table: string, column: string, value: string) =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)} = ${value}`.execute(t.app.ctx.db))
        .rows[0]!.n,
    )

  it('every kind is captured into its table and counted once, under its count key', async () => {
    const source = await orgSourceSetup(t.app)
    const stored = await t.app.ctx.db.selectFrom('snapshots').select(['version_id', 'counts']).where('id', '=', source.snapshot._id).executeTakeFirstOrThrow()
    for (const kind of itemKinds) {
      const captured = await rowsOf(kind.snapshotTable, 'version_id', stored.version_id)
      assert.ok(captured > 0, `the fixture has ${kind.kind} items and the capture copied them`)
      assert.equal(stored.counts[kind.countKey], captured, `counts.${kind.countKey}`)
    }
  })

  it('every kind with a view is shown by GET, nested kinds inside their parent', async () => {
    const source = await orgSourceSetup(t.app)
    const detail = await api(t.app, 'GET', `/api/org-snapshots/${source.snapshot._id}`, { token: source.root.token })
    assert.equal(detail.status, 200, detail.raw)
    const snapshot = detail.body.snapshot
    const stored = await t.app.ctx.db.selectFrom('snapshots').select('counts').where('id', '=', source.snapshot._id).executeTakeFirstOrThrow()
    for (const kind of itemKinds) {
      if (!kind.view) continue
      const parent = kind.view.parent ? itemKinds.find((k) => k.kind === kind.view!.parent!.kind)! : undefined
      const shown = parent
        ? snapshot[parent.view!.field].flatMap((copy: Record<string, unknown[]>) => copy[kind.view!.field])
        : snapshot[kind.view.field]
      assert.equal(shown.length, stored.counts[kind.countKey], `${kind.kind} copies shown`)
      const nested = itemKinds.filter((k) => k.view?.parent?.kind === kind.kind).map((k) => k.view!.field)
      assert.deepEqual(Object.keys(shown[0]).sort(), [...Object.keys(kind.view.fields), ...nested].sort(), `${kind.kind} copy fields`)
    }
    assert.deepEqual(snapshot.credentialNames, Object.keys(source.secrets).sort())
  })

  it('every kind is cloned by its step into its live table, as many as were captured', async () => {
    const source = await orgSourceSetup(t.app)
    const body = orgApplyBody({
      firstUser: { email: uniqueEmail('walk'), password: 'TempPass!2026', fullName: 'First Admin' },
      credentials: { anthropicApiKey: `sk-${uniqueSuffix()}` },
    })
    const applied = await api(t.app, 'POST', `/api/org-snapshots/${source.snapshot._id}/apply`, { token: source.root.token, body })
    assert.equal(applied.status, 201, applied.raw)
    const { result } = applied.body
    const stored = await t.app.ctx.db.selectFrom('snapshots').select('counts').where('id', '=', source.snapshot._id).executeTakeFirstOrThrow()
    for (const kind of itemKinds) {
      assert.ok(applySteps.includes(kind.step), `${kind.kind} has an executor step`)
      const live = await rowsOf(kind.liveTable, 'organization_id', result.organizationId)
      if (!kind.clone) {
        // Written from the request, never from the snapshot: only the credential given.
        assert.equal(live, 1, `${kind.kind}: only what the request brought`)
        continue
      }
      assert.equal(live, stored.counts[kind.countKey], `${kind.kind} rows in the new organization`)
      if (kind.counted.cloned) assert.equal(result.cloned[kind.countKey], live, `result.cloned.${kind.countKey}`)
    }
    assert.deepEqual(result.credentials, { configured: ['anthropicApiKey'], missing: ['twilioAuthToken'] })
  })
})
