import { sql } from 'kysely'
import type { Tx } from '../src/db/database.ts'
import type { Scenario } from './scenarios.ts'
import type { Workload } from './workload.ts'

/**
 * The yardsticks, run on the same database and the same rows as the engine:
 * copying the source user's automations, prompts and templates to another user
 * in one transaction, either the fastest way PostgreSQL knows (the floor) or the
 * way a naive ORM loop would (one INSERT per row). Neither is tuned either way.
 */

const affected = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n)

interface CopyTarget {
  organizationId: string
  userId: string
}

/** One INSERT ... SELECT per table: the rows never leave the server. */
async function copyServerSide(trx: Tx, sourceUserId: string, to: CopyTarget): Promise<number> {
  const automations = await sql`
    insert into automations
      (organization_id, user_id, name, description, event, trigger_type, source_statuses, actions, conditions,
       max_transitions, enabled)
    select ${to.organizationId}, ${to.userId}, name, description, event, trigger_type, source_statuses, actions,
           conditions, max_transitions, enabled
    from automations where user_id = ${sourceUserId}
  `.execute(trx)
  const prompts = await sql`
    insert into prompts
      (organization_id, user_id, name, prompt, description, temperature, response_time, is_hidden, tools, tool_configs)
    select ${to.organizationId}, ${to.userId}, name, prompt, description, temperature, response_time, is_hidden, tools,
           tool_configs
    from prompts where user_id = ${sourceUserId}
  `.execute(trx)
  const templates = await sql`
    insert into templates (organization_id, user_id, name, template, type, category)
    select ${to.organizationId}, ${to.userId}, name, template, type, category
    from templates where user_id = ${sourceUserId}
  `.execute(trx)
  return affected(automations) + affected(prompts) + affected(templates)
}

/** Reads the rows into the application, then writes them back one INSERT at a time. */
async function copyRowByRow(trx: Tx, sourceUserId: string, to: CopyTarget): Promise<number> {
  const owner = { organization_id: to.organizationId, user_id: to.userId }
  let copied = 0
  const automations = await trx.selectFrom('automations').selectAll().where('user_id', '=', sourceUserId).execute()
  for (const { id: _id, organization_id: _o, user_id: _u, created_at: _c, updated_at: _m, ...a } of automations) {
    await trx
      .insertInto('automations')
      .values({
        ...owner,
        ...a,
        source_statuses: JSON.stringify(a.source_statuses),
        actions: JSON.stringify(a.actions),
        conditions: JSON.stringify(a.conditions),
      })
      .execute()
    copied++
  }
  const prompts = await trx.selectFrom('prompts').selectAll().where('user_id', '=', sourceUserId).execute()
  for (const { id: _id, organization_id: _o, user_id: _u, created_at: _c, updated_at: _m, ...p } of prompts) {
    await trx
      .insertInto('prompts')
      .values({ ...owner, ...p, tools: JSON.stringify(p.tools), tool_configs: JSON.stringify(p.tool_configs) })
      .execute()
    copied++
  }
  const templates = await trx.selectFrom('templates').selectAll().where('user_id', '=', sourceUserId).execute()
  for (const { id: _id, organization_id: _o, user_id: _u, created_at: _c, updated_at: _m, ...t } of templates) {
    await trx.insertInto('templates').values({ ...owner, ...t }).execute()
    copied++
  }
  return copied
}

function copyScenario(key: string, label: string, copy: typeof copyServerSide): Scenario {
  return {
    key,
    label,
    async run(ctx, w: Workload) {
      const to = { organizationId: w.target.organizationId, userId: w.target.copyUserId }
      const items = await ctx.db.transaction().execute((trx) => copy(trx, w.source.userId, to))
      return {
        items,
        cleanUp: async () => {
          for (const table of ['automations', 'prompts', 'templates'] as const) {
            await ctx.db.deleteFrom(table).where('user_id', '=', to.userId).execute()
          }
        },
      }
    },
  }
}

export const floor = copyScenario('floor', 'floor: INSERT…SELECT per table', copyServerSide)
export const naiveLoop = copyScenario('naiveLoop', 'naive loop: one INSERT per row', copyRowByRow)
