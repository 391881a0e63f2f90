import { sql } from 'kysely'
import type { AppContext } from '../src/context.ts'
import { listUserSnapshots } from '../src/modules/user-snapshots/user-snapshots.service.ts'
import type { Actor } from '../src/shared/actor.ts'
import { newOrganization, newSuperadmin, newUser, uniqueSuffix } from '../test/helpers/fixtures.ts'
import { percentile, type StatementLog } from './measure.ts'

/**
 * GET /api/user-snapshots at catalogue scale: `visible` user snapshots visible
 * to everyone measured, then as many again hidden from the ADMIN (assigned to
 * another organization only), so the visibility filter has rows to reject.
 */

export interface ListingResult {
  actor: 'SUPERADMIN' | 'ADMIN'
  catalogue: number
  visible: number
  paged: boolean
  calls: number
  p50Ms: number
  p99Ms: number
  /** Statements per call, and whether any touched an item table (it must not). */
  statementsPerCall: number
  readsItemBodies: boolean
}

/**
 * Inserts `count` summary rows in one statement, all assigned to `otherOrgId`.
 * With a viewer, each is visible to it: every tenth as global, the rest by assignment.
 */
export async function insertCatalogue(ctx: AppContext, count: number, otherOrgId: string, viewerOrgId: string | null) {
  await sql`
    insert into snapshots (kind, name, description, source_org_id, source_org_name, source_user_id, source_user_email,
                           source_user_name, counts, created_by, created_by_name, created_by_role, is_global,
                           assigned_org_ids, version_id)
    select 'user', 'Catalogue snapshot ' || i, 'Generated for the listing benchmark', ${otherOrgId},
           'Catalogue source', 'source-user', 'source@example.test', 'Source User',
           '{"automations": 30, "prompts": 40, "templates": 30}', 'bench', 'Bench', 'SUPERADMIN',
           v.viewer is not null and i % 10 = 0,
           case when v.viewer is null or i % 10 = 0 then array[${otherOrgId}] else array[${otherOrgId}, v.viewer] end,
           'catalogue-' || v.batch || '-' || i
    from generate_series(1, ${count}) as i, (select ${viewerOrgId}::text as viewer, ${uniqueSuffix()}::text as batch) as v
  `.execute(ctx.db)
  await sql`analyze snapshots`.execute(ctx.db)
}

/** Times `calls` listings; paged calls walk the catalogue page by page (deep pages too), then start over. */
async function timeListing(ctx: AppContext, log: StatementLog, actor: Actor, paged: boolean, calls: number) {
  const times: number[] = []
  let cursor: string | undefined
  let listed = 0
  let statementsPerCall = 0
  let readsItemBodies = false
  for (let call = 0; call < calls; call++) {
    log.start()
    const started = performance.now()
    const page = await listUserSnapshots(ctx.db, actor, paged ? { limit: 50, ...(cursor ? { cursor } : {}) } : {})
    times.push(performance.now() - started)
    const executed = log.stop()
    statementsPerCall = Math.max(statementsPerCall, executed.length)
    readsItemBodies ||= executed.some((s) => /snapshot_(automations|prompts|templates)/.test(s.sql))
    cursor = page.nextCursor ?? undefined
    listed = page.snapshots.length
  }
  return { calls, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), statementsPerCall, readsItemBodies, listed }
}

export async function benchListing(
  ctx: AppContext,
  log: StatementLog,
  options: { visible: number; calls: number },
): Promise<ListingResult[]> {
  const app = { ctx }
  const superadmin = await newSuperadmin(app)
  const viewerOrg = await newOrganization(app, `Bench viewer ${uniqueSuffix()}`)
  const otherOrg = await newOrganization(app, `Bench other ${uniqueSuffix()}`)
  const admin = await newUser(app, viewerOrg.id, 'ADMIN')
  const results: ListingResult[] = []

  const measureAll = async (actors: { role: ListingResult['actor']; actor: Actor }[], catalogue: number) => {
    for (const { role, actor } of actors) {
      for (const paged of [true, false]) {
        // One warm-up pass, then the measured calls.
        await timeListing(ctx, log, actor, paged, paged ? Math.ceil(options.visible / 50) : 3)
        // Unpaged calls return the whole catalogue each time; fewer of them keep the run short.
        const calls = paged ? options.calls : Math.max(5, Math.ceil(options.calls / 10))
        const { listed, ...timed } = await timeListing(ctx, log, actor, paged, calls)
        if (!paged && listed !== options.visible) {
          throw new Error(`${role} sees ${listed} snapshots, expected ${options.visible}`)
        }
        results.push({ actor: role, catalogue, visible: options.visible, paged, ...timed })
      }
    }
  }

  await insertCatalogue(ctx, options.visible, otherOrg.id, viewerOrg.id)
  await measureAll(
    [
      { role: 'SUPERADMIN', actor: superadmin },
      { role: 'ADMIN', actor: admin },
    ],
    options.visible,
  )
  await insertCatalogue(ctx, options.visible, otherOrg.id, null)
  await measureAll([{ role: 'ADMIN', actor: admin }], options.visible * 2)

  await ctx.db.deleteFrom('snapshots').where('name', 'like', 'Catalogue snapshot %').execute()
  await ctx.db.deleteFrom('organizations').where('id', 'in', [superadmin.organizationId, viewerOrg.id, otherOrg.id]).execute()
  return results
}
