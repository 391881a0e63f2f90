import type { FastifyInstance } from 'fastify'
import { agentsRoutes } from './agents/agents.routes.ts'
import { authRoutes } from './auth/auth.routes.ts'
import { automationsRoutes } from './automations/automations.routes.ts'
import { orgSnapshotsRoutes } from './org-snapshots/org-snapshots.routes.ts'
import { organizationsRoutes } from './organizations/organizations.routes.ts'
import { platformRoutes } from './platform/platform.routes.ts'
import { pipelinesRoutes } from './pipelines/pipelines.routes.ts'
import { promptsRoutes } from './prompts/prompts.routes.ts'
import { templatesRoutes } from './templates/templates.routes.ts'
import { userSnapshotsRoutes } from './user-snapshots/user-snapshots.routes.ts'
import { usersRoutes } from './users/users.routes.ts'

/** Feature modules, each an encapsulated Fastify plugin with its own routes. */
export async function registerModules(app: FastifyInstance): Promise<void> {
  await app.register(authRoutes)
  await app.register(platformRoutes)
  await app.register(organizationsRoutes)
  await app.register(usersRoutes)
  await app.register(pipelinesRoutes)
  await app.register(agentsRoutes)
  await app.register(automationsRoutes)
  await app.register(promptsRoutes)
  await app.register(templatesRoutes)
  await app.register(userSnapshotsRoutes)
  await app.register(orgSnapshotsRoutes)
}
