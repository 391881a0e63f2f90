import type { AppContext } from '../src/context.ts'
import { createOrgSnapshot } from '../src/modules/org-snapshots/org-snapshots.service.ts'
import type { ApplyOrgSnapshotInput } from '../src/modules/org-snapshots/org-snapshots.schemas.ts'
import type { ApplyUserSnapshotInput } from '../src/modules/user-snapshots/user-snapshots.schemas.ts'
import { createUserSnapshot } from '../src/modules/user-snapshots/user-snapshots.service.ts'
import type { Actor } from '../src/shared/actor.ts'
import { newOrganization, newSuperadmin, newUser, uniqueEmail, uniquePhone, uniqueSuffix } from '../test/helpers/fixtures.ts'
import { seedAgent, seedBulkItems, seedPipeline } from '../test/helpers/seed.ts'

/**
 * The data one size of the benchmark works on: a source user with N items
 * (realistic sizes, a tenth of the automations referencing stages and an agent),
 * a target organization whose stages and agent have other names (so a
 * cross-organization apply needs mappings), and a snapshot of each kind.
 */

export const itemBytes = { action: 1_000, prompt: 4_000, template: 2_000 }
const referenceEvery = 10

export interface Workload {
  size: number
  counts: { automations: number; prompts: number; templates: number }
  superadmin: Actor
  /** The superadmin's token, for calls through HTTP. */
  superadminToken: string
  source: { organizationId: string; userId: string }
  target: { organizationId: string; copyUserId: string }
  userSnapshotId: string
  orgSnapshotId: string
  /** A fresh new user with explicit mappings for every referencing automation. */
  userApplyInput(): ApplyUserSnapshotInput
  orgApplyInput(): ApplyOrgSnapshotInput
  /** Deletes everything this workload created. */
  remove(): Promise<void>
}

export function splitItems(size: number) {
  const third = Math.floor(size / 3)
  return { automations: size - 2 * third, prompts: third, templates: third }
}

const newUserFields = (prefix: string) => ({
  email: uniqueEmail(prefix),
  password: 'BenchPass!2026',
  fullName: `Bench ${prefix}`,
})

export async function prepareWorkload(ctx: AppContext, size: number): Promise<Workload> {
  const app = { ctx }
  const counts = splitItems(size)
  const superadmin = await newSuperadmin(app)

  const source = await newOrganization(app, `Bench source ${uniqueSuffix()}`)
  const sourceUser = await newUser(app, source.id, 'SALES_REP')
  await seedPipeline(app, source.id, 'Sales', ['New', 'Contacted', 'Qualified'], { isDefault: true })
  const sourceAgent = await seedAgent(app, source.id, 'Closer')
  await seedBulkItems(app, source.id, sourceUser.id, {
    ...counts,
    referenceEvery,
    stages: ['New', 'Contacted'],
    agentId: sourceAgent,
    actionBytes: itemBytes.action,
    promptBytes: itemBytes.prompt,
    templateBytes: itemBytes.template,
  })

  const target = await newOrganization(app, `Bench target ${uniqueSuffix()}`)
  await seedPipeline(app, target.id, 'Funnel', ['Fresh', 'Reached out', 'Won'])
  const targetAgent = await seedAgent(app, target.id, 'Finisher')
  const copyUser = await newUser(app, target.id, 'SALES_REP')

  const snapshotInput = { sourceOrgId: source.id, sourceUserId: sourceUser.id }
  const userSnapshot = await createUserSnapshot(ctx, superadmin, { name: `Bench user N=${size}`, ...snapshotInput })
  const orgSnapshot = await createOrgSnapshot(ctx, superadmin, { name: `Bench org N=${size}`, ...snapshotInput })

  const referencing: string[] = []
  for (let i = referenceEvery; i <= counts.automations; i += referenceEvery) {
    referencing.push(`Automation ${String(i).padStart(6, '0')}`)
  }
  const pipelineMapping = Object.fromEntries(referencing.map((name) => [name, { New: 'Fresh', Contacted: 'Reached out' }]))
  const agentMapping = Object.fromEntries(referencing.map((name) => [name, { [sourceAgent]: targetAgent }]))

  return {
    size,
    counts,
    superadmin,
    superadminToken: superadmin.token,
    source: { organizationId: source.id, userId: sourceUser.id },
    target: { organizationId: target.id, copyUserId: copyUser.id },
    userSnapshotId: userSnapshot._id,
    orgSnapshotId: orgSnapshot._id,
    userApplyInput: () => ({ newUser: { ...newUserFields('apply'), accessRole: 'SALES_REP' }, pipelineMapping, agentMapping }),
    orgApplyInput: () => ({
      orgName: `Bench stood-up ${uniqueSuffix()}`,
      orgPhone: uniquePhone(),
      orgAddress: '1 Bench Street',
      firstUser: newUserFields('first'),
    }),
    async remove() {
      await ctx.db.deleteFrom('snapshots').where('id', 'in', [userSnapshot._id, orgSnapshot._id]).execute()
      await ctx.db
        .deleteFrom('organizations')
        .where('id', 'in', [source.id, target.id, superadmin.organizationId])
        .execute()
    },
  }
}
