import type { FastifyInstance } from 'fastify'
import type { AppContext } from '../context.ts'
import type { QueueTask } from '../db/job-queue.ts'
import { agentsRoutes } from './agents/agents.routes.ts'
import { applicationsRoutes } from './applications/applications.routes.ts'
import { auditRoutes } from './audit/audit.routes.ts'
import { authRoutes } from './auth/auth.routes.ts'
import { automationsRoutes } from './automations/automations.routes.ts'
import { bundlesRoutes } from './bundles/bundles.routes.ts'
import { jobsRoutes } from './jobs/jobs.routes.ts'
import { queueOf, runJobTarget, type JobType, type TargetOutcome } from './jobs/jobs.service.ts'
import { orgSnapshotsRoutes } from './org-snapshots/org-snapshots.routes.ts'
import { organizationsRoutes } from './organizations/organizations.routes.ts'
import { platformRoutes } from './platform/platform.routes.ts'
import { pipelinesRoutes } from './pipelines/pipelines.routes.ts'
import { pushRoutes } from './snapshot-push/push.routes.ts'
import { pushJobTarget } from './snapshot-push/push.service.ts'
import { promptsRoutes } from './prompts/prompts.routes.ts'
import { templatesRoutes } from './templates/templates.routes.ts'
import { userSnapshotsRoutes } from './user-snapshots/user-snapshots.routes.ts'
import { usersRoutes } from './users/users.routes.ts'

/** Feature modules, each an encapsulated Fastify plugin with its own routes. */
export async function registerModules(app: FastifyInstance): Promise<void> {
  await app.register(authRoutes)
  await app.register(platformRoutes)
  await app.register(applicationsRoutes)
  await app.register(organizationsRoutes)
  await app.register(usersRoutes)
  await app.register(pipelinesRoutes)
  await app.register(agentsRoutes)
  await app.register(automationsRoutes)
  await app.register(promptsRoutes)
  await app.register(templatesRoutes)
  await app.register(userSnapshotsRoutes)
  await app.register(orgSnapshotsRoutes)
  await app.register(bundlesRoutes)
  await app.register(pushRoutes)
  await app.register(jobsRoutes)
  await app.register(auditRoutes)
}

/** What a worker does with one task of each job type (a target of a push, ...). */
const jobHandlers: Record<JobType, (ctx: AppContext, task: QueueTask) => Promise<TargetOutcome>> = {
  'snapshot.push': (ctx, task) => runJobTarget(ctx, task, (trx, target, job) => pushJobTarget(trx, ctx, target, job)),
}

/**
 * Makes this process a worker: `concurrency` targets at once of every job type.
 * `npm start` does it unless WORKERS=0; `tether-relay worker` does nothing else.
 */
export async function startWorkers(
  ctx: AppContext,
  concurrency: number,
  onTarget?: (type: JobType, task: QueueTask, outcome: TargetOutcome) => void,
): Promise<void> {
  for (const [type, handler] of Object.entries(jobHandlers) as [JobType, (ctx: AppContext, task: QueueTask) => Promise<TargetOutcome>][]) {
    await ctx.queue.work(queueOf(type), concurrency, async (task) => {
      const outcome = await handler(ctx, task)
      onTarget?.(type, task, outcome)
    })
  }
}
